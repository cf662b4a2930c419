"""Shared fixtures: staff in two teams, signed-in clients, and a real Celery worker on Redis."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY

from tests.factories import (
    IncomeOfficerFactory,
    ManagerFactory,
    OfficerFactory,
    PatchFactory,
    TeamFactory,
    TOTPDeviceFactory,
)

ROOT = Path(__file__).resolve().parent


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
    from config.celery_app import app

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
