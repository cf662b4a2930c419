"""Every staff page that shows tenant data writes an access-log row naming the tenant shown.

Built from the URL resolver, as tests/test_every_url.py is: every staff page that answers a GET
must be listed below, either with a way to reach it showing one tenant (and it must then log
that tenant), or among the pages that show no tenant's data, with the reason. A new URL that is
in neither list fails `test_every_staff_page_is_classified`."""

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape

from conftest import sign_in
from dashboard.refresh import dashboard_refresh
from here_to_help.models import Need
from imports.models import ImportJob
from messaging.bulk import bulk_message_create
from messaging.models import Message
from tenants.models import AccessLog
from tests.factories import (
    ArrearsFlagFactory,
    CallTaskFactory,
    FamilyContactFactory,
    HelpRequestFactory,
    ManagerFactory,
    OfficerFactory,
    RentBalanceFactory,
    SchemeFactory,
    SupportOfferFactory,
    SupportProviderFactory,
    TenantFactory,
)
from welfare.call_models import Call, Escalation, QueueGap
from welfare.campaign_actions import campaign_create
from welfare.campaign_models import Campaign, CampaignMember
from welfare.control_actions import call_tasks_assign
from welfare.models import CallTask, QueueRebuild
from welfare.visit_actions import visit_raise

pytestmark = pytest.mark.django_db

# Pages that show no tenant's data (or only counts), or answer only a POST, not opened here (they
# need a token, a service or an object of their own); those opened are in NO_TENANT_PAGES below.
NO_TENANT_DATA = {
    "accounts:two_factor", "accounts:two_factor_setup",
    "accounts:backup_codes", "accounts:two_factor_disable",
    "accounts:kept_post",  # a form kept in the person's own session: read from no register
    "services:change", "services:history", "services:cancel",
    "tenant_import:upload",  # redirects to imports:upload, checked below
    "arrears:raise",  # a form; with ?tenant= it reads the tenant through the access layer
    "arrears:close", "arrears:review",  # POST only
    "welfare:take_next", "welfare:claim", "welfare:hand_back", "welfare:log_call",
    "welfare:escalation_action", "welfare:escalation_close", "welfare:run_queue_check",
    "welfare:rebalance", "welfare:cohort_edit",
    "help:take", "help:release", "help:note", "help:status",
    "help:organisation_add", "help:organisation", "help:organisation_edit",
    "help:organisation_validate",
    "messaging:kind_change", "messaging:bulk_action",
    "dashboard:refresh", "dashboard:csv",  # figures, no names
    "imports:rejected_rows",  # the uploaded file's own rows, not the register's
    "imports:sample",  # a sample file of made-up rows, the same for everyone
    # A provider check-in: the provider, its contacts and a count of its tenants, no names.
    "welfare:check_in", "welfare:check_in_record", "welfare:check_in_claim",
    "welfare:check_in_hand_back",
}  # fmt: skip
# Pages that answer only a POST (a GET is refused with 405, which the test below checks); what
# they change or show again on an error is the page named in the comment, checked above or below.
POST_ONLY = {
    "campaigns:pause", "campaigns:resume",  # back to the campaign's figures
    "imports:confirm", "imports:cancel",  # back to the import's counts
    "providers:check_in", "providers:add_contact", "providers:set_oversight",  # the provider
    "welfare:undo", "welfare:redeployment_end", "welfare:escalation_owner",  # redirects only
    "welfare:visit_record",  # re-shows the visit on an error: logged by get_visit_for_user
    # Keep what was typed and leave the call, or show it beside the call recorded meanwhile
    # (logged by get_task_for_user); take on a call's requests, back to the call (logged).
    "welfare:keep_draft", "welfare:take_raised",
}  # fmt: skip
PUBLIC = (
    # the public status pages, feeds and Statuspage API (services:register... are staff pages)
    "services:public",
    "services:json",
    "services:feed",
    "services:service",
    "services:accessibility",
    "services:statuspage-",
    "accounts:sign",
    "accounts:logout",
    "accounts:password_reset",
    "help_centre:",  # the public directory and Open Referral feed: organisations only
    "subscriptions:subscribe",
    "subscriptions:check_email",
    "subscriptions:code",
    "subscriptions:confirm",
    "subscriptions:unsubscribe",
)
PUBLIC_PAGES = {
    "accounts:login",
    "accounts:login_bookmark",
    "healthz",
    "accessibility",
    "messaging:notify_callback",
    "accounts:password_reset",
}


