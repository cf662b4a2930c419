import json
import re
import xml.etree.ElementTree as ET
from datetime import time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from services import actions, cache
from services.forms import parse_time
from services.models import Service, Status, StatusChange
from tests.factories import StatusChangeFactory
from tests.services.conftest import REPAIRS, local

# Run again under the fixed clocks of `make test` (dates run through all of these).
pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def visitor():
    """A second browser, not signed in (`client` is the one `manager_client` signs in)."""
    return Client()


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the cache invalidation) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def change_form(status="operating", message="Repairs are back.", when="now", at=None):
    data = {"status": status, "message": message, "when": when}
    if at is not None:
        at = timezone.localtime(at)
        data.update(
            {
                "date_0": str(at.day),
                "date_1": str(at.month),
                "date_2": str(at.year),
                "time": f"{at:%H:%M}",
            }
        )
    return data


def schedule(service, user, at, status=Status.OPERATING, message="Repairs are back."):
    return actions.status_change_create(
        service=service, status=status, message=message, effective_at=at, user=user
    )


def public_text(client):
    return client.get("/status/").content.decode()


def service_block(page, slug):
    """The HTML of one service on the public page: its name, status tag and message."""
    match = re.search(rf'<div id="{slug}" .*?</div>', page, re.S)
    return match.group(0)


def shown_status(page, slug):
    return re.search(r'govuk-tag [^"]*">([^<]+)<', service_block(page, slug)).group(1)


class TestSeededRegister:
    def test_loads_the_documents_services_with_their_statuses(self):
        counts = dict.fromkeys(Status, 0)
        for service in Service.objects.all():
            counts[service.status_at(timezone.now()).status] += 1
        assert counts == {Status.OPERATING: 18, Status.REDUCED: 3, Status.UNAVAILABLE: 8}
        reduced = {
            c.service.name for c in StatusChange.objects.filter(status=Status.REDUCED)
        }  # fmt: skip
        assert reduced == {
            "Estate Caretakers",
            "Grounds Maintenance",
            "Essential White Goods (supported living)",
        }
        unavailable = {
            c.service.name for c in StatusChange.objects.filter(status=Status.UNAVAILABLE)
        }
        assert unavailable == {
            "Routine repairs and maintenance",
            "Access to all offices for visitors",
            "Caretaker bulky items removal",
            "Furniture Futures",
            "Face to face community involvement activity",
            "Major repairs and improvements",
            "Disabled adaptations",
            "Non-essential environmental improvement works",
        }

    def test_every_service_starts_with_a_message(self):
        assert not StatusChange.objects.filter(message="").exists()
        assert StatusChange.objects.count() == Service.objects.count() == 29

    def test_the_data_migration_reverses_and_reapplies(self):
        executor = MigrationExecutor(connection)
        executor.migrate([("services", "0001_initial")])
        assert Service.objects.count() == 0
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("services", "0002_load_services")])
        assert Service.objects.count() == 29


class TestCurrentStatus:
    def test_a_scheduled_change_takes_effect_at_its_time(self, repairs, manager):
        at = local(days=1)
        schedule(repairs, manager, at)
        assert repairs.status_at(at - timedelta(seconds=1)).status == Status.UNAVAILABLE
        assert repairs.status_at(at).status == Status.OPERATING

    def test_the_latest_to_take_effect_wins_not_the_latest_made(self, repairs, manager):
        later, sooner = local(days=3), local(days=2)
        schedule(repairs, manager, later, status=Status.REDUCED, message="Some repairs.")
        schedule(repairs, manager, sooner, status=Status.OPERATING)
        assert repairs.status_at(local(days=2, hour=12)).status == Status.OPERATING
        assert repairs.status_at(local(days=3, hour=12)).status == Status.REDUCED

    def test_a_cancelled_change_never_takes_effect(self, repairs, manager):
        change = schedule(repairs, manager, local(days=1))
        actions.status_change_cancel(change=change, user=manager)
        assert repairs.status_at(local(days=2)).status == Status.UNAVAILABLE
        change.refresh_from_db()
        assert change.cancelled_by == manager

    def test_a_change_in_force_cannot_be_cancelled(self, repairs, manager):
        at = local(days=1, hour=9)
        with time_machine.travel(at - timedelta(hours=1), tick=False) as clock:
            change = schedule(repairs, manager, at)
            clock.shift(timedelta(hours=1))
            with pytest.raises(ValidationError, match="already taken effect"):
                actions.status_change_cancel(change=change, user=manager)
        change.refresh_from_db()
        assert change.cancelled_at is None

    def test_the_action_refuses_a_time_in_the_past(self, repairs, manager):
        with pytest.raises(ValidationError):
            schedule(repairs, manager, timezone.now() - timedelta(minutes=1))


