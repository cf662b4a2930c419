"""The staff pages' tables on a phone: one block per row, nothing off the screen's right edge."""

from datetime import timedelta

from django.utils import timezone

from dashboard.refresh import dashboard_refresh
from imports.models import ImportJob
from messaging.models import Message
from services import cache
from services.models import Service, Status
from tests.factories import (
    ArrearsFlagFactory,
    CallTaskFactory,
    HelpRequestFactory,
    ManagerFactory,
    OfficerFactory,
    PatchFactory,
    StatusChangeFactory,
    SupportProviderFactory,
    TeamFactory,
    TenantFactory,
    load_default_cohorts,
    load_programme_campaign,
    load_seeded_services,
)
from tests.journeys.conftest import sign_in_manager
from welfare.call_models import Call
from welfare.models import Campaign, Escalation
from welfare.provider_actions import provider_check_in_record, provider_oversight_set

PHONE = 375


def _on_a_phone(journey, path):
    """Open `path` on a 375 px screen: ["... px wide"] if the page scrolls sideways, else []."""
    page = journey.page
    page.set_viewport_size({"width": PHONE, "height": 740})
    journey.goto(path)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    problems = [f"{path} is {width} px wide on a {PHONE} px screen"] if width > PHONE else []
    # A button pushed past the page's margin (into the gutter) is cut off or cramped.
    past = page.evaluate(
        """() => {
            const edge = document.querySelector('#main-content').getBoundingClientRect().right;
            return [...document.querySelectorAll('#main-content .govuk-button')]
                .filter(b => b.getBoundingClientRect().right > edge + 0.5)
                .map(b => b.textContent.trim());
        }"""
    )
    return problems + [f"{path}: {name!r} runs past the page's margin" for name in past]


def _phone_and_desktop_problems(journey, path, table):
    """At 375 px the page must not scroll sideways and the first row's last column (the one that
    ran off the edge) must be on the screen; at 1280 px that column is under its header again."""
    page = journey.page
    problems = _on_a_phone(journey, path)
    # The first row of data (a list grouped under headings starts with a heading row).
    last = page.locator(f"{table} tbody tr:has(td)").first.locator("td").last
    box = last.bounding_box()
    if box["x"] + box["width"] > PHONE:
        problems.append(f"{path}: the last column is off the screen")

    page.set_viewport_size({"width": 1280, "height": 800})
    header = page.locator(f"{table} thead th").last.bounding_box()
    box = last.bounding_box()
    if not (header["height"] > 1 and header["y"] < box["y"] and abs(header["x"] - box["x"]) < 1):
        problems.append(f"{path}: on a desktop the last column is not under its header")
    return problems


def test_staff_lists_fit_a_phone_and_keep_their_tables_on_a_desktop(journey):
    load_seeded_services()
    load_programme_campaign()
    cache.invalidate()
    maya = ManagerFactory(username="maya", first_name="Maya", last_name="Khan")
    team = TeamFactory(name="Preston and South Ribble")
    patch = PatchFactory(code="PR-RIBBLETON", name="Ribbleton", team=team)
    tenant = TenantFactory(
        first_name="Margaret",
        last_name="Holt-Wainwright",
        tenancy_ref="PHG-0000481",
        address_line_1="Flat 14, Ribbleton Avenue Sheltered Court",
        patch=patch,
    )
    CallTaskFactory(tenant=tenant)
    TenantFactory(
        first_name="Bartholomew",
        last_name="Fitzgerald-Ainsworth",
        tenancy_ref="PHG-0000482",
        address_line_1="Flat 22, Ribbleton Avenue Sheltered Court",
        patch=None,
    )
    ImportJob.objects.create(
        kind="tenants",
        created_by=maya,
        file_name="northshore-tenants-october-full-export.csv",
        file_size=2048,
        status=ImportJob.Status.CHECKED,
    )
    Escalation.objects.create(tenant=tenant, team=team, reason=Escalation.Reason.WRONG_NUMBER)
    StatusChangeFactory(
        service=Service.objects.get(slug="customer-contact-centre"),
        status=Status.REDUCED,
        message="Fewer advisers on the phones this afternoon.",
        effective_at=timezone.now() + timedelta(days=1),
        created_by=maya,
    )
    campaign = Campaign.objects.order_by("pk").first()

    sign_in_manager(journey, "maya")
    problems = []
    for path, table in [
        ("/imports/", "#imports"),
        ("/services/", "#register"),
        ("/services/customer-contact-centre/history/", "#history"),
        ("/queue/escalations/", "#escalation-list"),
        ("/tenants/?q=Holt-Wainwright", "table[aria-labelledby=results-heading]"),
        ("/tenants/import/unassigned/", "#main-content table"),
        ("/campaigns/", "#campaigns"),
        (f"/campaigns/{campaign.pk}/", "#progress-by-team"),
        (f"/queue/team/{team.pk}/", "#queue"),
    ]:
        problems += _phone_and_desktop_problems(journey, path, table)
    assert not problems, "\n".join(problems)