def _world(patch, manager):
    """One tenant with something on every page that can show them."""
    tenant = TenantFactory(patch=patch)
    now = timezone.now()
    task = CallTaskFactory(tenant=tenant)
    help_request = HelpRequestFactory(tenant=tenant, owner=manager, need=Need.FINANCIAL)
    flag = ArrearsFlagFactory(tenant=tenant, review_date=timezone.localdate())
    offer = SupportOfferFactory(flag=flag)
    escalation = Escalation.objects.create(
        tenant=tenant, team=patch.team, reason=Escalation.Reason.WRONG_NUMBER
    )
    QueueGap.objects.create(tenant=tenant, found_on=timezone.localdate())
    contact = FamilyContactFactory(tenant=tenant)
    Message.objects.create(
        tenant=tenant, kind="no_answer", channel="sms", recipient="+447700900123",
        created_at=now - timedelta(minutes=1),
    )  # fmt: skip
    unassigned = TenantFactory(patch=None)
    return {
        "tenant": tenant, "task": task, "request": help_request, "flag": flag, "offer": offer,
        "escalation": escalation, "contact": contact, "unassigned": unassigned,
    }  # fmt: skip


def _bulk_preview(world):
    """A draft bulk text to a scheme whose one tenant has no mobile: the preview names them."""
    scheme = SchemeFactory()
    world["left_out"] = TenantFactory(patch=world["tenant"].patch, scheme=scheme, mobile="")
    author = ManagerFactory()
    item = bulk_message_create(
        user=author, title="Heatwave advice", body="Keep cool.", channel="sms", scheme=scheme,
        patch=None, rate_per_minute=600,
    )  # fmt: skip
    return f"/messages/bulk/{item.pk}/"


def _campaign(world):
    """A list campaign with the world's tenant on it, not reached yet."""
    if "campaign" not in world:
        world["campaign"] = campaign_create(
            by=ManagerFactory(), name="Shielded tenants", kind=Campaign.Kind.LIST,
            starts_on=timezone.localdate(), ends_on=timezone.localdate() + timedelta(days=30),
            schedule=Campaign.Schedule.ONCE, questions=[{"text": "All well?", "kind": "yes_no"}],
        )  # fmt: skip
        CampaignMember.objects.create(campaign=world["campaign"], tenant=world["tenant"])
    return world["campaign"].pk


def _call(world):
    task = world["task"]
    call = Call.objects.create(
        task=task, tenant=task.tenant, officer=OfficerFactory(team=task.team),
        made_on=timezone.localdate(), outcome=Call.Outcome.NO_ANSWER,
    )  # fmt: skip
    return f"/queue/call/{call.pk}/"


def _campaign_day(world):
    """A day's calls in the world's campaign: one, to the world's tenant."""
    task = world["task"]
    call = Call.objects.create(
        task=task, tenant=task.tenant, officer=OfficerFactory(team=task.team),
        made_on=timezone.localdate(), outcome=Call.Outcome.NO_ANSWER,
    )  # fmt: skip
    call.campaigns.create(campaign_id=_campaign(world))
    return f"?day={timezone.localdate():%Y-%m-%d}"


def _my_call_today(world):
    """A call the viewing officer recorded today to the world's tenant."""
    task = world["task"]
    Call.objects.create(
        task=task, tenant=task.tenant, officer=world["viewer"], made_at=timezone.now(),
        made_on=timezone.localdate(), outcome=Call.Outcome.NO_ANSWER,
    )  # fmt: skip


