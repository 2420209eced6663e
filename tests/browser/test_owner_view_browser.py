"""The owner's view (``/``) in real headless Chromium, on a phone (390×844, touch) and a laptop (1280×800).

The owner's journeys of issue 14: look over the backpack (badges with status and last check, collections with
progress, shares), open a badge and read every check with its details, share a collection and find there what only
the owner does with it (Add to LinkedIn, the embed code), unshare it, import a badge file by upload; and, served
elsewhere than on loopback, open the backpack with the key `backpack serve` printed. The site is a demo backpack of
its own (these tests change it), served on loopback as `backpack serve` does. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser_site import PhoneBrowser
from werkzeug.serving import make_server

from wallet import badge_collections as collections
from wallet import exporting
from wallet.demo import seed_demo
from wallet.store import Store
from webview import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Page

try:
    from playwright.sync_api import expect
except ImportError:  # scripts/setup --tests installs it
    pytest.skip("the playwright package is not installed", allow_module_level=True)
pytestmark = pytest.mark.slow

IGNORED = ("/favicon.ico",)  # its own test on the share page: tests/browser/test_share_page_browser.py
KEY = "owner-browser-test-key"
SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}},
    "laptop": {
        "viewport": {"width": 1280, "height": 800},
        "screen": {"width": 1280, "height": 800},
        "device_scale_factor": 1,
        "is_mobile": False,
        "has_touch": False,
    },
}
COLLECTION = "Job applications"


@dataclass(frozen=True)
class OwnerSite:
    base_url: str
    """`backpack serve` on loopback: open to this machine."""
    keyed_url: str
    """The same backpack served as a deployment is: the key is needed."""
    home: Path


def _serve(app: Any) -> tuple[Any, threading.Thread, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="owner-test-server", daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def owner_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnerSite]:
    home = tmp_path_factory.mktemp("owner-browser") / "home"
    store = Store(home)
    seed_demo(store)
    by_name = {r.display_name: r.id for r in store.list_badges()}
    collections.create_collection(store, COLLECTION, description="For recruiters", planned=["Kubernetes Admin"])
    collections.add_badges(store, COLLECTION, [by_name["Python Foundations"], by_name["Git Essentials"]])
    config = {"BACKPACK_HOME": str(home), "SECRET_KEY": "test", "OWNER_TOKEN": KEY}
    open_server, open_thread, open_url = _serve(create_app({**config, "OWNER_OPEN_ON_LOOPBACK": True}))
    keyed_server, keyed_thread, keyed_url = _serve(create_app(config))
    store.set_setting("public_url", open_url)  # share links point at this server (still loopback: local only)
    try:
        yield OwnerSite(open_url, keyed_url, home)
    finally:
        for server, thread in ((open_server, open_thread), (keyed_server, keyed_thread)):
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def owner_page(phone: PhoneBrowser, owner_site: OwnerSite, size: str) -> Page:
    return phone.new_page(base_url=owner_site.base_url, **SIZES[size])


def press(page: Page, locator: Any) -> None:
    locator.scroll_into_view_if_needed()
    if (page.viewport_size or {}).get("width", 0) < 640:  # the phone context has touch, the laptop's has not
        locator.tap()
    else:
        locator.click()


def overflow(page: Page) -> int:
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    return max(0, int(width) - int((page.viewport_size or {"width": 390})["width"]))


def test_the_backpack_at_a_glance(
    owner_page: Page,
    phone: PhoneBrowser,
    size: str,
    screenshot: Callable[..., Path],
    accessibility_problems: Callable[[Page], list[str]],
) -> None:
    page = owner_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your backpack")
    badges = page.locator("#badges li.owner-badge")
    expect(badges).to_have_count(8)
    first = badges.filter(has_text="Team Leadership")
    expect(first.locator(".pill")).to_contain_text("Revoked")
    expect(first.locator(".pill")).to_contain_text("checked")
    expect(page.locator("#collections li").filter(has_text=COLLECTION).locator(".progress")).to_contain_text(
        "of 3 earned"
    )
    expect(page.locator("[data-local-only]")).to_contain_text("backpack publish")
    expect(page.get_by_label("Badge files")).to_be_visible()
    # Every target is large enough for a thumb, and nothing is cut off at either size.
    assert overflow(page) == 0
    for link in page.locator("a.owner-badge-link").all():
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44, link.inner_text()
    assert accessibility_problems(page) == []
    screenshot(page, f"owner-home-{size}", full_page=True)
    if size == "laptop":  # two columns of badges on a wide screen
        boxes = [b.bounding_box() for b in badges.all()[:2]]
        assert boxes[0] and boxes[1] and abs(boxes[0]["y"] - boxes[1]["y"]) < 2
    assert phone.problems(page, ignore=IGNORED) == []


def test_a_badge_and_every_check(
    owner_page: Page, phone: PhoneBrowser, size: str, screenshot: Callable[..., Path]
) -> None:
    page = owner_page
    page.goto("/")
    press(page, page.locator("a.owner-badge-link").filter(has_text="Team Leadership"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Team Leadership")
    revocation = page.locator("li.check[data-check=revocation]")
    expect(revocation.locator(".plain")).to_have_text("Its issuer has revoked it.")
    details = revocation.locator("details")
    expect(details.locator("p")).to_be_hidden()
    press(page, details.locator("summary"))
    expect(details.locator("p")).to_be_visible()
    expect(details.locator("code")).to_have_text("revocation")
    assert page.locator("li.check").count() >= 5
    assert overflow(page) == 0
    screenshot(page, f"owner-badge-{size}", full_page=True)
    press(page, page.get_by_role("button", name="Check again now"))
    expect(page.locator(".flash-done")).to_have_text("Checked again: Revoked.")
    assert phone.problems(page, ignore=IGNORED) == []


def test_share_then_unshare_a_collection(
    owner_page: Page, phone: PhoneBrowser, owner_site: OwnerSite, size: str, screenshot: Callable[..., Path]
) -> None:
    page = owner_page
    page.goto("/")
    press(page, page.locator("#collections a").filter(has_text=COLLECTION))
    page.get_by_label("The link stops working").select_option("30d")
    press(page, page.get_by_role("button", name="Share this collection"))
    expect(page.locator(".flash-done")).to_contain_text(f"Shared '{COLLECTION}'")
    token = re.fullmatch(r".*/shares/([\w-]+)", page.url).group(1)  # type: ignore[union-attr]
    url = f"{owner_site.base_url}/s/{token}"
    expect(page.locator("#share-url")).to_have_value(url)
    expect(page.locator("[data-local-only]")).to_contain_text("only on this machine")
    # What only the owner does with a share: Add to LinkedIn for each badge, the embed code.
    adds = page.get_by_role("link", name=re.compile(r"^Add “.*” to your LinkedIn profile$"))
    expect(adds).to_have_count(2)
    assert "certUrl=" + url.replace(":", "%3A").replace("/", "%2F") in (adds.first.get_attribute("href") or "")
    expect(page.locator("#embed-code")).to_contain_text(f'<iframe src="{url}/embed"')
    assert overflow(page) == 0
    screenshot(page, f"owner-share-{size}", full_page=True)

    # The public page has none of it.
    visitor = phone.new_page(base_url=owner_site.base_url, **SIZES[size])
    visitor.goto(f"/s/{token}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(COLLECTION)
    expect(visitor.get_by_text("LinkedIn")).to_have_count(0)
    expect(visitor.locator("textarea")).to_have_count(0)

    press(page, page.get_by_role("button", name="Unshare this link"))
    expect(page.locator(".flash-done")).to_contain_text("switched off")
    expect(page.locator("p.pill")).to_contain_text("Unshared")
    expect(page.locator("#embed-code")).to_have_count(0)
    assert visitor.goto(f"/s/{token}").status == 410  # type: ignore[union-attr]
    assert phone.problems(page, ignore=IGNORED) == []


def test_import_a_badge_file_by_upload(
    owner_page: Page,
    phone: PhoneBrowser,
    owner_site: OwnerSite,
    size: str,
    screenshot: Callable[..., Path],
    tmp_path: Path,
) -> None:
    store = Store(owner_site.home)
    record = next(r for r in store.list_badges() if r.display_name == "Data Literacy")
    name, data = exporting.baked_image(store, record)
    collections.remove_badge(store, record.id)
    upload = tmp_path / name
    upload.write_bytes(data)
    page = owner_page
    page.goto("/")
    expect(page.locator("li.owner-badge")).to_have_count(7)
    page.get_by_label("Badge files").set_input_files(str(upload))
    press(page, page.get_by_role("button", name="Import"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Data Literacy")
    expect(page.locator(".flash-done")).to_have_text("Imported 1 badge: Data Literacy")
    expect(page.locator("p.pill").first).to_contain_text("Verified")
    assert overflow(page) == 0
    screenshot(page, f"owner-imported-{size}", full_page=True)
    assert phone.problems(page, ignore=IGNORED) == []


def test_served_elsewhere_the_key_opens_it(
    phone: PhoneBrowser, owner_site: OwnerSite, size: str, screenshot: Callable[..., Path]
) -> None:
    page = phone.new_page(base_url=owner_site.keyed_url, **SIZES[size])
    response = page.goto("/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This backpack is private")
    expect(page.locator("li.owner-badge")).to_have_count(0)
    screenshot(page, f"owner-locked-{size}")
    page.get_by_label("Or paste the key here").fill("not the key")
    press(page, page.get_by_role("button", name="Open my backpack"))
    expect(page.locator("[role=alert]")).to_contain_text("does not open this backpack")

    page.goto(f"/?token={KEY}")  # the link `backpack serve` printed
    expect(page.get_by_role("heading", level=1)).to_have_text("Your backpack")
    assert "token" not in page.url  # gone from the address bar at once
    cookies = page.context.cookies()
    assert cookies and all(c["httpOnly"] and KEY not in c["value"] for c in cookies)
    page.goto("/")
    expect(page.locator("li.owner-badge").first).to_be_visible()
    assert phone.problems(page, ignore=(*IGNORED, "403")) == []
