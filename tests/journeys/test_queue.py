from datetime import timedelta

from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.factories import (
    ManagerFactory,
    OfficerFactory,
    PatchFactory,
    TeamFactory,
    TenantFactory,
    TOTPDeviceFactory,
    load_default_cohorts,
)
from welfare.models import CallTask
from welfare.queue import build_call_queue


def make_queue():
    load_default_cohorts()
    team = TeamFactory(name="North team")
    patch = PatchFactory(code="PR-RIB", name="Ribble", team=team)
    TeamFactory(name="South team")
    now = timezone.now()
    TenantFactory(
        first_name="Margaret",
        last_name="Holt",
        patch=patch,
        phone="+442079460123",
        date_of_birth=timezone.localdate() - timedelta(days=82 * 366),
        lives_alone=True,
        last_contact_at=now - timedelta(days=30),
        communication_needs="Hard of hearing: speak slowly",
    )
    TenantFactory(
        first_name="Peter", last_name="Ashworth", patch=patch, last_contact_at=now - timedelta(91)
    )
    build_call_queue()
    return team


def test_officer_takes_the_next_call_and_hands_it_back(journey):
    team = make_queue()
    OfficerFactory(username="olivia", first_name="Olivia", team=team)
    page = journey.sign_in("olivia")

    page.get_by_role("link", name="Call queue", exact=True).click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Call queue")
    expect(page.locator("#queue-counts")).to_contain_text("2 calls waiting")
    expect(page.locator("#queue tbody tr").first).to_contain_text("Margaret Holt")
    expect(page.locator("#queue tbody tr").first).to_contain_text(
        "Aged 70+ - due every 14 days - overdue 16 days - lives alone outside a scheme"
    )

    page.get_by_role("button", name="Take next call").click()
    journey.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Margaret Holt")
    expect(page.get_by_role("link", name="020 7946 0123")).to_have_attribute(
        "href", "tel:+442079460123"
    )
    expect(page.locator("#communication-needs")).to_contain_text("Hard of hearing")
    expect(page.locator("#claim-status")).to_contain_text("You have this call until")
    task = CallTask.objects.get(tenant__last_name="Holt")
    assert page.url.endswith(f"/queue/task/{task.pk}/")
    assert task.claimed_by.username == "olivia"

    page.get_by_role("button", name="Hand back to the queue").click()
    journey.check()
    expect(page.get_by_role("alert")).to_contain_text("The call to Margaret Holt is back")
    task.refresh_from_db()
    assert task.claimed_by is None


def test_manager_assigns_a_call_and_changes_a_cadence(journey):
    team = make_queue()
    OfficerFactory(username="ravi", first_name="Ravi", last_name="Patel", team=team)
    manager = ManagerFactory(username="maya", first_name="Maya")
    device = TOTPDeviceFactory(user=manager)
    page = journey.sign_in("maya")
    page.get_by_label("Security code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Continue").click()
    journey.check()

    page.get_by_role("link", name="Call queue", exact=True).click()
    journey.check()
    page.get_by_role("link", name="View queue of North team").click()
    journey.check()
    page.get_by_label("Select the call to Peter Ashworth").check()
    page.get_by_label("Officer").select_option(label="Ravi Patel")
    page.get_by_role("button", name="Assign selected calls").click()
    journey.check()
    expect(page.get_by_role("alert")).to_contain_text("1 call assigned to Ravi Patel")
    expect(page.locator("#queue")).to_contain_text("Assigned to Ravi Patel")

    page.get_by_role("link", name="All call queues").click()
    journey.check()
    page.get_by_role("link", name="Redeploy a patch's calls to another team").click()
    journey.check()
    page.get_by_role("link", name="All call queues").click()
    journey.check()
    page.get_by_role("link", name="Cohorts and how often they are called").click()
    journey.check()
    page.get_by_role("link", name="Change Aged 70+").click()
    journey.check()
    page.get_by_label("Call every (days)").fill("10")
    page.get_by_role("button", name="Save").click()
    journey.check()
    # The change is saved at once; today's queue is worked out again in a Celery task.
    expect(page.get_by_role("heading", level=1)).to_have_text("Aged 70+: calls every 10 days")
    page.get_by_role("link", name="Back to cohorts").click()
    journey.check()
    expect(page.locator("main table").first).to_contain_text("10 days")


PHONE = 375


def test_the_queue_fits_a_phone(journey):
    """At 375 px each call is a block: no column pushes the table past the screen, and every
    status tag is whole (it was clipped, the table 389 px wide)."""
    team = make_queue()
    OfficerFactory(username="olivia", first_name="Olivia", team=team)
    for n in range(8):
        TenantFactory(
            first_name="Christopher",
            last_name=f"Montgomery-Fitzwilliam{n}",
            patch=team.patches.first(),
            date_of_birth=timezone.localdate() - timedelta(days=75 * 366),
            lives_alone=True,
            last_contact_at=timezone.now() - timedelta(days=40 + n),
        )
    build_call_queue()
    journey.page.set_viewport_size({"width": PHONE, "height": 800})
    page = journey.sign_in("olivia")
    page = journey.goto("/queue/")
    expect(page.locator("#queue tbody tr")).to_have_count(10)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE, f"the page is {width} px wide on a {PHONE} px screen"
    table = page.locator("#queue").bounding_box()
    assert table["x"] >= 0 and table["x"] + table["width"] <= PHONE
    for tag in page.locator("#queue .govuk-tag").all():
        box = tag.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE, tag.inner_text()
    # A call takes a few lines, not a screenful: ten of them in under three screens.
    assert page.locator("#queue").bounding_box()["height"] < 3 * 800
    # From tablet width up it is the table it was.
    journey.page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("#queue thead")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('#queue tbody tr')).display") == (
        "table-row"
    )