def _officer_history(world):
    """An officer the world's call was given to: their history names the tenant."""
    task = world["task"]
    officer = OfficerFactory(team=task.team)
    call_tasks_assign(tasks=CallTask.objects.filter(pk=task.pk), officer=officer, by=officer)
    return f"/queue/officer/{officer.pk}/history/"


def _money(world):
    """A financial-difficulty request about the world's tenant."""
    return HelpRequestFactory(tenant=world["tenant"], need=Need.FINANCIAL)


def _in_arrears(world):
    """A tenant of the world's patch owing rent with no flag (the world's tenant has one)."""
    world["in_arrears"] = TenantFactory(patch=world["tenant"].patch)
    RentBalanceFactory(tenant=world["in_arrears"])
    return world["in_arrears"]


def _visit(world):
    escalation = world["escalation"]
    world["visit"] = visit_raise(
        escalation=escalation, team=escalation.team, officer=None, what_to_ask="",
        target_on=timezone.localdate() + timedelta(days=2), by=ManagerFactory(),
    )  # fmt: skip
    return world["visit"]


def _import_job(world):
    job = ImportJob.objects.create(
        kind="tenants", created_by=world["viewer"], file_name="tenants.csv", file_size=10
    )
    return job.pk


def _provider(world):
    scheme = SchemeFactory(support_provider=SupportProviderFactory())
    TenantFactory(patch=world["tenant"].patch, scheme=scheme)
    return scheme.support_provider_id


