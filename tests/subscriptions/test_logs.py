"""Log lines never carry the token of a subscriber's confirmation or unsubscribe link: staff read
the logs, and the token confirms or cancels the subscription (README: Subscriptions)."""

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config
from gunicorn.glogging import Logger

from subscriptions import actions
from subscriptions.models import Subscriber
from tests.subscriptions.conftest import EMAIL

pytestmark = pytest.mark.django_db


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def lines_of():
    """`lines_of("logger.name")`: what that logger writes, as its own handlers would see it."""
    added = []

    def attach(name):
        handler = Lines()
        logging.getLogger(name).addHandler(handler)
        added.append((name, handler))
        return handler.lines

    yield attach
    for name, handler in added:
        logging.getLogger(name).removeHandler(handler)


@pytest.fixture
def token(client):
    client.post("/status/subscribe/", {"channel": "email", "email": EMAIL})
    return Subscriber.objects.get(address=EMAIL).token


def test_a_used_confirmation_link_is_logged_without_its_token(client, token, lines_of):
    lines = lines_of("django.request")
    actions.confirm_link(token=token)
    # Confirmed already: the link has expired (404), and Django logs the 404, path and all. The
    # token is still the subscriber's unsubscribe token.
    assert client.post(reverse("subscriptions:confirm", args=[token])).status_code == 404
    assert lines == ["Not Found: /status/subscribe/confirm/[hidden]/"]


def test_the_development_server_logs_the_links_without_their_tokens(token, lines_of):
    lines = lines_of("django.server")
    path = reverse("subscriptions:unsubscribe", args=[token])
    # What runserver's request handler writes for each request.
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {path} HTTP/1.1", "200", "1234")
    assert lines == ['"GET /status/unsubscribe/[hidden]/ HTTP/1.1" 200 1234']


@pytest.fixture
def access_log(tmp_path):
    """gunicorn's own logger writing its access log to a file (as `--access-logfile`), and the
    file's text."""
    path = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(path))
    log = Logger(config)
    yield log, path.read_text
    for each in (log.access_log, log.error_log):
        for handler in list(each.handlers):
            if getattr(handler, "_gunicorn", False):
                each.removeHandler(handler)
                handler.close()


def test_the_web_servers_access_log_shows_neither_path_nor_referer_token(token, access_log):
    log, text = access_log
    confirm = reverse("subscriptions:confirm", args=[token])
    unsubscribe = reverse("subscriptions:unsubscribe", args=[token])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": unsubscribe,
        "PATH_INFO": unsubscribe,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": f"https://status.example{confirm}",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    log.access(response, SimpleNamespace(headers=[]), environ, timedelta(0))
    line = text()
    assert '"GET /status/unsubscribe/[hidden]/ HTTP/1.1" 200 1234' in line
    assert '"https://status.example/status/subscribe/confirm/[hidden]/"' in line
    assert token not in line


def test_a_refused_form_post_is_logged_without_its_token(token, lines_of):
    lines = lines_of("django.security.csrf")
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("subscriptions:confirm", args=[token])).status_code == 403
    assert lines and all(token not in line for line in lines)
    assert lines[0].endswith("/status/subscribe/confirm/[hidden]/")
