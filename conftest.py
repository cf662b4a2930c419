"""Shared fixtures: staff in two teams, signed-in clients, and a real Celery worker on Redis."""

import os
import re
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from hypothesis import settings as hypothesis_settings

from tests.factories import (
    IncomeOfficerFactory,
    ManagerFactory,
    OfficerFactory,
    PatchFactory,
    TeamFactory,
    TOTPDeviceFactory,
)

ROOT = Path(__file__).resolve().parent
LONDON = ZoneInfo("Europe/London")

# Hypothesis draws the same examples on every run (derandomize), so a failure in CI replays
# exactly; `--hypothesis-seed=N` or HYPOTHESIS_PROFILE=explore searches afresh.
hypothesis_settings.register_profile("replayable", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "replayable"))

# Tests that mean something different on another day: `make test` runs them again under each of
# the fixed clocks in the Makefile (`--clock`), as well as at the real time. Whole files where
# dates run through everything; elsewhere, tests whose names speak of dates.
DATE_SENSITIVE_FILES = (
    "test_queue",
    "test_call",
    "test_help",
    "test_arrears",
    "test_dashboard",
    "test_services",
    "test_campaign",
    "test_visit",
)
# The same test files (and test_services), split into packages along their sections.
DATE_SENSITIVE_PACKAGES = ("queue", "help", "arrears", "dashboard", "services")
# Whole words of a test function's own name (not its parameters: a URL or "page" is no date).
DATE_WORDS = re.compile(
    r"(?:^|_)(dates?|birth|ages?|aged|days?|today|tomorrow|yesterday|weeks?|weekly|months?|"
    r"monthly|years?|times?|timed|due|overdue|target|schedul\w*|ago|midnight|deadline|expir\w*|"
    r"hours?|minutes?|clock|period|ends?|started?|until|since|late|old|older|working)(?:_|$)"
)

# Tests about what a date cannot change, left out of the clock reruns even in the files above:
# query counts (which queries run, not which rows they find), 403s and 404s for the wrong user,
# escaping and translation of markup. They still run once, at the real time.
CLOCK_FREE_WORDS = re.compile(
    r"(?:^|_)(queries|query|403|404|not_found|needs_post|translatable|escaped|csp)(?:_|$)"
)
CAMEL = re.compile(r"(?<!^)(?=[A-Z])")  # TestQueryCounts -> test_query_counts


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        action="append",
        default=[],
        metavar="YYYY-MM-DDTHH:MM",
        help="run each date-sensitive test with the clock set to this Europe/London time (it "
        "then ticks on); given several times, once at each, in one run",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "date_sensitive: the test's meaning depends on the date (auto-applied)"
    )
    config.addinivalue_line(
        "markers",
        "own_clock: the test sets its own clock, or its code runs in a subprocess, which "
        "`--clock` does not reach, so the clock reruns leave it out",
    )
    config.addinivalue_line(
        "markers",
        "date_free: a file in a date-sensitive package whose tests no date can change (the "
        "words on a page, who may open it, concurrency): the clock reruns leave it out",
    )


# The longest tests (whole migration runs, subprocesses, crawls) go first, so that the two
# processes of `make test` do not end with one of them alone on a two-minute test.
SLOW_FIRST = (
    "tests/journeys/",
    "test_upgrade.py",
    "test_platform.py",
    "test_forms_never_500.py",
    "test_build_works_on_sqlite",
    "test_tenant_import_runs.py",
    "test_seed_demo.py",
    "test_access_log.py::test_the_upgrade",
    "test_open_figures.py::test_every_link_behind",
)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not any(part in item.nodeid for part in SLOW_FIRST))
    for item in items:
        if "journeys" in item.path.parts:
            item.add_marker(pytest.mark.journey)
        if "celery_worker_process" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.celery_worker)
        if is_date_sensitive(item, getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.date_sensitive)


# Fixtures that stop the clock at a fixed moment for the whole test (`tests/dashboard`'s world,
# `tests/arrears`' sample week): a test using one runs at that moment whatever `--clock` says.
FIXED_CLOCK_FIXTURES = {"frozen", "travel"}


def is_date_sensitive(item, fixturenames):
    if FIXED_CLOCK_FIXTURES & set(fixturenames):
        return False
    name = getattr(item, "originalname", item.name)
    classes = "_".join(CAMEL.sub("_", part).lower() for part in item.nodeid.split("::")[1:-1])
    if item.get_closest_marker("own_clock") or item.get_closest_marker("date_free"):
        return False
    if CLOCK_FREE_WORDS.search(f"{classes}_{name}"):
        return False
    return bool(
        item.path.name.startswith(DATE_SENSITIVE_FILES)
        or item.path.parent.name in DATE_SENSITIVE_PACKAGES
        or DATE_WORDS.search(name)
    )


def pytest_generate_tests(metafunc):
    """With `--clock`, each date-sensitive test runs once at each clock given (`now`: the real
    time), in the same run as the rest of the suite: one start-up of the processes and their
    databases, where a run per clock paid it each time. The journeys and the tests on a real
    Celery worker run once, at the real time (their server and worker keep their own clock)."""
    clocks = metafunc.config.getoption("--clock")
    if (
        clocks
        and "journeys" not in metafunc.definition.path.parts
        and "celery_worker_process" not in metafunc.fixturenames
        and is_date_sensitive(metafunc.definition, metafunc.fixturenames)
    ):
        ids = [clock if clock == "now" else f"at {clock}" for clock in clocks]
        metafunc.parametrize("_clock", clocks, indirect=True, ids=ids)