# name: (who, the page for the world, which tenant it shows)
TENANT_PAGES = {
    "home": ("income_officer", lambda w: "/", "tenant"),
    "tenants:search": ("officer", lambda w: f"/tenants/?q={w['tenant'].tenancy_ref}", "tenant"),
    "tenants:record": ("officer", lambda w: f"/tenants/{w['tenant'].pk}/", "tenant"),
    "tenants:edit_flags": ("officer", lambda w: f"/tenants/{w['tenant'].pk}/flags/", "tenant"),
    "tenants:add_family_contact": (
        "officer", lambda w: f"/tenants/{w['tenant'].pk}/family/add/", "tenant",
    ),
    "tenants:edit_family_contact": (
        "officer", lambda w: f"/tenants/{w['tenant'].pk}/family/{w['contact'].pk}/", "tenant",
    ),
    "tenants:access_log": ("manager", lambda w: f"/tenants/{w['tenant'].pk}/access/", "tenant"),
    "tenants:access_log_csv": (
        "manager", lambda w: f"/tenants/{w['tenant'].pk}/access.csv", "tenant",
    ),
    "tenant_import:unassigned": ("manager", lambda w: "/tenants/import/unassigned/", "unassigned"),
    "arrears:flags": ("income_officer", lambda w: "/arrears/", "tenant"),
    "arrears:flags_csv": ("income_officer", lambda w: "/arrears/flags.csv", "tenant"),
    "arrears:unflagged": (
        "income_officer", lambda w: _in_arrears(w) and "/arrears/unflagged/", "in_arrears",
    ),
    "arrears:unflagged_csv": (
        "income_officer", lambda w: _in_arrears(w) and "/arrears/unflagged.csv", "in_arrears",
    ),
    "arrears:flag": ("income_officer", lambda w: f"/arrears/{w['flag'].pk}/", "tenant"),
    "arrears:add_support": (
        "income_officer", lambda w: f"/arrears/{w['flag'].pk}/support/add/", "tenant",
    ),
    "arrears:support_outcome": (
        "income_officer",
        lambda w: f"/arrears/{w['flag'].pk}/support/{w['offer'].pk}/",
        "tenant",
    ),
    "welfare:queue": ("officer", lambda w: "/queue/", "tenant"),
    "welfare:task": ("officer", lambda w: f"/queue/task/{w['task'].pk}/", "tenant"),
    "welfare:escalations": ("manager", lambda w: "/queue/escalations/", "tenant"),
    "welfare:escalations_csv": ("manager", lambda w: "/queue/escalations.csv", "tenant"),
    "welfare:escalation": (
        "manager", lambda w: f"/queue/escalations/{w['escalation'].pk}/", "tenant",
    ),
    "welfare:queue_gaps": ("manager", lambda w: "/queue/gaps/", "tenant"),
    "welfare:team": ("manager", lambda w: f"/queue/team/{w['tenant'].patch.team_id}/", "tenant"),
    "welfare:no_team": ("manager", lambda w: "/queue/team/none/", "unassigned"),
    "help:my_requests": ("manager", lambda w: "/help/", "tenant"),
    "help:team_requests": ("officer", lambda w: "/help/team/", "tenant"),
    "help:my_requests_csv": ("manager", lambda w: "/help/requests.csv", "tenant"),
    "help:team_requests_csv": ("officer", lambda w: "/help/team/requests.csv", "tenant"),
    "help:raise": ("officer", lambda w: f"/help/raise/{w['tenant'].pk}/", "tenant"),
    "help:request": ("officer", lambda w: f"/help/{w['request'].pk}/", "tenant"),
    "help:signpost": ("officer", lambda w: f"/help/{w['request'].pk}/signpost/", "tenant"),
    "help:arrears_considered": (
        "income_officer", lambda w: f"/help/{_money(w).pk}/arrears-considered/", "tenant",
    ),
    "messaging:index": ("manager", lambda w: "/messages/", "tenant"),
    "messaging:bulk": ("manager", _bulk_preview, "left_out"),
    "messaging:bulk_left_out_csv": (
        "manager", lambda w: _bulk_preview(w) + "left-out.csv", "left_out",
    ),
    "messaging:tenant_preferences": (
        "officer", lambda w: f"/messages/tenants/{w['tenant'].pk}/", "tenant",
    ),
    "tenants:numbers": ("officer", lambda w: f"/tenants/{w['tenant'].pk}/numbers/", "tenant"),
    "tenants:email": ("officer", lambda w: f"/tenants/{w['tenant'].pk}/email/", "tenant"),
    "campaigns:close": ("manager", lambda w: f"/campaigns/{_campaign(w)}/close/", "tenant"),
    "campaigns:tenants": (
        "manager", lambda w: f"/campaigns/{_campaign(w)}/tenants/?show=not_tried", "tenant",
    ),
    "campaigns:tenants_csv": (
        "manager", lambda w: f"/campaigns/{_campaign(w)}/tenants.csv", "tenant",
    ),
    "campaigns:day_calls": (
        "manager", lambda w: f"/campaigns/{_campaign(w)}/calls/{_campaign_day(w)}", "tenant",
    ),
    "campaigns:day_calls_csv": (
        "manager", lambda w: f"/campaigns/{_campaign(w)}/calls.csv{_campaign_day(w)}", "tenant",
    ),
    "campaigns:queue_today": (
        "manager", lambda w: f"/campaigns/{_campaign(w)}/queue/", "tenant",
    ),
    "campaigns:queue_today_csv": (
        "manager", lambda w: f"/campaigns/{_campaign(w)}/queue.csv", "tenant",
    ),
    "dashboard:list": ("manager", lambda w: "/dashboard/lists/escalations/", "tenant"),
    "dashboard:list_csv": ("manager", lambda w: "/dashboard/lists/escalations.csv", "tenant"),
    "welfare:team_csv": (
        "manager", lambda w: f"/queue/team/{w['tenant'].patch.team_id}.csv", "tenant",
    ),
    "welfare:no_team_csv": ("manager", lambda w: "/queue/team/none.csv", "unassigned"),
    "welfare:call": ("officer", _call, "tenant"),
    "welfare:task_history": ("manager", lambda w: f"/queue/task/{w['task'].pk}/history/", "tenant"),
    "welfare:officer_history": ("manager", _officer_history, "tenant"),
    "welfare:calls_today": ("officer", lambda w: _my_call_today(w) or "/queue/today/", "tenant"),
    "welfare:calls_today_csv": (
        "officer", lambda w: _my_call_today(w) or "/queue/today.csv", "tenant",
    ),
    "welfare:visit_raise": (
        "manager", lambda w: f"/queue/escalations/{w['escalation'].pk}/visit/", "tenant",
    ),
    "welfare:visits": ("officer", lambda w: _visit(w) and "/queue/visits/", "tenant"),
    "welfare:visit": ("officer", lambda w: f"/queue/visits/{_visit(w).pk}/", "tenant"),
}  # fmt: skip

