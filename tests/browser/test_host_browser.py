"""A portfolio published to a share host, opened in real headless Chromium on a phone-sized screen (390×844).

End to end on loopback: a wallet publishes a collection to the host (``wallet.publishing.publish``: challenge, holder
signature, the host verifying every credential), the phone opens the public page and sees each badge's verdict and
when it was checked, on a page that fits the screen; then the wallet withdraws it and the same address answers 410,
saying the holder withdrew it. A static portfolio (``wallet.static_site``) must fit the phone just as well, with
JavaScript off. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser_site import PhoneBrowser, chromium_path, horizontal_overflow
from ob3_issuer import OB3Issuer, ed25519_key
from werkzeug.serving import make_server

from verifier import FetchPolicy
from wallet import badge_collections as collections
from wallet.holder import holder
from wallet.importer import LoadedSource, import_bytes
from wallet.publishing import publish, unpublish
from wallet.static_site import write_static_portfolio
from wallet.store import Store
from webview.host import SqlHostStore, create_host_app
from webview.store import get_rechecker

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

try:
    from playwright.sync_api import expect
except ImportError:  # scripts/setup --tests installs it
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("the playwright package is not installed", allow_module_level=True)
pytestmark = pytest.mark.slow

# Badge name -> the word its pill must show: two valid badges and one the issuer let expire.
BADGES = {"Robot Building": "Verified", "Soldering Safety": "Verified", "First Aid 2020": "Expired"}
COLLECTION = "Job applications"


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    """The session's Chromium; on CI a missing Chromium is a failure, not a skip."""
    return browser


@pytest.fixture(autouse=True)
def _chromium_required_on_ci() -> None:
    if chromium_path() is None and os.environ.get("CI", "").lower() == "true":
        pytest.fail("Chromium is required on CI: run scripts/setup --tests as root (apt-get install chromium)")


@dataclass
class Host:
    url: str
    store: SqlHostStore


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    """The share host on SQLite, served by Werkzeug on 127.0.0.1 in a thread."""
    store = SqlHostStore(f"sqlite:///{tmp_path / 'host-data' / 'host.sqlite3'}")
    with socket.socket() as probe:  # the app must know its public address before the server starts
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    app = create_host_app({"STORE": store, "PUBLIC_URL": url, "ALLOW_PRIVATE_NETWORK": True, "TESTING": True})
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-host", daemon=True)
    thread.start()
    try:
        yield Host(url, store)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        get_rechecker(app).shutdown(wait=True)  # no recheck outlives its database
        store.close()


@pytest.fixture
def wallet(tmp_path: Path) -> tuple[Store, collections.Collection]:
    """A backpack whose holder holds the three badges of ``BADGES``, issued to its own did:key, in one collection."""
    store = Store(tmp_path / "wallet")
    did = holder(store).did
    issuer = OB3Issuer.did_key(ed25519_key("browser-host-issuer"), name="Open Robotics Lab")
    ids = []
    for index, name in enumerate(BADGES):
        expiry = {"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2021-01-01T00:00:00Z"}
        credential = issuer.credential(
            f"badge-{index}", subject_id=did, name=name, **(expiry if "2020" in name else {})
        )
        credential["credentialSubject"]["achievement"]["name"] = name
        loaded = LoadedSource(kind="text", ref=name, data=json.dumps(issuer.sign(credential)).encode())
        [(record, _created)] = import_bytes(store, loaded)
        ids.append(record.id)
    collections.create_collection(store, COLLECTION, description="Badges for my next job")
    return store, collections.add_badges(store, COLLECTION, ids)


@pytest.fixture
def phone_page(chromium: Browser, host: Host) -> Iterator[tuple[PhoneBrowser, Page]]:
    phone = PhoneBrowser(chromium, host.url)
    try:
        yield phone, phone.new_page()
    finally:
        phone.close()


def _pills(page: Page) -> dict[str, str]:
    """Badge name -> the text of its pill, as the page shows them."""
    names = page.locator("article.badge h3").all_inner_texts()
    pills = page.locator("article.badge [data-pill]").all_inner_texts()
    return dict(zip(names, pills, strict=True))


def test_a_published_portfolio_is_readable_on_a_phone_then_dies_when_withdrawn(
    phone_page: tuple[PhoneBrowser, Page],
    host: Host,
    wallet: tuple[Store, collections.Collection],
    screenshot: Callable[..., Path],
) -> None:
    phone, page = phone_page
    store, collection = wallet
    publication = publish(store, collection, host.url, fetch_policy=FetchPolicy(offline=True))
    assert publication.url.startswith(host.url + "/p/")

    response = page.goto(publication.url, wait_until="load")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text(COLLECTION)
    expect(page.locator("article.badge")).to_have_count(len(BADGES))
    pills = _pills(page)
    assert set(pills) == set(BADGES)
    for name, word in BADGES.items():
        # The verdict in words (never colour alone), and when the host checked it.
        assert re.search(rf"{word}\s*· checked (just now|\d+ minutes? ago)", pills[name]), pills[name]
    assert horizontal_overflow(page) == 0
    assert page.evaluate("() => document.documentElement.clientWidth") == 390
    assert phone.problems(page, ignore=("/favicon.ico",)) == []
    screenshot(page, "host-portfolio-phone", full_page=True)

    assert [w.url for w in unpublish(store, publication.url)] == [publication.url]
    gone = page.goto(publication.url, wait_until="load")
    assert gone is not None and gone.status == 410
    expect(page.locator("h1")).to_have_text("This portfolio was withdrawn by its holder")
    body = page.locator("main").inner_text()
    assert "revoked" not in body.lower()  # the holder withdrew it: no issuer revoked anything
    assert page.locator("article.badge").count() == 0
    assert horizontal_overflow(page) == 0
    screenshot(page, "host-portfolio-withdrawn-phone")


def test_a_static_portfolio_fits_a_phone_without_javascript(
    chromium: Browser, wallet: tuple[Store, collections.Collection], tmp_path: Path, screenshot: Callable[..., Path]
) -> None:
    store, _collection = wallet
    site = write_static_portfolio(
        store,
        COLLECTION,
        tmp_path / "site",
        check_url="https://host.example/verify",
        fetch_policy=FetchPolicy(offline=True),
        page_url="https://ada.example/badges/",
    )
    phone = PhoneBrowser(chromium, site.as_uri())
    try:
        page = phone.new_page(java_script_enabled=False)
        response = page.goto((site / "index.html").as_uri(), wait_until="load")
        assert response is not None and response.ok
        pills = _pills(page)
        assert set(pills) == set(BADGES)
        for name, word in BADGES.items():
            when = r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC"  # the time it was written: an absolute time
            assert re.search(rf"{word}\s*· last verified {when}", pills[name]), pills[name]
        expect(page.locator(".recheck a")).to_have_count(len(BADGES))
        assert page.locator(".recheck a").first.get_attribute("href") == (
            "https://host.example/verify?url=https%3A%2F%2Fada.example%2Fbadges%2Fbundle.jsonld"
        )
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"  # styled
        assert page.evaluate("() => document.querySelector('img.qr').naturalWidth") > 0
        assert horizontal_overflow(page) == 0
        screenshot(page, "static-portfolio-phone", full_page=True)
    finally:
        phone.close()
