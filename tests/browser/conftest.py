"""Playwright driving Debian's chromium against pytest-django's live server.

Never `playwright install`: the browser is the system's /usr/bin/chromium (installed by
scripts/ensure-services.sh when missing).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from procure.accounts.models import Organization, Role
from tests import factories as f

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
LAPTOP = {"width": 1366, "height": 800}


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an event loop running in this thread while it is started,
    # and Django refuses ORM calls when it sees one. The tests' ORM calls are plain synchronous
    # calls between browser steps, so allow them, for browser modules only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_orm_beside_playwright: None) -> Iterator[Browser]:
    # Per module, not per session: once stopped, Playwright leaves no running event loop behind
    # for the tests that follow.
    if not CHROMIUM.exists():
        pytest.fail(
            "chromium is missing: run scripts/ensure-services.sh (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=LAPTOP, base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Every page these tests visit must work under the Content-Security-Policy: a refused
    # script or style shows up as a console error naming the policy.
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not refused, refused


@pytest.fixture
def screenshots(artifacts_dir: Path) -> Path:
    directory = artifacts_dir / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def org(transactional_db: None) -> Organization:
    return f.OrganizationFactory(name="Acme Legal", slug="acme")


def member(organization: Organization, role: str, username: str):  # type: ignore[no-untyped-def]
    membership = f.MembershipFactory(organization=organization, role=role, user__username=username)
    membership.user.save()  # the factory sets the password after saving the user
    return membership.user


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def unlabelled_controls(page: Page) -> list[str]:
    """Form controls a screen reader could not name (no <label>, aria-label or -labelledby)."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll(
                   'input:not([type=hidden]), select, textarea')]
               .filter(el => !(el.labels && el.labels.length)
                             && !el.getAttribute('aria-label')
                             && !el.getAttribute('aria-labelledby'))
               .map(el => el.name || el.outerHTML)"""
        )
    )


__all__ = ["Role", "log_in", "member", "unlabelled_controls"]