# Staff pages with no tenant's data, checked: each is opened with the world above in place (its
# tenant on the campaign, in the provider's scheme...) and must answer 200 without the tenant's
# name or tenancy reference anywhere in it. name: (who, the page for the world, why)
NO_TENANT_PAGES = {
    "more": ("manager", lambda w: "/more/", "links to the sections under More"),
    "campaigns:list": ("manager", lambda w: "/campaigns/", "names and dates of campaigns"),
    "campaigns:new": ("manager", lambda w: "/campaigns/new/", "a form"),
    "campaigns:detail": ("manager", lambda w: f"/campaigns/{_campaign(w)}/", "figures by team"),
    "campaigns:csv": (
        "manager", lambda w: f"/campaigns/{_campaign(w)}/progress.csv", "figures by team",
    ),
    "campaigns:days_csv": (
        "manager", lambda w: f"/campaigns/{_campaign(w)}/days.csv", "calls by day: figures",
    ),
    "campaigns:extend": ("manager", lambda w: f"/campaigns/{_campaign(w)}/extend/", "a form"),
    "campaigns:today": (
        "manager",
        lambda w: f"/campaigns/{_campaign(w)}/today/?rebuild="
        f"{QueueRebuild.objects.create(change='Started', requested_by=w['viewer']).pk}",
        "a count of its calls in today's queue",
    ),
    "campaigns:import": (
        "manager", lambda w: f"/campaigns/{_campaign(w)}/list/", "an upload form and a count",
    ),
    "dashboard:teams": ("manager", lambda w: "/dashboard/teams/", "figures by team"),
    "dashboard:trend": ("manager", lambda w: "/dashboard/trend/", "percentages by day"),
    "dashboard:workload": ("manager", lambda w: "/dashboard/officers/", "figures by officer"),
    "dashboard:teams_csv": (
        "manager", lambda w: dashboard_refresh() and "/dashboard/teams.csv", "figures by team",
    ),
    "dashboard:trend_csv": (
        "manager", lambda w: dashboard_refresh() and "/dashboard/trend.csv", "percentages by day",
    ),
    "dashboard:workload_csv": ("manager", lambda w: "/dashboard/officers.csv", "by officer"),
    "help:settings": ("manager", lambda w: "/help/settings/", "targets per need"),
    "imports:list": ("manager", lambda w: "/imports/", "the user's own uploads"),
    "imports:upload": ("manager", lambda w: "/imports/new/tenants/", "a form and a count"),
    "imports:job": ("manager", lambda w: f"/imports/{_import_job(w)}/", "an upload's counts"),
    "imports:progress": (
        "manager", lambda w: f"/imports/{_import_job(w)}/progress/", "an upload's counts",
    ),
    "providers:list": ("officer", lambda w: "/providers/", "organisations and staffing"),
    "providers:csv": (
        "officer", lambda w: _provider(w) and "/providers/providers.csv", "organisations, staffing",
    ),
    "providers:detail": (
        "manager", lambda w: f"/providers/{_provider(w)}/", "its contacts and a tenant count",
    ),
    "welfare:queue_settings": ("manager", lambda w: "/queue/settings/", "a form and its history"),
    "dashboard:index": ("manager", lambda w: dashboard_refresh() and "/dashboard/", "figures"),
    "subscriptions:counts": ("manager", lambda w: "/services/subscribers/", "subscriber counts"),
    "welfare:ladder": ("manager", lambda w: "/queue/ladder/", "the escalation ladder's rules"),
    "welfare:cohorts": ("manager", lambda w: "/queue/cohorts/", "cohorts and cadences"),
    "welfare:redeploy": ("manager", lambda w: "/queue/redeploy/", "a form and redeployments"),
    "services:register": ("manager", lambda w: "/services/", "the service-status register"),
    "services:register_csv": ("manager", lambda w: "/services/register.csv", "the register"),
    "help:directory": ("officer", lambda w: "/help/directory/", "organisations only"),
    "messaging:kinds": ("manager", lambda w: "/messages/kinds/", "message kinds"),
    "messaging:bulk_list": ("manager", lambda w: "/messages/bulk/", "bulk texts and counts"),
    "messaging:bulk_new": ("manager", lambda w: "/messages/bulk/new/", "a form"),
    "messaging:bulk_change": (
        "manager", lambda w: _bulk_preview(w) + "change/", "a form with the draft's own text",
    ),
    "accounts:security": ("officer", lambda w: "/accounts/security/", "the user's own account"),
    "welfare:rebuild": (
        "manager",
        lambda w: f"/queue/rebuilds/"
        f"{QueueRebuild.objects.create(change='Cadence', requested_by=w['viewer']).pk}/",
        "what a cadence change did, in counts",
    ),
}  # fmt: skip


