"""The demo's past: `seed_demo --days N` plays the association's last N days through the real
actions (the queue build, claiming, call_log, escalations, Here to Help, arrears, services).

The clock is moved with time_machine, one working day at a time, each day in one transaction,
so every row carries the time it would have had. Nothing here writes a table directly: a row
that the rules would refuse is never made, and every "last spoken to" is a call that exists.
"""

import random
import tempfile
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from arrears.actions import flag_raise, mark_reviews_due
from arrears.importing import RentBalanceImport
from arrears.models import ArrearsFlag
from config.csv import safe_writer
from config.dates import add_working_days, is_working_day
from dashboard.refresh import dashboard_refresh
from here_to_help.actions import (
    request_arrears_considered,
    request_change_status,
    request_signpost,
    request_take_ownership,
)
from here_to_help.models import HelpRequest, Need, Organisation
from services.actions import status_change_create
from services.models import Service, Status
from tenants.models import SupportProvider, Tenant
from welfare.actions import call_task_claim_next
from welfare.call_actions import call_log, escalation_close, escalation_record_action
from welfare.call_models import Call, Escalation, EscalationAction
from welfare.campaign_rules import campaigns_due_for
from welfare.provider_actions import provider_check_in_record, provider_oversight_set
from welfare.provider_models import Staffing
from welfare.queue import build_call_queue

LONDON = timezone.get_default_timezone()
# The providers' check-in (one of them critical) is played this many days before today.
CHECK_IN_DAYS_AGO = 14
CALLS_PER_OFFICER = 8  # a day's calls for each demo officer: modest, so `make run` stays quick
Outcome = Call.Outcome
# The outcome of a call that was answered or not: about half of first attempts go unanswered.
FIRST_TRY = [
    (Outcome.SPOKE, 0.42),
    (Outcome.NO_ANSWER, 0.33),
    (Outcome.VOICEMAIL, 0.17),
    (Outcome.CALL_BACK, 0.03),
    (Outcome.WRONG_NUMBER, 0.02),
    (Outcome.DECLINED, 0.01),
    (Outcome.IN_HOSPITAL, 0.015),
    (Outcome.DECEASED, 0.005),
]
RETRY = [(Outcome.SPOKE, 0.6), (Outcome.NO_ANSWER, 0.25), (Outcome.VOICEMAIL, 0.15)]
WELLBEING = ["good", "good", "okay", "okay", "struggling"]
SIGNPOST_NOTES = "Gave the tenant the phone number and opening times."


def log_call(task, officer, outcome, now, key, **details):
    """The demo's one call to `call_log`, so a change to its signature is a one-line fix. A
    wrong number is the first number the call page would show, as an officer dials it; the
    call covers the campaigns the call page would show (welfare.call_views.log_call), so
    the campaigns' progress counts it."""
    details.setdefault("campaigns", campaigns_due_for(task.tenant, timezone.localdate(now)))
    if outcome == Outcome.WRONG_NUMBER and "number_dialled" not in details:
        numbers = task.tenant.numbers_to_dial()
        details["number_dialled"] = str(numbers[0]) if numbers else None
    return call_log(
        task=task, officer=officer, outcome=outcome, idempotency_key=key, now=now, **details
    )


def working_days(today, days):
    """The working days among the `days` days before `today`, oldest first."""
    every_day = (today - timedelta(days=n) for n in range(days, 0, -1))
    return [day for day in every_day if is_working_day(day)]


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), LONDON)