class TestRegisterPage:
    def test_lists_every_service_with_its_status_and_what_is_scheduled(
        self, manager_client, repairs, boss
    ):
        schedule(repairs, boss, local(days=1, hour=14, minute=30))
        page = manager_client.get("/services/").content.decode()
        assert page.count('<tr class="govuk-table__row" id="service-') == 29
        row = re.search(rf'id="service-{REPAIRS}".*?</tr>', page, re.S).group(0)
        assert "Currently unavailable" in row
        assert "at 2:30pm, by Zenobia Brightwell" in row
        assert "1 change scheduled" in page

    def test_the_counts_are_of_the_whole_register_whatever_is_shown(self, manager_client, boss):
        # The tester's case: a change to Reduced scheduled for a service operating now.
        contact_centre = Service.objects.get(slug="customer-contact-centre")
        schedule(contact_centre, boss, local(days=1), status=Status.REDUCED, message="Fewer.")
        page = manager_client.get("/services/?status=reduced").content.decode()
        assert page.count('<tr class="govuk-table__row" id="service-') == 3
        counts = re.search(r'id="status-counts".*?</ul>', page, re.S).group(0)
        assert re.search(r'href="/services/\?scheduled=yes"[^>]*>1 change scheduled<', counts)
        assert re.search(r'href="/services/\?status=reduced">3 services<', counts)

    def test_each_figure_on_the_managers_home_page_opens_its_services(
        self, manager_client, repairs, boss
    ):
        schedule(repairs, boss, local(days=1))
        home = manager_client.get("/").content.decode()
        panel = re.search(r'id="panel-services".*?</div>', home, re.S).group(0)
        figures = re.findall(r'href="(/services/\?status=\w+)">[^<]*: <strong>(\d+)<', panel)
        assert len(figures) == 3
        for link, count in figures:
            page = manager_client.get(link).content.decode()
            assert page.count('<tr class="govuk-table__row" id="service-') == int(count), link
        scheduled = re.search(r'href="(/services/\?scheduled=yes)">Next scheduled change', panel)
        page = manager_client.get(scheduled.group(1)).content.decode()
        assert re.findall(r'<tr class="govuk-table__row" id="service-([^"]+)"', page) == [REPAIRS]

    def test_the_scheduled_count_opens_the_services_with_a_change_scheduled(
        self, manager_client, repairs, boss
    ):
        schedule(repairs, boss, local(days=1))
        page = manager_client.get("/services/?scheduled=yes").content.decode()
        rows = re.findall(r'<tr class="govuk-table__row" id="service-([^"]+)"', page)
        assert rows == [REPAIRS]
        assert "Showing only the services with a change scheduled." in page

    def test_queries_do_not_grow_with_services_or_changes(
        self, manager_client, manager, django_assert_num_queries
    ):
        # session, user, two-factor device, services, their changes in force (one windowed
        # query), scheduled changes with who made them, session renewal (savepoint, update,
        # release)
        with django_assert_num_queries(9):
            manager_client.get("/services/")
        for service in Service.objects.all()[:10]:
            schedule(service, manager, local(days=1))
            StatusChangeFactory(service=service, created_by=manager)
        with django_assert_num_queries(9):
            manager_client.get("/services/")