def _scrolling_table_problems(journey, path, table):
    """A wide table of figures keeps its columns side by side: at 375 px it scrolls sideways in
    its own box, which a keyboard can reach and which is named, and the page does not scroll; at
    1280 px its last column is under its header as before."""
    page = journey.page
    problems = _on_a_phone(journey, path)
    box = page.locator(table).evaluate(
        """table => {
            const box = table.closest('[role=region]');
            if (!box) return null;
            const edge = box.getBoundingClientRect();
            return {tabindex: box.getAttribute('tabindex'), label: box.getAttribute('aria-label'),
                    right: edge.right, scrolls: box.scrollWidth > box.clientWidth};
        }"""
    )
    if box is None:
        problems.append(f"{path}: {table} is not in a region of its own")
    elif box["tabindex"] != "0" or not box["label"] or box["right"] > PHONE:
        problems.append(f"{path}: {table}'s box is {box}")

    page.set_viewport_size({"width": 1280, "height": 800})
    last = page.locator(f"{table} tbody tr").first.locator("td").last
    header = page.locator(f"{table} thead th").last.bounding_box()
    cell = last.bounding_box()
    if not (header["y"] < cell["y"] and abs(header["x"] - cell["x"]) < 1):
        problems.append(f"{path}: on a desktop the last column is not under its header")
    return problems


def _mislabelled_cells(page, path, table):
    """Stacked, each cell is led by its data-label: it must be its column's header. Only a row's
    own header and a column whose header is for screen readers alone go without one."""
    wrong = page.locator(table).evaluate(
        """table => {
            const heads = [...table.querySelectorAll('thead th')];
            const named = heads.map(th => !th.querySelector('.govuk-visually-hidden'));
            return [...table.querySelectorAll('tbody tr')].flatMap(row => [...row.cells].flatMap(
                (cell, i) => {
                    const label = cell.dataset.label, header = heads[i].textContent.trim();
                    const unlabelled = cell.tagName === 'TH' || !named[i] || cell.colSpan > 1;
                    const right = label === undefined ? unlabelled : label === header;
                    return right ? [] : [[label || '', header]];
                }));
        }"""
    )
    return [f"{path}: a cell labelled {label!r} is under {header!r}" for label, header in wrong]


def test_managers_figures_and_lists_fit_a_phone(journey):
    """The dashboard's tables of figures scroll in their own box; its lists, the arrears flags,
    messages, cohorts and the managers' queue overview stack, one block per row."""
    load_default_cohorts()
    ManagerFactory(username="maya", first_name="Maya", last_name="Khan")
    teams = [
        TeamFactory(name=name)
        for name in ("Preston and South Ribble", "Fylde and Wyre", "Lancaster and Morecambe")
    ]
    patch = PatchFactory(code="PR-RIBBLETON", name="Ribbleton", team=teams[0])
    officer = OfficerFactory(
        username="amy", first_name="Amelia", last_name="Shaw-Cunningham", team=teams[0]
    )
    tenant = TenantFactory(
        first_name="Margaret",
        last_name="Holt-Wainwright",
        tenancy_ref="PHG-0000481",
        patch=patch,
        date_of_birth=timezone.localdate() - timedelta(days=80 * 366),
    )
    task = CallTaskFactory(tenant=tenant)
    Call.objects.create(
        task=task, tenant=tenant, officer=officer, made_at=timezone.now(),
        made_on=timezone.localdate(), outcome="spoke", wellbeing="good",
    )  # fmt: skip
    Escalation.objects.create(tenant=tenant, team=teams[0], reason=Escalation.Reason.WRONG_NUMBER)
    HelpRequestFactory(tenant=tenant, raised_by=officer)
    ArrearsFlagFactory(tenant=tenant)
    Message.objects.create(
        tenant=tenant, kind="no_answer", channel="sms", recipient="+447700900123",
        personalisation={"first_name": "Margaret", "officer": "Amelia Shaw-Cunningham"},
    )  # fmt: skip
    provider = SupportProviderFactory(name="Ribbleton Community Care and Support Partnership")
    provider_oversight_set(provider=provider, team=teams[0], cadence_days=7)
    provider_check_in_record(provider=provider, by=officer, staffing="critical")
    dashboard_refresh()

    sign_in_manager(journey, "maya")
    problems = []
    for path, table in [
        ("/dashboard/", "#table-cohorts"),
        ("/dashboard/", "#table-requests"),
        ("/dashboard/teams/", "#table-teams"),
        ("/dashboard/trend/", "#trend-table"),
        ("/dashboard/officers/", "#workload"),
    ]:
        problems += _scrolling_table_problems(journey, path, table)
    # The trend's days are the names its figures scroll past: wrapped, each row was four lines.
    journey.page.set_viewport_size({"width": PHONE, "height": 740})
    journey.goto("/dashboard/trend/")
    lines = journey.page.locator("#trend-table tbody th").first.evaluate(
        """th => {
            const range = document.createRange();
            range.selectNodeContents(th);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        }"""
    )
    if lines != 1:
        problems.append(f"/dashboard/trend/: a day takes {lines} lines on a phone")
    for path, table in [
        ("/dashboard/lists/tenants/", "#figure-list"),
        ("/dashboard/lists/escalations/", "#figure-list"),
        ("/dashboard/lists/requests/", "#figure-list"),
        ("/dashboard/lists/calls/", "#figure-list"),
        ("/dashboard/lists/providers/", "#figure-list"),
        ("/providers/", "#providers"),
        ("/arrears/", "#flags-table"),
        ("/messages/", "#messages"),
        ("/queue/cohorts/", "table[aria-labelledby=cohorts-heading]"),
        ("/queue/", "table[aria-labelledby=teams-heading]"),
    ]:
        problems += _phone_and_desktop_problems(journey, path, table)
        problems += _mislabelled_cells(journey.page, path, table)
    assert not problems, "\n".join(problems)
