"""Browser journeys: Debian's Chromium driven by Playwright, with axe-core on every page visited."""

import os
from pathlib import Path

import pytest

from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls are in
# another thread, and the test's own setup is plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
BLOCKING_IMPACTS = {"serious", "critical"}
CONDITIONAL_RADIO = """selector => {
    const input = document.querySelector(selector);
    const target = input && document.getElementById(input.getAttribute("aria-controls"));
    return Boolean(input && input.matches("input.govuk-radios__input[type=radio]")
        && target && target.classList.contains("govuk-radios__conditional"));
}"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _journeys_use_committed_data(transactional_db):
    """The live server runs in another thread: journey data must really be committed."""


class Journey:
    """A page that axe-checks every page it lands on and fails the test on a CSP violation."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.visited = []
        self.checked = set()
        self.csp_errors = []
        self.navigated = []
        page.on("console", self._on_console)
        page.on(
            "framenavigated",
            lambda frame: frame == page.main_frame and self.navigated.append(frame.url),
        )
        page.add_init_script(AXE)  # injected by the browser itself, so CSP does not block it

    def _on_console(self, message):
        if "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    def goto(self, path):
        self.page.goto(self.base_url + path)
        return self.check()

    def check(self):
        """Run axe-core on the page as it is now; serious or critical violations fail the test."""
        self.page.wait_for_load_state("load")
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        url = self.page.url
        self.visited.append(url)
        self.checked.add(url)
        # The address the document was loaded at, if the page's script has since set another
        # (history.replaceState: a refused call save shows the call's own address).
        self.checked.add(
            self.page.evaluate("() => performance.getEntriesByType('navigation')[0]?.name")
        )
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(
                n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                for n in v["nodes"][:3]
            )
            for v in result["violations"]
            if v["impact"] in BLOCKING_IMPACTS and not self._design_system_reveal(v)
        ]
        assert not blocking, f"axe-core on {url}:\n" + "\n".join(blocking)
        assert not self.csp_errors, f"CSP violations on {url}: {self.csp_errors}"
        return self.page

    def _design_system_reveal(self, violation):
        # GOV.UK Frontend's conditional reveal sets aria-expanded on its radios and axe-core
        # reports it (aria-allowed-attr); the Design System keeps it on purpose after research
        # with screen-reader users (alphagov/govuk-frontend#979, #1352). Allowed for exactly
        # that attribute on exactly those radios; every other rule and element stays strict.
        if violation["id"] != "aria-allowed-attr":
            return False
        for node in violation["nodes"]:
            attributes = [
                str(value)
                for check in node["any"] + node["all"] + node["none"]
                for value in (check.get("data") or {}).get("values", [])
            ]
            if not attributes or not all(a.startswith("aria-expanded") for a in attributes):
                return False
            if not self.page.evaluate(CONDITIONAL_RADIO, node["target"][0]):
                return False
        return True

    def sign_in(self, username, password=PASSWORD):
        self.goto("/accounts/sign-in/")
        self.page.get_by_label("Username or email address").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        return self.check()


@pytest.fixture
def journey(page, live_server):
    page.set_default_timeout(15_000)
    journey = Journey(page, live_server.url)
    yield journey
    # The call page keeps what was typed as it is left (a beacon, static/js/call-page.js): not
    # as the browser closes after the test, when the test's rows are being deleted.
    page.evaluate("() => { navigator.sendBeacon = () => true; }")
    unchecked = [url for url in journey.navigated if url not in journey.checked]
    assert not unchecked, f"pages visited without an axe-core check: {unchecked}"


def sign_in_manager(journey, username):
    """Sign an existing manager in through the pages, setting up two-factor as on a first visit."""
    from django_otp.oath import totp

    from accounts.models import User

    page = journey.sign_in(username)
    device = User.objects.get(username=username).totpdevice_set.get()
    page.get_by_label("Security code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Confirm").click()
    journey.check()
    page.get_by_role("link", name="Continue").click()
    return journey.check()