class TestChangingAStatus:
    def test_a_change_now_shows_on_the_public_page_at_once(self, manager_client, visitor, commits):
        assert "Repairs are back." not in public_text(visitor)  # cached from here on
        with commits():
            response = manager_client.post(f"/services/{REPAIRS}/change/", change_form())
        assert response.status_code == 302
        page = public_text(visitor)
        assert "Repairs are back." in service_block(page, REPAIRS)
        assert shown_status(page, REPAIRS) == "Operating"

    def test_the_form_starts_with_the_current_status_and_message(self, manager_client):
        page = manager_client.get(f"/services/{REPAIRS}/change/").content.decode()
        assert 'value="unavailable" checked' in page or re.search(
            r'value="unavailable"[^>]*checked', page
        )
        assert "We have stopped routine repairs for now." in page

    def test_a_scheduled_change_shows_by_itself_once_its_time_passes(
        self, manager_client, visitor, repairs, commits
    ):
        at = local(days=1, hour=9)
        with commits():
            response = manager_client.post(
                f"/services/{REPAIRS}/change/", change_form(when="later", at=at)
            )
        assert response.status_code == 302
        assert repairs.changes.scheduled(timezone.now()).get().effective_at == at
        assert shown_status(public_text(visitor), REPAIRS) == "Currently unavailable"
        with time_machine.travel(at + timedelta(seconds=1)):
            page = public_text(visitor)
        assert shown_status(page, REPAIRS) == "Operating"
        assert "Repairs are back." in service_block(page, REPAIRS)

    def test_a_time_in_the_past_is_an_error_with_a_summary(self, manager_client, repairs):
        response = manager_client.post(
            f"/services/{REPAIRS}/change/",
            change_form(when="later", at=timezone.now() - timedelta(hours=1)),
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in page and "There is a problem" in page
        assert "must be in the future" in page or "must be today or in the future" in page
        assert "<title>Error: " in page
        assert repairs.changes.count() == 1

    def test_yesterday_is_reported_on_the_date(self, manager_client):
        response = manager_client.post(
            f"/services/{REPAIRS}/change/", change_form(when="later", at=local(days=-1))
        )
        page = response.content.decode()
        assert '<a href="#id_date_0">The date must be today or in the future</a>' in page

    def test_later_needs_a_date_and_a_real_time(self, manager_client):
        data = change_form(when="later")
        data["time"] = "25:61"
        page = manager_client.post(f"/services/{REPAIRS}/change/", data).content.decode()
        assert '<a href="#id_date_0">Enter the date the change takes effect</a>' in page
        assert '<a href="#id_time">Enter a real time, for example 09:00 or 17:30</a>' in page

    def test_a_date_that_does_not_exist_is_an_error(self, manager_client):
        data = change_form(when="later", at=local(days=1))
        data.update({"date_0": "31", "date_1": "2"})
        page = manager_client.post(f"/services/{REPAIRS}/change/", data).content.decode()
        assert '<a href="#id_date_0">The date must be a real date</a>' in page

    def test_more_than_a_year_ahead_is_an_error(self, manager_client):
        response = manager_client.post(
            f"/services/{REPAIRS}/change/", change_form(when="later", at=local(days=400))
        )
        assert "The date must be within the next year" in response.content.decode()

    def test_saving_the_same_status_and_message_now_is_an_error(self, manager_client, repairs):
        current = repairs.status_at(timezone.now())
        data = change_form(status=current.status, message=current.message)
        page = manager_client.post(f"/services/{REPAIRS}/change/", data).content.decode()
        assert "already has this status and message" in page

    def test_a_new_status_needs_a_new_message(self, manager_client, repairs):
        current = repairs.status_at(timezone.now())
        data = change_form(status="operating", message=current.message)
        page = manager_client.post(f"/services/{REPAIRS}/change/", data).content.decode()
        assert "Change the message to say what the new status means for tenants" in page
        assert repairs.status_at(timezone.now()).status == current.status

    def test_an_empty_message_is_an_error(self, manager_client):
        page = manager_client.post(
            f"/services/{REPAIRS}/change/", change_form(message="  ")
        ).content.decode()
        assert "Enter a message for tenants" in page


class TestOneChangeAtATime:
    """Two changes to one service at the same moment: tenants would be shown both."""

    def test_a_second_change_at_the_same_time_is_refused_with_what_was_typed(
        self, manager_client, repairs, manager
    ):
        at = local(days=7, hour=9)
        schedule(repairs, manager, at, status=Status.OPERATING)
        data = change_form(status="reduced", message="Only urgent repairs.", when="later", at=at)
        response = manager_client.post(f"/services/{REPAIRS}/change/", data)
        page = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in page
        assert "already changes to Operating on" in page
        assert "Cancel that change first (under Already scheduled)" in page
        assert "Only urgent repairs." in page
        assert repairs.changes.scheduled(timezone.now()).count() == 1

    def test_the_change_form_lists_what_is_scheduled_with_a_way_to_cancel_it(
        self, manager_client, repairs, manager
    ):
        at = local(days=7, hour=9)
        first = schedule(repairs, manager, at, status=Status.OPERATING)
        page = manager_client.get(f"/services/{REPAIRS}/change/").content.decode()
        listed = re.search(r'id="already-scheduled".*?</ul>', page, re.S).group(0)
        assert "Repairs are back." in listed
        cancel = f"/services/changes/{first.pk}/cancel/?next=change"
        assert f'href="{cancel}"' in listed
        response = manager_client.post(cancel.split("?")[0], {"next": "change"})
        assert response.status_code == 302 and response.url == f"/services/{REPAIRS}/change/"
        first.refresh_from_db()
        assert first.cancelled_at is not None

    def test_a_cancelled_change_leaves_its_time_free(self, repairs, manager):
        at = local(days=7, hour=9)
        actions.status_change_cancel(change=schedule(repairs, manager, at), user=manager)
        schedule(repairs, manager, at, status=Status.REDUCED, message="Only urgent repairs.")
        assert repairs.status_at(at).status == Status.REDUCED

    def test_another_service_can_change_at_the_same_time(self, repairs, manager):
        at = local(days=7, hour=9)
        schedule(repairs, manager, at)
        other = Service.objects.exclude(pk=repairs.pk).first()
        schedule(other, manager, at, status=Status.REDUCED, message="Fewer staff.")
        assert other.status_at(at).status == Status.REDUCED

    def test_the_database_refuses_two_at_one_time(self, repairs, manager):
        from django.db import IntegrityError, transaction

        at = local(days=7, hour=9)
        schedule(repairs, manager, at)
        with pytest.raises(IntegrityError), transaction.atomic():
            StatusChangeFactory(service=repairs, effective_at=at)

    def test_the_migration_keeps_the_latest_made_of_a_clash(self, manager):
        executor = MigrationExecutor(connection)
        executor.migrate([("services", "0003_service_group")])
        old = executor.loader.project_state([("services", "0003_service_group")]).apps
        OldChange = old.get_model("services", "StatusChange")
        service_id = Service.objects.get(slug=REPAIRS).pk
        at = local(days=7, hour=9)
        first, second = (
            OldChange.objects.create(
                service_id=service_id, status=status, message="x", effective_at=at
            )
            for status in (Status.OPERATING, Status.REDUCED)
        )
        with connection.cursor() as cursor:  # the new rows' key checks, before the index
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("services", "0004_one_change_per_service_and_time")])
        kept = StatusChange.objects.filter(effective_at=at, cancelled_at__isnull=True).get()
        assert (kept.pk, kept.status) == (second.pk, Status.REDUCED)
        assert StatusChange.objects.get(pk=first.pk).cancelled_at < at


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:30", time(9, 30)),
        ("09.30", time(9, 30)),
        ("0930", time(9, 30)),
        ("17:00", time(17)),
        ("9am", time(9)),
        ("2.30pm", time(14, 30)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("24:00", None),
        ("13pm", None),
        ("930", time(9, 30)),
        ("9", time(9)),
        ("soon", None),
    ],
)
def test_times_are_read_as_people_write_them(text, expected):
    assert parse_time(text) == expected


