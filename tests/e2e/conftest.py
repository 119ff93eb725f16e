"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser never downloads anything: it uses the system Chromium (CHROMIUM_PATH). The
accessibility check itself lives in tests.e2e.support.
"""

import os
from urllib.parse import urlsplit

import pytest

from tests.conftest import CHROMIUM
from tests.e2e.support import DESKTOP

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# the database calls that pytest-django makes around each test.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class BrowserPage:
    """A page plus what it did: every request it made and every CSP report in its console."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.requests: list[str] = []
        self.csp_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    def goto(self, path: str, status: int = 200):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == status, path
        return response

    def foreign_requests(self) -> list[str]:
        own = urlsplit(self.base_url).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).netloc != own
        ]

    def assert_clean(self):
        assert self.foreign_requests() == [], "requests to another host"
        assert self.csp_errors == [], "Content-Security-Policy violations"


@pytest.fixture
def new_page(browser, live_server):
    """Factory: new_page(width) opens a fresh browser context of that viewport width."""
    contexts = []

    def factory(width: int = DESKTOP, height: int = 900) -> BrowserPage:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return BrowserPage(context.new_page(), live_server.url)

    yield factory
    for context in contexts:
        context.close()
