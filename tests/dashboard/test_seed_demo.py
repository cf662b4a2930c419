"""`seed_demo --days`: the demo's past is played through the real actions, so it holds together."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Max

from accounts.models import User
from arrears.models import ArrearsFlag, RentBalance
from arrears.selectors import unflagged_in_arrears
from dashboard.models import UpToDateDay
from dashboard.tables import ALL_TEAMS
from dashboard.trend import trend_days
from here_to_help.models import HelpRequest
from services.models import Service, StatusChange
from tenants.models import PhoneNumber, Tenant
from welfare.call_models import Call, Escalation
from welfare.campaign_models import Campaign, CampaignCall
from welfare.campaign_selectors import campaign_progress
from welfare.models import CallTask

pytestmark = pytest.mark.django_db

# A Wednesday in term time: the days played before it are ordinary working days.
NOW = datetime(2027, 3, 10, 7, 30, tzinfo=ZoneInfo("Europe/London"))


@pytest.mark.own_clock  # the demo is played up to NOW, whatever the clock
def test_the_demo_days_hold_together():
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", tenants=150, days=28, seed=2020, password="demo-password-123")

    # Every "last spoken to" is the tenant's latest answered call; no one else has one.
    spoke = dict(
        Call.objects.filter(outcome=Call.Outcome.SPOKE)
        .values("tenant")
        .annotate(last=Max("made_at"))
        .values_list("tenant", "last")
    )
    assert spoke, "no tenant was spoken to"
    # A third have an email address, at example.org (it reaches nobody), for the messages.
    emails = list(Tenant.objects.exclude(email="").values_list("email", flat=True))
    assert len(emails) == 50 and all(email.endswith("@example.org") for email in emails)
    for tenant_id, last_contact_at in Tenant.objects.values_list("pk", "last_contact_at"):
        assert last_contact_at == spoke.get(tenant_id), tenant_id

    # Every outcome, about half of first tries unanswered, none in the future.
    assert set(Call.objects.values_list("outcome", flat=True)) == set(Call.Outcome.values)
    first_tries = {}
    for task_id, outcome in Call.objects.order_by("made_at").values_list("task", "outcome"):
        first_tries.setdefault(task_id, outcome)
    unanswered = sum(outcome in Call.FAILED for outcome in first_tries.values())
    assert 0.35 < unanswered / len(first_tries) < 0.65
    assert not Call.objects.filter(made_at__gte=NOW).exists()

    # Each wrong number logged marked the number the officer dialled, as a call page does.
    assert Call.objects.filter(outcome=Call.Outcome.WRONG_NUMBER).exists()
    assert PhoneNumber.objects.filter(status=PhoneNumber.Status.WRONG).exists()
    # Every call the demo's officers took is finished: none is left held, which would send an
    # officer taking their next call back to it ("You still have ...'s call").
    assert not CallTask.objects.open().filter(claimed_by__isnull=False).exists()

    # Escalations open and closed, each closed one with its result.
    assert Escalation.objects.filter(status=Escalation.Status.OPEN).exists()
    closed = Escalation.objects.filter(status=Escalation.Status.CLOSED)
    assert closed.exists()
    assert all(escalation.result for escalation in closed)

    # Here to Help requests in every status, some open past their target.
    statuses = set(HelpRequest.objects.values_list("status", flat=True))
    assert statuses == set(HelpRequest.Status.values)
    assert HelpRequest.objects.open().filter(due_at__lt=NOW).exists()

    # Arrears flags, each flagged tenant with a rent balance; a service change for tomorrow.
    flagged = set(ArrearsFlag.objects.values_list("tenant", flat=True))
    assert flagged
    assert flagged <= set(RentBalance.objects.values_list("tenant", flat=True))
    # The rest of the register has balances too: the worklist of tenants in arrears with no
    # flag has tenants on it.
    assert unflagged_in_arrears(User.objects.get(username="income.officer"), on=NOW.date())
    # The demo's changes keep the emergency advice a service gave when loaded (a tester found
    # the domestic abuse helpline's "call 999 and press 55" replaced by "Fewer staff this week").
    for service in Service.objects.filter(changes__message__contains="999").distinct():
        assert "999" in service.status_at(NOW).message, service
    tomorrow = datetime(2027, 3, 11, 9, tzinfo=ZoneInfo("Europe/London"))
    assert StatusChange.objects.filter(effective_at=tomorrow, cancelled_at__isnull=True).exists()

    # Every day played, weekends too, left its "up to date %": the trend is not one point, and
    # it moves (calls made lift it, days without calls let it fall).
    days = set(UpToDateDay.objects.values_list("day", flat=True))
    assert days == {NOW.date() - timedelta(days=n) for n in range(1, 29)}
    aged = trend_days(ALL_TEAMS, [{"code": "aged_70"}], NOW.date() - timedelta(days=1))
    percents = [day.percent("aged_70") for day in aged if day.percent("aged_70") is not None]
    assert len(percents) == 28 and len(set(percents)) > 1

    # The calls played count in the campaigns they covered, as calls made from the call page
    # do: every call is in a campaign (the programme, or only the critical provider's for a
    # tenant called weekly for it alone), and the programme's page shows its calls by day and
    # every current tenant spoken to.
    assert not Call.objects.filter(campaigns__isnull=True).exists()
    programme = Campaign.objects.get(code=Campaign.PROGRAMME_CODE)
    progress = campaign_progress(programme, NOW.date())
    in_programme = CampaignCall.objects.filter(campaign=programme).count()
    assert sum(day["calls"] for day in progress["by_day"]) == in_programme > 0
    spoken_to = Tenant.objects.current(NOW.date()).filter(last_contact_at__isnull=False)
    assert progress["totals"]["reached"] == spoken_to.count() > 0
    # The critical provider's check-in, two weeks ago, queued its tenants in the days played since:
    # its campaign shows them called.
    critical = Campaign.objects.get(code=Campaign.PROVIDER_CRITICAL_CODE)
    assert campaign_progress(critical, NOW.date())["totals"]["reached"] > 0


def test_no_days_plays_nothing():
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", tenants=20, days=0, password="demo-password-123")
    assert Tenant.objects.count() == 20
    assert not Call.objects.exists()
    assert not Tenant.objects.filter(last_contact_at__isnull=False).exists()
