"""The skeleton's promises: headers, health check, error pages, production settings, compose."""

import importlib
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from conftest import sign_in

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
class TestSecurityHeaders:
    def test_csp_has_a_nonce_that_every_inline_script_carries(self, client):
        response = client.get("/accounts/sign-in/")
        csp = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        assert "script-src 'self' 'nonce-" in csp
        assert "frame-ancestors 'none'" in csp
        scripts = re.findall(r"<script([^>]*)>", response.content.decode())
        assert scripts
        for attributes in scripts:
            assert f'nonce="{nonce}"' in attributes or "src=" in attributes

    def test_framing_and_referrer_headers(self, client):
        response = client.get("/accounts/sign-in/")
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_forms_carry_a_csrf_token(self, client):
        assert 'name="csrfmiddlewaretoken"' in client.get("/accounts/sign-in/").content.decode()

    def test_post_without_csrf_token_is_refused(self, officer):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(officer)
        assert strict.post("/accounts/logout/").status_code == 403


@pytest.mark.django_db
class TestHealth:
    def test_reports_database_and_redis_without_sign_in(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}

    def test_reports_a_redis_outage(self, client, settings):
        settings.REDIS_URL = "redis://127.0.0.1:1/0"
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["redis"] == "error"


@pytest.mark.django_db
class TestErrorPages:
    def test_404_is_in_the_house_style(self, officer_client):
        response = officer_client.get("/no-such-page/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
        assert "govuk-header" in response.content.decode()

    @pytest.mark.parametrize("debug", [True, False])
    def test_the_demo_shows_the_apps_own_404_not_the_url_map(
        self, client, officer, other_patch, settings, debug
    ):
        """`make run` serves with DEBUG on: another team's tenant, or a URL that matches nothing,
        still shows users the app's page, never Django's technical page with every URL."""
        from tests.factories import TenantFactory

        settings.DEBUG = debug
        officers_client = sign_in(client, officer)
        elsewhere = TenantFactory(patch=other_patch)
        for url in (f"/tenants/{elsewhere.pk}/", "/no-such-page/"):
            response = officers_client.get(url)
            page = response.content.decode()
            assert response.status_code == 404
            assert "Page not found" in page and "govuk-header" in page
            assert "URLconf" not in page and "tenants/&lt;int:pk&gt;" not in page

    def test_403_for_the_wrong_role(self, officer_client, rf, officer):
        from django.core.exceptions import PermissionDenied

        from accounts.access import manager_required

        view = manager_required(lambda request: None)
        request = rf.get("/")
        request.user = officer
        with pytest.raises(PermissionDenied):
            view(request)


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "sqlite:///:memory:",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-production-like-key-for-the-deploy-check-only-" + "y" * 10,
    "ALLOWED_HOSTS": "welfare.example.org",
    "EMAIL_URL": "smtp://mail.example.org:587",
}


def test_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _command(service):
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_the_served_app_is_loaded_and_frozen_out_of_the_garbage_collectors_sight():
    """config/wsgi.py (what gunicorn imports in each worker) loads every view through the
    URLconf and freezes it all (gc.freeze), so no full collection rescans the loaded app."""
    script = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count(), 'dashboard.list_views' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 10_000
    assert views_loaded == "True"


def test_compose_services_run_real_modules():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for service in services.values():
        assert "healthcheck" in service

    web = _command(services["web"])
    assert "manage.py migrate" in web
    module, attribute = re.search(r"gunicorn\s+([\w.]+):(\w+)", web).groups()
    assert callable(getattr(importlib.import_module(module), attribute))

    for name in ("worker", "beat"):
        app = re.search(r"celery\s+-A\s+([\w.]+)", _command(services[name])).group(1)
        assert importlib.import_module(app).celery_app.main == "config"
    scheduler = re.search(r"--scheduler\s+([\w.]+)\.(\w+)", _command(services["beat"]))
    assert hasattr(importlib.import_module(scheduler.group(1)), scheduler.group(2))

    env_example = (ROOT / ".env.example").read_text()
    for variable in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"):
        assert f"\n{variable}=" in env_example


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker_process):
    from config.celery_app import ping

    assert ping.delay().get(timeout=30) == "pong"


def test_beat_starts_and_takes_the_redbeat_lock(settings):
    """`celery -A config beat` starts with RedBeat and holds the single-beat lock in Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_REDBEAT_KEY_PREFIX": f"test-beat-{os.getpid()}",
    }
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(60, beat.kill)  # never hang the suite on a stuck beat
    watchdog.start()
    try:
        output = ""
        for line in beat.stdout:
            output += line
            if "Acquired lock" in line:
                break
    finally:
        watchdog.cancel()
        beat.terminate()
        beat.wait(timeout=15)
    assert "redbeat.schedulers.RedBeatScheduler" in output
    assert "Acquired lock" in output


def test_production_static_files_collect_and_pages_render(tmp_path):
    """With DEBUG=false, collectstatic builds the hashed manifest and pages link to it."""
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static")}
    result = manage("collectstatic", "--no-input", "-v0", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    render = (
        "from django.test import Client; from django.core.management import call_command;"
        "call_command('migrate', verbosity=0);"
        "r = Client().get('/accounts/sign-in/', secure=True, HTTP_HOST='welfare.example.org');"
        "print(r.status_code); print(r.content.decode())"
    )
    result = manage("shell", "--no-imports", "-c", render, **env)
    assert result.returncode == 0, result.stderr
    status, _, page = result.stdout.partition("\n")
    assert status == "200"
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert css, "the page does not link the hashed stylesheet"
    assert (tmp_path / css.group(1).removeprefix("/")).exists()


@pytest.mark.django_db
def test_manager_home_shows_services_and_unassigned_tenants(manager_client):
    from tests.factories import TenantFactory, load_seeded_services

    load_seeded_services()
    TenantFactory(patch=None)
    page = manager_client.get("/").content.decode()
    assert "Currently unavailable: <strong>8</strong>" in page
    assert "1 tenant with no patch" in page


@pytest.mark.django_db
def test_officer_home_has_no_manager_panels(officer_client):
    page = officer_client.get("/").content.decode()
    assert "Service-status register" not in page and "with no patch" not in page


@pytest.mark.django_db
def test_error_summary_links_reach_a_focusable_field(officer_client, patch, officer):
    """Each error summary link points at an element on the page that can take focus: the first
    radio of a group, the day of a date."""
    from django.utils import timezone

    from tests.factories import CallTaskFactory, TenantFactory

    task = CallTaskFactory(
        tenant=TenantFactory(patch=patch), claimed_by=officer, claimed_at=timezone.now()
    )
    page = officer_client.post(f"/queue/task/{task.pk}/log/", {"idempotency_key": "x"}).content
    page = page.decode()
    assert 'href="#id_outcome_1"' in page and 'id="id_outcome_1"' in page
    page = officer_client.post(
        f"/tenants/{task.tenant.pk}/flags/",
        {
            "reason": "x",
            "self_isolating_from_0": "31",
            "self_isolating_from_1": "2",
            "self_isolating_from_2": "2026",
        },
    ).content.decode()
    assert 'href="#id_self_isolating_from_0"' in page and 'id="id_self_isolating_from_0"' in page
    assert "The date must be a real date" in page
    assert "day is out of range" not in page