def url_names(patterns=None, namespace=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner != "admin":  # the admin's reads: tests/test_admin.py
                yield from url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def test_every_staff_page_is_classified():
    staff = {
        name for name in url_names() if not name.startswith(PUBLIC) and name not in PUBLIC_PAGES
    }
    classified = set(TENANT_PAGES) | NO_TENANT_DATA | set(NO_TENANT_PAGES) | POST_ONLY
    assert staff - classified == set(), "classify each new staff page in this file"
    assert classified - staff == set()  # no stale entries
    lists = [set(TENANT_PAGES), NO_TENANT_DATA, set(NO_TENANT_PAGES), POST_ONLY]
    assert sum(len(names) for names in lists) == len(classified)  # each page in one list only


@pytest.mark.parametrize("name", sorted(TENANT_PAGES))
def test_the_page_logs_the_tenant_it_shows(client, request, patch, manager, name):
    who, path, shown = TENANT_PAGES[name]
    world = _world(patch, manager)
    if shown == "unassigned":
        CallTaskFactory(tenant=world["unassigned"], team=None)
    user = request.getfixturevalue(who)
    world["viewer"] = user
    sign_in(client, user)
    url = path(world)
    before = set(AccessLog.objects.values_list("pk", flat=True))

    response = client.get(url)

    assert response.status_code == 200, name
    tenant = world[shown]
    body = _body(response)
    if name != "tenants:access_log_csv":
        assert escape(tenant.full_name) in body or tenant.tenancy_ref in body, name
    rows = AccessLog.objects.exclude(pk__in=before).filter(user=user)
    assert any(row.tenant_id == tenant.pk or tenant.pk in row.tenant_ids for row in rows), (
        f"{name}: {[(row.kind, row.tenant_id, row.tenant_ids) for row in rows]}"
    )


def _body(response):
    """The page, or the whole of a streamed CSV (its rows are logged as they are sent)."""
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("name", sorted(NO_TENANT_PAGES))
def test_a_page_without_tenant_data_shows_none(client, request, patch, manager, name):
    who, path, _why = NO_TENANT_PAGES[name]
    world = _world(patch, manager)
    user = request.getfixturevalue(who)
    world["viewer"] = user
    sign_in(client, user)

    response = client.get(path(world))

    assert response.status_code == 200, name
    body = _body(response)
    for tenant in (world["tenant"], world["unassigned"]):
        assert escape(tenant.full_name) not in body, name
        assert tenant.tenancy_ref not in body, name


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_a_post_only_page_shows_nothing_on_a_get(client, manager, name):
    sign_in(client, manager)
    assert client.get(reverse(name, kwargs={"pk": 1})).status_code == 405, name