def pytest_report_header(config):
    clock = config.getoption("--clock")
    profile = hypothesis_settings._current_profile
    lines = [f"hypothesis profile: {profile} (HYPOTHESIS_PROFILE=explore for fresh examples)"]
    if clock:
        lines.append(f"clocks: each date-sensitive test at {', '.join(clock)} Europe/London")
    return lines


@pytest.fixture
def _clock(request):
    """The clock this run of the test starts at (`pytest_generate_tests`), or None."""
    return getattr(request, "param", None)


@pytest.fixture(autouse=True)
def _fixed_clock(_clock):
    """With `--clock`, a date-sensitive test starts at that local time; the clock then ticks
    on, so timeouts and ordering by time still behave."""
    value = _clock
    if not value or value == "now":
        yield
        return
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=LONDON)
    with time_machine.travel(when, tick=True):
        yield


# The tables a flush would empty and `post_migrate` fill again with the same rows.
KEPT_BY_FLUSH = {"django_migrations", "django_content_type", "auth_permission"}


def _empty_the_filled_tables(self):
    """After a transactional test or journey: delete the rows of the tables that hold any.

    Django's flush truncates every table (95 here) and then writes the content types and
    permissions again: 3.5-5 s a test on this machine, most of it the TRUNCATE, which makes new
    files for every table and index. One query finds the few tables the test filled, and a
    DELETE of a few rows each is milliseconds. The database ends as a flush leaves it, with the
    content types and permissions kept (a flush would write the same ones again); the foreign
    keys are deferred, so the order does not matter, and the access log's append-only trigger
    is set aside for this one transaction.

    The rows the data migrations seed (the service list, the cohorts, the two seeded
    campaigns) are then written again in the same transaction, as the migrations left them, so
    the tests that follow find them: left empty, each of those wrote them again itself (about
    80 rows, 60 ms a test, rolled back with it): about 100 tests in a run of `make test`."""
    import pgtrigger
    from django.db import connections, transaction

    from tests.factories import load_default_cohorts, load_seeded_services

    for db_name in self._databases_names(include_mirrors=False):
        connection = connections[db_name]
        introspection = connection.introspection
        tables = sorted(
            set(introspection.django_table_names(only_existing=True, include_views=False))
            - KEPT_BY_FLUSH
        )
        quote = connection.ops.quote_name  # the names are the models' tables, never input
        with transaction.atomic(using=db_name), connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})"  # noqa: S608
                    for table in tables
                ),
                tables,
            )
            filled = [table for (table,) in cursor.fetchall()]
            with pgtrigger.ignore():
                for table in filled:
                    cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
            load_seeded_services()
            load_default_cohorts()


def pytest_sessionstart(session):
    from django.test import TransactionTestCase

    TransactionTestCase._fixture_teardown = _empty_the_filled_tables


@pytest.fixture(autouse=True)
def _seeded_rows(request):
    """Every database test starts with the rows the data migrations seed (cohorts, the service
    list), whatever ran before it: a transactional test or journey flushes the database, and
    --reuse-db keeps the emptied one."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(
        {"transactional_db", "live_server"} & names
        or (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from django.core.cache import cache

    from here_to_help.settings_models import SETTINGS_CACHE_KEY as HELP_SETTINGS_KEY
    from tests.factories import load_default_cohorts, load_seeded_services
    from welfare import call_config
    from welfare.control_models import SETTINGS_CACHE_KEY, forget_local_settings

    load_seeded_services()
    load_default_cohorts()
    # Settings managers save are cached; a rolled-back test must not leave its values behind.
    # Every test starts with none saved, as the database does.
    cache.set_many({SETTINGS_CACHE_KEY: {}, HELP_SETTINGS_KEY: {}})
    forget_local_settings()
    cache.delete("dashboard:refresh-asked-at")
    # Each process keeps the running campaigns and the cohorts: forget the last test's.
    call_config.reset()


@pytest.fixture
def team(db):
    return TeamFactory(name="North team")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="South team")


@pytest.fixture
def patch(team):
    return PatchFactory(code="PR-RIB", name="Ribble", team=team)


@pytest.fixture
def other_patch(other_team):
    return PatchFactory(code="FY-LYT", name="Lytham", team=other_team)


@pytest.fixture
def officer(team):
    return OfficerFactory(username="olivia", team=team)


@pytest.fixture
def other_officer(other_team):
    return OfficerFactory(username="sam", team=other_team)


@pytest.fixture
def income_officer(team):
    return IncomeOfficerFactory(username="ian", team=team)


@pytest.fixture
def manager(db):
    return ManagerFactory(username="maya")


def sign_in(client, user):
    """Sign `user` in; a manager's session also counts as having passed two-factor."""
    client.force_login(user)
    if user.requires_two_factor():
        device = user.totpdevice_set.filter(confirmed=True).first() or TOTPDeviceFactory(user=user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def officer_client(client, officer):
    return sign_in(client, officer)


@pytest.fixture
def manager_client(client, manager):
    return sign_in(client, manager)


@pytest.fixture
def income_client(client, income_officer):
    return sign_in(client, income_officer)


@pytest.fixture
def tasks_run_here():
    """Celery runs each task in this process when it is sent (its email lands in the outbox)."""
    from config.celery_app import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery -A config worker` on Redis, using this run's test database and queue."""
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    name = f"test-{os.getpid()}@{socket.gethostname()}"
    from config.celery_app import app

    # Tasks that earlier tests of this process sent with nobody to take them belong to data
    # those tests rolled back: the worker starts on an empty queue of this process's own.
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "-n",
            name,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[name], timeout=1):
            break
        if worker.poll() is not None:
            raise RuntimeError("the Celery worker exited while starting")
    else:
        worker.terminate()
        raise RuntimeError("the Celery worker did not answer within 60 seconds")
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