class TestCancelling:
    def test_a_manager_cancels_a_scheduled_change(self, manager_client, repairs, manager):
        change = schedule(repairs, manager, local(days=1))
        response = manager_client.post(f"/services/changes/{change.pk}/cancel/", follow=True)
        assert "Cancelled the change to Routine repairs and maintenance" in (
            response.content.decode()
        )
        change.refresh_from_db()
        assert change.cancelled_at is not None

    def test_cancelling_shows_on_the_public_page_at_once(
        self, manager_client, visitor, manager, repairs, commits
    ):
        # Minutes ahead, not days: the manager's session ends after 30 idle minutes.
        at = timezone.now() + timedelta(minutes=10)
        change = schedule(repairs, manager, at)
        with time_machine.travel(at - timedelta(minutes=5), tick=False):
            public_text(visitor)  # cached until `at`
            with commits():
                manager_client.post(f"/services/changes/{change.pk}/cancel/")
        with time_machine.travel(at + timedelta(minutes=1), tick=False):
            assert "Repairs are back." not in public_text(visitor)

    def test_cancelling_is_refused_once_the_change_is_in_force(
        self, manager_client, repairs, manager
    ):
        at = timezone.now() + timedelta(minutes=10)
        change = schedule(repairs, manager, at)
        with time_machine.travel(at + timedelta(minutes=1), tick=False):
            response = manager_client.post(
                f"/services/changes/{change.pk}/cancel/", {"next": "history"}, follow=True
            )
        assert response.redirect_chain[-1][0] == f"/services/{REPAIRS}/history/"
        assert "already taken effect" in response.content.decode()
        change.refresh_from_db()
        assert change.cancelled_at is None

    def test_cancel_on_the_register_asks_for_confirmation_first(
        self, manager_client, repairs, manager
    ):
        change = schedule(repairs, manager, local(days=1), message="Back on Monday.")
        url = f"/services/changes/{change.pk}/cancel/"
        register = manager_client.get("/services/").content.decode()
        assert f'href="{url}"' in register
        assert f'action="{url}"' not in register  # one click no longer cancels

        page = manager_client.get(url).content.decode()
        assert "Are you sure you want to cancel this change?" in page
        assert "Back on Monday." in page
        assert 'href="/services/">No, keep it</a>' in page
        change.refresh_from_db()
        assert change.cancelled_at is None

    def test_from_the_history_the_confirmation_goes_back_to_the_history(
        self, manager_client, repairs, manager
    ):
        change = schedule(repairs, manager, local(days=1))
        url = f"/services/changes/{change.pk}/cancel/?next=history"
        history = f"/services/{REPAIRS}/history/"
        assert f'href="{url}"' in manager_client.get(history).content.decode()
        page = manager_client.get(url).content.decode()
        assert f'href="{history}">No, keep it</a>' in page
        assert '<input type="hidden" name="next" value="history">' in page
        response = manager_client.post(url.split("?")[0], {"next": "history"})
        assert response.url == history

    def test_confirming_twice_cancels_once(self, manager_client, repairs, manager):
        change = schedule(repairs, manager, local(days=1))
        url = f"/services/changes/{change.pk}/cancel/"
        key = re.search(
            r'name="form_key" value="([^"]+)"', manager_client.get(url).content.decode()
        )
        first = manager_client.post(url, {"form_key": key.group(1)}, follow=True)
        again = manager_client.post(url, {"form_key": key.group(1)}, follow=True)
        assert "Cancelled the change" in first.content.decode()
        assert "That form was already sent" in again.content.decode()
        assert "already been cancelled" not in again.content.decode()

    def test_no_confirmation_for_a_change_that_cannot_be_cancelled(
        self, manager_client, repairs, manager
    ):
        at = timezone.now() + timedelta(minutes=10)
        change = schedule(repairs, manager, at)
        with time_machine.travel(at + timedelta(minutes=1), tick=False):
            response = manager_client.get(f"/services/changes/{change.pk}/cancel/", follow=True)
        assert response.redirect_chain[-1][0] == "/services/"
        assert "already taken effect" in response.content.decode()


