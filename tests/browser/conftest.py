"""Real-browser fixtures: the web view served over HTTP by Werkzeug in a thread, driven in Debian's headless Chromium.

Playwright drives ``/usr/bin/chromium`` (``executable_path``): its own browser download does not work everywhere, so it
is never used. Without Chromium or the ``playwright`` package the browser tests are skipped with the reason (run
``scripts/setup --tests`` as root to install both). One server and one browser serve the whole session; each test
gets a fresh browser context (cookies, storage) sized like a phone: 390×844 CSS pixels at device scale factor 2.

Screenshots are written to ``tests/artifacts/`` (git-ignored) for people to look at; no test compares pixels.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser_site import (
    ACCESSIBILITY_SMOKE,
    ARTIFACTS,
    CHROMIUM_ARGS,
    COLLECTION_DESCRIPTION,
    COLLECTION_NAME,
    PLANNED_STEP,
    SHARED_BADGES,
    LiveSite,
    PhoneBrowser,
    chromium_path,
)
from werkzeug.serving import make_server

from wallet import badge_collections as collections
from wallet import shares
from wallet.demo import seed_demo
from wallet.store import Store
from webview import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    home = tmp_path_factory.mktemp("browser") / "backpack-home"
    store = Store(home)
    seed_demo(store)
    by_name = {str(record.summary.get("name")): record.id for record in store.list_badges()}
    collection = collections.create_collection(
        store, COLLECTION_NAME, description=COLLECTION_DESCRIPTION, planned=[PLANNED_STEP]
    )
    collections.add_badges(store, collection.id, [by_name[name] for name in SHARED_BADGES])
    share = shares.create_share(store, collection.id)

    app = create_app({"BACKPACK_HOME": str(home), "SECRET_KEY": "test", "VERIFY_WAIT_SECONDS": 0.5})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    # What BACKPACK_PUBLIC_URL would say, kept in this backpack's settings rather than in os.environ, so that it
    # does not leak into the other tests of the session (the environment variable, when set, still wins).
    store.set_setting("public_url", base_url)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield LiveSite(
            base_url=base_url,
            home=home,
            token=share.token,
            share_url=shares.share_url(store, share),
            badge_ids={name: by_name[name] for name in SHARED_BADGES},
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Chromium:
    """One browser for all the browser tests in a row, stopped as soon as the run leaves tests/browser.

    Playwright's sync API keeps an asyncio event loop running in the main thread while it is started, and
    ``asyncio.run()`` refuses to run inside one: the rest of the suite (the verifier's fetches) must not see it.
    """

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Browser | None = None

    def get(self) -> Browser:
        if self._browser is None:
            executable = chromium_path()
            if executable is None and os.environ.get("CI", "").lower() == "true":
                pytest.fail("no Chromium at /usr/bin/chromium, and CI=true: the browser tests must run in CI")
            if executable is None:
                pytest.skip(
                    "no Chromium at /usr/bin/chromium: run scripts/setup --tests as root (apt-get install chromium)"
                )
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                pytest.skip("the playwright package is not installed: run scripts/setup --tests")
            self._playwright = sync_playwright().start()
            try:
                # Playwright gives the browser a new empty profile (--user-data-dir) of its own on every launch.
                self._browser = self._playwright.chromium.launch(
                    executable_path=executable, headless=True, args=CHROMIUM_ARGS
                )
            except BaseException:
                self.stop()
                raise
        return self._browser

    def stop(self) -> None:
        browser, playwright, self._browser, self._playwright = self._browser, self._playwright, None, None
        try:
            if browser is not None:
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()


_CHROMIUM = _Chromium()
_HERE = Path(__file__).resolve().parent


@pytest.hookimpl(trylast=True)  # after the test's fixtures (its browser contexts) are torn down
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if nextitem is None or _HERE not in nextitem.path.resolve().parents:
        _CHROMIUM.stop()


def pytest_sessionfinish() -> None:
    _CHROMIUM.stop()  # when the run was cut short in the middle of the browser tests


@pytest.fixture
def browser() -> Browser:
    """Debian's Chromium, headless, driven by Playwright: started by the first browser test, shared by the next ones."""
    return _CHROMIUM.get()


@pytest.fixture
def phone(browser: Browser, live_site: LiveSite) -> Iterator[PhoneBrowser]:
    opener = PhoneBrowser(browser, live_site.base_url)
    try:
        yield opener
    finally:
        opener.close()


@pytest.fixture
def page(phone: PhoneBrowser) -> Page:
    """A page in a phone-sized, touch, light-mode context with JavaScript on, at the live site's base URL."""
    return phone.new_page()


@pytest.fixture(scope="session")
def accessibility_problems() -> Callable[[Page], list[str]]:
    def check(page: Page) -> list[str]:
        return list(page.evaluate(ACCESSIBILITY_SMOKE))

    return check


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def screenshot(artifacts: Path) -> Callable[..., Path]:
    """``screenshot(page_or_locator, "name")`` saves ``tests/artifacts/name.png`` and returns its path."""

    def take(target: Any, name: str, **options: Any) -> Path:
        path = artifacts / f"{name}.png"
        target.screenshot(path=str(path), animations="disabled", **options)
        return path

    return take


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the screenshots of this run are, so a reviewer finds them (no test compares pixels)."""
    if ARTIFACTS.is_dir():
        shots = sorted(ARTIFACTS.glob("*.png"))
        if shots:
            terminalreporter.write_line(f"browser screenshots: {ARTIFACTS} ({len(shots)} files)")