class DemoLife:
    def __init__(self, *, seed):
        self.random = random.Random(seed)
        self.officers = list(User.objects.filter(username__in=["officer.north", "officer.south"]))
        self.by_team = {officer.team_id: officer for officer in self.officers}
        self.income = User.objects.get(username="income.officer")
        self.manager = User.objects.get(username="manager")
        # Outcomes not yet played, each getting its turn: a list, in a fixed order (a set of
        # strings pops in an order that changes with each process's hash seed).
        self.unseen = list(Outcome.values)
        self.calls = 0

    def play(self, days, today):
        """Play the working days among the `days` days before `today`, then start today. Each
        of the `days` days, weekends too, ends with the dashboard's evening refresh, which keeps
        that day's "up to date %" (dashboard.trend): the 90-day trend then shows the demo's past
        rather than a single point."""
        self.days = working_days(today, days)
        playing = set(self.days)
        # Two weeks back: the critical provider's tenants are due every 7 days for two played
        # weeks, so its campaign's page shows some called and reached (a week back, behind
        # the backlog of more overdue calls, one of them was).
        checked_in = today - timedelta(days=CHECK_IN_DAYS_AGO)
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            if day in playing:
                with time_machine.travel(at(day, 8), tick=False) as clock, transaction.atomic():
                    self.day(day, clock)
            if day == checked_in:
                # In the played days, not after them: the critical provider's tenants are
                # queued by the next mornings' builds and called, so its campaign shows progress.
                self.check_in_providers(today, checked_in)
            evening = at(day, 18)
            with time_machine.travel(evening, tick=False):
                dashboard_refresh(now=evening)
        if days < CHECK_IN_DAYS_AGO:
            self.check_in_providers(today, checked_in)
        with time_machine.travel(at(today, 8), tick=False), transaction.atomic():
            build_call_queue(on=today)
            mark_reviews_due(on=today)

    def check_in_providers(self, today, on):
        with time_machine.travel(at(on, 17), tick=False), transaction.atomic():
            self.providers(today)

    def providers(self, today):
        """Each support provider looked after by a team, checked in on two weeks ago through the
        real action: most adequate, one stretched, one critical (its tenants are then called
        every 7 days), one due again today and one overdue, so both wait in the queue."""
        staffing = {0: Staffing.STRETCHED, 1: Staffing.CRITICAL}
        next_on = {2: today, 3: today - timedelta(days=2)}
        for n, provider in enumerate(SupportProvider.objects.order_by("pk")):
            officer = self.officers[n % len(self.officers)]
            provider_oversight_set(provider=provider, team=officer.team, cadence_days=7)
            provider_check_in_record(
                provider=provider,
                by=officer,
                staffing=staffing.get(n, Staffing.ADEQUATE),
                next_check_in_on=next_on.get(n, today + timedelta(days=1 + n % 6)),
                notes="Rang the scheme manager.",
            )

    def day(self, day, clock):
        build_call_queue(on=day)
        mark_reviews_due(on=day)
        for officer in self.officers:
            for n in range(CALLS_PER_OFFICER):
                now = at(day, 9) + timedelta(minutes=n * 25 + self.random.randrange(20))
                clock.move_to(now)
                if not self.call(officer, now):
                    break
        clock.move_to(at(day, 15, 30))
        self.help_requests(day)
        self.escalations(day)
        clock.move_to(at(day, 16, 30))
        self.arrears(day)
        if day.weekday() == 0:
            self.services(day)

    # Calls ------------------------------------------------------------------------------
    def outcome(self, task):
        if task.attempts == 0 and self.unseen and self.random.random() < 0.2:
            return self.unseen.pop(0)
        choices = FIRST_TRY if task.attempts == 0 else RETRY
        outcomes, weights = zip(*choices, strict=True)
        return self.random.choices(outcomes, weights)[0]

    def call(self, officer, now):
        task = call_task_claim_next(user=officer, now=now)
        if task is None:
            return False
        outcome = self.outcome(task)
        if outcome in self.unseen:
            self.unseen.remove(outcome)
        details = {}
        if outcome == Outcome.SPOKE:
            details["wellbeing"] = self.random.choice(WELLBEING)
            if self.random.random() < 0.2:
                details["needs"] = [self.random.choice(Need.values)]
        elif outcome == Outcome.CALL_BACK:
            details["call_back_at"] = at(add_working_days(now.date(), 1), 11)
        elif outcome == Outcome.IN_HOSPITAL:
            details["in_hospital_until"] = now.date() + timedelta(days=21)
        self.calls += 1
        log_call(
            task, officer, outcome, now, uuid.UUID(int=self.random.getrandbits(128)), **details
        )
        task.refresh_from_db()
        if outcome == Outcome.WRONG_NUMBER and task.is_open and task.claimed_by_id == officer.pk:
            # Another number is left: the call stays with the officer, who dials it next, as on
            # the call page ("... is marked wrong. Try ... now."), and never leaves it held.
            self.calls += 1
            retry, weights = zip(*RETRY, strict=True)
            again = self.random.choices(retry, weights)[0]
            details = {"wellbeing": self.random.choice(WELLBEING)} if again == Outcome.SPOKE else {}
            log_call(
                task, officer, again, now + timedelta(minutes=3),
                uuid.UUID(int=self.random.getrandbits(128)), **details,
            )  # fmt: skip
        return True

    # Here to Help -----------------------------------------------------------------------
    def help_requests(self, day):
        r = self.random
        open_requests = HelpRequest.objects.filter(
            status__in=HelpRequest.OPEN_STATUSES, team__isnull=False
        ).select_related("tenant")
        for request in open_requests:
            officer = self.by_team.get(request.team_id)
            roll = r.random()
            age = (day - timezone.localtime(request.raised_at).date()).days
            if officer is None or age < 2 or roll < 0.5:
                continue  # waiting: some go past their target
            if request.status == HelpRequest.Status.NEW:
                request_take_ownership(help_request=request, user=officer)
            elif request.status == HelpRequest.Status.IN_PROGRESS and roll < 0.7:
                organisation = Organisation.objects.offered_for(request).first()
                if organisation is not None:
                    request_signpost(
                        help_request=request,
                        organisation=organisation,
                        given_by=officer,
                        notes=SIGNPOST_NOTES,
                    )
            elif age >= 10 and roll >= 0.8:  # finished after a fortnight or so
                status = HelpRequest.Status.RESOLVED if roll < 0.93 else HelpRequest.Status.CLOSED
                outcome = (
                    "The tenant has the help they needed."
                    if status == HelpRequest.Status.RESOLVED
                    else "The tenant's family is helping now."
                )
                request_change_status(
                    help_request=request, status=status, by=officer, outcome=outcome
                )

    # Escalations ------------------------------------------------------------------------
    def escalations(self, day):
        r = self.random
        now = timezone.now()
        for escalation in Escalation.objects.filter(status=Escalation.Status.OPEN):
            age = (day - timezone.localtime(escalation.opened_at).date()).days
            if age < 1 or r.random() < 0.5:
                continue
            kind = r.choice(EscalationAction.Kind.values)
            escalation_record_action(
                escalation=escalation,
                kind=kind,
                notes="Spoke to them about the tenant.",
                by=self.manager,
                now=now,
            )
            if age >= 3 and r.random() < 0.6:
                deceased = escalation.reason == Escalation.Reason.DECEASED
                escalation_close(
                    escalation=escalation,
                    result="The family confirmed the tenant is safe and well."
                    if not deceased
                    else "The family confirmed the death.",
                    by=self.manager,
                    death_confirmed=True if deceased else None,
                    now=now,
                )

    # Arrears ----------------------------------------------------------------------------
    def arrears(self, day):
        r = self.random
        waiting = HelpRequest.objects.filter(
            need=Need.FINANCIAL, arrears_considered_at__isnull=True, arrears_flags__isnull=True
        ).select_related("tenant")
        raised = []
        for request in waiting:
            if (
                ArrearsFlag.objects.filter(tenant=request.tenant)
                .exclude(status=ArrearsFlag.Status.CLOSED)
                .exists()
            ):
                request_arrears_considered(
                    help_request=request, by=self.income, reason="Already has an open arrears flag"
                )
                continue
            flag_raise(
                tenant=request.tenant,
                user=self.income,
                reason=r.choice(ArrearsFlag.Reason.values),
                reported_on=day,
                details="Told us on a welfare call that their income has dropped.",
                review_date=day + timedelta(days=r.choice([14, 28, 42])),
                help_request=request,
            )
            raised.append(request.tenant)
        if raised or day.weekday() == 4:
            self.rent_balances(day)

    def rent_balances(self, day):
        """The rent system's export, through the import's own code: every flagged tenant owing,
        and the rest of the register as a rent system sends it (about one in six owing, most
        clear, some in credit), so the income officers' worklist of tenants in arrears with no
        flag has tenants on it. Drawn from a generator of its own, by day, so the demo's other
        events draw as they did."""
        r = random.Random(f"rent balances {day.isoformat()}")
        flagged = set(ArrearsFlag.objects.values_list("tenant__tenancy_ref", flat=True))
        refs = Tenant.objects.current(on=day).order_by("pk").values_list("tenancy_ref", flat=True)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "rent-balances.csv"
            with path.open("w", newline="", encoding="utf-8") as file:
                writer = safe_writer(file)
                writer.writerow(["tenancy_ref", "balance", "as_at", "weekly_rent"])
                for ref in sorted(flagged | set(refs)):
                    roll = r.random()
                    if ref in flagged:
                        balance = r.randrange(5000, 180000) / 100
                    elif roll < 0.16:
                        balance = r.randrange(2000, 150000) / 100
                    else:
                        balance = 0 if roll < 0.85 else -r.randrange(500, 20000) / 100
                    rent = r.choice(["86.40", "98.50", "112.10"])
                    writer.writerow([ref, f"{balance:.2f}", day.isoformat(), rent])
            report = RentBalanceImport(source_name="demo rent balances").run(path)
        if report.rejections:
            raise RuntimeError(f"Demo rent balances refused: {report.rejections[:3]}")

    # Services ---------------------------------------------------------------------------
    def services(self, day):
        """A service's status changes, as a manager would write it: each message says what it
        means and what to do instead. Services whose message tells tenants how to get help in
        an emergency ("call 999") are left as loaded: a demo must not show them losing it."""
        r = self.random
        service = r.choice(
            list(Service.objects.exclude(changes__message__contains="999").distinct())
        )
        status = r.choice([Status.REDUCED, Status.UNAVAILABLE, Status.OPERATING])
        message = {
            Status.REDUCED: "Fewer staff this week: expect longer waits. If it cannot wait, "
            "call the Customer Contact Centre.",
            Status.UNAVAILABLE: "Closed while we make repairs. Call the Customer Contact "
            "Centre and we will help another way.",
            Status.OPERATING: "Back to normal.",
        }[status]
        status_change_create(service=service, status=status, message=message, user=self.manager)


def schedule_tomorrow(manager, today):
    """One change scheduled for tomorrow morning, so the services pages show one waiting."""
    service = Service.objects.order_by("position", "name").first()
    if service is None:
        return None
    return status_change_create(
        service=service,
        status=Status.REDUCED,
        message="Reduced service from 9am while the team is at training: expect longer waits.",
        user=manager,
        effective_at=at(today + timedelta(days=1), 9),
    )