class TestHistory:
    def test_shows_every_change_with_who_made_it_and_its_state(
        self, manager_client, repairs, boss, manager
    ):
        schedule(repairs, boss, local(days=1), message="Soon.")
        cancelled = schedule(repairs, boss, local(days=2), message="Never.")
        actions.status_change_cancel(change=cancelled, user=manager)
        actions.status_change_create(
            service=repairs, status=Status.REDUCED, message="Some.", user=boss
        )
        page = manager_client.get(f"/services/{REPAIRS}/history/").content.decode()
        rows = re.findall(r'<tr class="govuk-table__row" id="change-.*?</tr>', page, re.S)
        assert len(rows) == 4
        assert "Scheduled" in rows[1] and "Soon." in rows[1]
        assert f"Cancelled by {escape(manager.get_full_name())}" in rows[0]
        assert "In force now" in rows[2] and "Zenobia Brightwell" in rows[2]
        assert "Replaced" in rows[3] and "Loaded with the service list" in rows[3]


class TestAccess:
    URLS = [
        "/services/",
        f"/services/{REPAIRS}/change/",
        f"/services/{REPAIRS}/history/",
    ]

    @pytest.mark.parametrize("url", URLS)
    def test_officers_are_refused(self, officer_client, url):
        assert officer_client.get(url).status_code == 403

    @pytest.mark.parametrize("url", URLS)
    def test_income_officers_are_refused(self, income_client, url):
        assert income_client.get(url).status_code == 403

    @pytest.mark.parametrize("url", URLS)
    def test_visitors_are_sent_to_sign_in(self, client, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/sign-in/")

    @pytest.mark.parametrize("url", URLS)
    def test_managers_can_open(self, manager_client, url):
        assert manager_client.get(url).status_code == 200

    def test_officers_cannot_change_or_cancel(self, officer_client, repairs, manager):
        change = schedule(repairs, manager, local(days=1))
        assert officer_client.post(f"/services/{REPAIRS}/change/", change_form()).status_code == (
            403
        )
        assert officer_client.post(f"/services/changes/{change.pk}/cancel/").status_code == 403
        assert repairs.changes.count() == 2
        change.refresh_from_db()
        assert change.cancelled_at is None

    def test_unknown_service_is_404(self, manager_client):
        assert manager_client.get("/services/no-such-service/change/").status_code == 404

    def test_managers_find_the_register_under_more_in_the_navigation(self, manager_client):
        page = manager_client.get("/").content.decode()
        assert 'href="/more/"' in page
        assert 'href="/services/"' in manager_client.get("/more/").content.decode()

    def test_officers_do_not_see_the_register_in_the_navigation(self, officer_client):
        assert 'href="/services/"' not in officer_client.get("/").content.decode()


class TestPublicPage:
    def test_needs_no_sign_in_and_groups_services_by_status(self, client):
        response = client.get("/status/")
        assert response.status_code == 200
        page = response.content.decode()
        slugs = Service.objects.values_list("slug", flat=True)
        shown = [shown_status(page, slug) for slug in slugs]
        assert shown.count("Currently unavailable") == 8
        assert shown.count("Reduced service") == 3
        assert shown.count("Operating") == 18
        assert "Caretakers are still cleaning and checking shared areas" in page
        assert "Last updated:" in page
        assert 'type="application/atom+xml"' in page

    def test_a_signed_in_manager_sees_the_public_page_not_staff_pages(self, manager_client):
        # Two-factor is not asked for, and nothing about the manager is shown or cached.
        page = manager_client.get("/status/").content.decode()
        assert "signed-in-as" not in page
        assert 'href="/services/"' not in page and "Sign out" not in page
        assert 'href="/status/" class="govuk-header__homepage-link"' in page

    def test_a_cache_hit_makes_no_database_queries(self, client, django_assert_num_queries):
        client.get("/status/")
        with django_assert_num_queries(0):
            response = client.get("/status/")
        assert response.status_code == 200
        assert "Routine repairs and maintenance" in response.content.decode()

    def test_json_and_feed_hits_make_no_database_queries(self, client, django_assert_num_queries):
        client.get("/status.json")
        client.get("/status/feed.atom")
        with django_assert_num_queries(0):
            assert client.get("/status.json").status_code == 200
            assert client.get("/status/feed.atom").status_code == 200

    def test_a_change_made_in_another_worker_shows_after_its_version_check(
        self, visitor, repairs, manager, monkeypatch
    ):
        assert "Back soon." not in public_text(visitor)
        StatusChangeFactory(service=repairs, message="Back soon.", created_by=manager)
        # What another process's invalidate() does: a new version in Redis, while this process
        # still holds its own copy.
        django_cache.set(cache.VERSION_KEY, "from-another-worker", None)
        assert "Back soon." not in public_text(visitor)  # until this process checks again
        monkeypatch.setattr(cache, "LOCAL_SECONDS", 0)
        assert "Back soon." in public_text(visitor)

    def test_each_response_has_its_own_csp_nonce_even_from_the_cache(self, client):
        nonces = []
        for _ in range(2):
            response = client.get("/status/")
            nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
            scripts = re.findall(r"<script([^>]*)>", response.content.decode())
            assert scripts
            assert all(f'nonce="{nonce}"' in attributes for attributes in scripts)
            nonces.append(nonce)
        assert nonces[0] != nonces[1]


class TestPublicData:
    def test_json_lists_each_service_with_status_and_message(self, client):
        response = client.get("/status.json")
        assert response["Content-Type"] == "application/json"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "public" in response["Cache-Control"]
        data = response.json()
        assert len(data["services"]) == 29
        repairs = next(s for s in data["services"] if s["id"] == REPAIRS)
        assert repairs["status"] == "unavailable"
        assert repairs["status_label"] == "Currently unavailable"
        assert repairs["message"].startswith("We have stopped routine repairs")
        assert repairs["url"] == f"http://testserver/status/#{REPAIRS}"
        assert set(repairs) == {
            "id", "name", "status", "status_label", "message", "updated_at", "url",
        }  # fmt: skip
        assert [s["status"] for s in data["statuses"]] == ["operating", "reduced", "unavailable"]

    def test_json_follows_a_scheduled_change(self, client, repairs, manager):
        at = local(days=1)
        schedule(repairs, manager, at)
        assert _status_in_json(client, REPAIRS) == "unavailable"
        with time_machine.travel(at + timedelta(seconds=1)):
            assert _status_in_json(client, REPAIRS) == "operating"

    def test_feed_has_each_change_once_it_takes_effect(self, client, repairs, manager):
        at = local(days=1)
        schedule(repairs, manager, at)
        cancelled = schedule(repairs, manager, local(days=2), message="Never shown.")
        actions.status_change_cancel(change=cancelled, user=manager)
        assert "Repairs are back." not in client.get("/status/feed.atom").content.decode()
        with time_machine.travel(local(days=3)):
            response = client.get("/status/feed.atom")
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)  # noqa: S314 (our own output)
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == 30
        first = entries[0]
        assert first.find(f"{ATOM}title").text == "Routine repairs and maintenance: Operating"
        assert first.find(f"{ATOM}summary").text == "Repairs are back."
        assert first.find(f"{ATOM}link").get("href").endswith(f"/status/{REPAIRS}/")
        assert len({e.find(f"{ATOM}id").text for e in entries}) == 30
        assert "Never shown." not in response.content.decode()

    def test_no_staff_names_or_personal_data_on_any_public_output(
        self, visitor, repairs, boss, manager_client
    ):
        actions.status_change_create(
            service=repairs, status=Status.REDUCED, message="Some repairs.", user=boss
        )
        change = schedule(repairs, boss, local(days=1), message="Later.")
        actions.status_change_cancel(change=change, user=boss)
        outputs = [
            manager_client.get("/status/").content.decode(),
            visitor.get("/status/").content.decode(),
            visitor.get("/status.json").content.decode(),
            visitor.get("/status/feed.atom").content.decode(),
        ]
        for output in outputs:
            assert "Some repairs." in output
            for personal in ("Zenobia", "Brightwell", "zbrightwell", "example.org", "maya"):
                assert personal not in output
            assert "Later." not in output
        feed = ET.fromstring(outputs[3])  # noqa: S314 (our own output)
        authors = [a.find(f"{ATOM}name").text for a in feed.iter(f"{ATOM}author")]
        assert authors == [settings.ORGANISATION_NAME]


def _status_in_json(client, slug):
    data = json.loads(client.get("/status.json").content)
    return next(s["status"] for s in data["services"] if s["id"] == slug)


def test_feed_summary_is_escaped_html(client):
    from tests.factories import ServiceFactory, StatusChangeFactory

    change = StatusChangeFactory(
        service=ServiceFactory(name="Feed escaping"), message="Bins & <b>bulky</b> items"
    )
    body = client.get("/status/feed.atom").content.decode()
    assert change.message not in body
    assert "Bins &amp;amp; &amp;lt;b&amp;gt;bulky" in body
