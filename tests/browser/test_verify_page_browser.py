"""The recruiter verify page in real headless Chromium, on a phone (390×844, touch) and a laptop (1280×800).

Each recruiter journey of issue 14, with and without the candidate's e-mail under "Belongs to": a photo of the demo's
printed badge card (its QR code), a baked badge image, and a link the candidate shared. The verdict heading is read as
a person would read it, and it must agree with the list of checks. The page is served by its own server over the
demo backpack of the session (so the demo's issuers come from the backpack's saved documents, as in the TUI), with
private addresses allowed so that a loopback share link can be fetched. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import segno
from browser_site import LiveSite, PhoneBrowser
from PIL import Image, ImageDraw, ImageFilter
from werkzeug.serving import make_server

from verifier import CHECK_IDS, extract
from wallet import shares
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
CANDIDATE = "ada.lovelace@example.com"  # the demo backpack's earner
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


@dataclass(frozen=True)
class RecruiterSite:
    base_url: str
    home: Path
    share_link: str
    """A link the candidate shared: the public page of their Git Essentials badge."""


@pytest.fixture(scope="module")
def recruiter_site(live_site: LiveSite) -> Iterator[RecruiterSite]:
    """The verify page over the session's demo backpack, on a server of its own: no rate limit to speak of, and
    loopback fetches allowed (the share link below lives on this machine)."""
    store = Store(live_site.home)
    app = create_app(
        {
            "BACKPACK_HOME": str(live_site.home),
            "SECRET_KEY": "test",
            "VERIFY_RATE": 1000,
            "ALLOW_PRIVATE_NETWORK": True,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="recruiter-test-server", daemon=True)
    thread.start()
    git = next(r.id for r in store.list_badges() if r.summary.get("name") == "Git Essentials")
    share = shares.create_share(store, git)
    try:
        yield RecruiterSite(f"http://127.0.0.1:{server.server_port}", live_site.home, shares.share_url(store, share))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def recruiter_page(phone: PhoneBrowser, recruiter_site: RecruiterSite, size: str) -> Page:
    return phone.new_page(base_url=recruiter_site.base_url, **SIZES[size])


def qr_card_photo(text: str) -> bytes:
    """A printed badge card with a QR code of ``text``, photographed by a phone: off-white paper, turned 3°, JPEG."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="l").save(buffer, kind="png", scale=5, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    card = Image.new("RGB", (code.width + 80, code.height + 200), (244, 240, 228))
    draw = ImageDraw.Draw(card)
    draw.text((40, 30), "Git Essentials", fill=(40, 40, 60), font_size=44)
    draw.text((40, 90), "European Skills Academy · scan to verify", fill=(90, 90, 110), font_size=24)
    card.paste(code, (40, 160))
    photo = card.rotate(3, expand=True, fillcolor=(70, 60, 50), resample=Image.Resampling.BICUBIC)
    photo = photo.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=80)
    return out.getvalue()


def press(page: Page, locator: Any) -> None:
    locator.scroll_into_view_if_needed()
    if (page.viewport_size or {}).get("width", 0) < 640:  # the phone context has touch, the laptop's has not
        locator.tap()
    else:
        locator.click()


def overflow(page: Page) -> int:
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    return max(0, int(width) - int((page.viewport_size or {"width": 390})["width"]))


def verify_in_browser(
    page: Page, *, photo: Path | None = None, file: Path | None = None, text: str = "", belongs_to: str = ""
) -> str:
    """Fill the form as a recruiter would, press Verify, and return the verdict heading."""
    response = page.goto("/verify", wait_until="load")
    assert response is not None and response.status == 200
    if photo is not None:
        page.locator("input[name=photo]").set_input_files(str(photo))
    if file is not None:
        page.locator("input[name=file]").set_input_files(str(file))
    if text:
        page.locator("[name=text]").fill(text)
    if belongs_to:
        page.get_by_label("Belongs to (optional)").fill(belongs_to)
    press(page, page.get_by_role("button", name="Verify"))
    page.wait_for_function("() => document.getElementById('result')?.dataset.status", timeout=20_000)
    heading = page.locator("#result h1").inner_text().strip()
    return re.sub(r"^\S\s+", "", heading)  # without its symbol


def listed(page: Page) -> list[tuple[str, str]]:
    """(check id, outcome) of every check the page lists, portfolio items included."""
    return [
        (str(row.get_attribute("data-check")), row.locator(".outcome").first.inner_text().strip())
        for row in page.locator("li.check").all()
    ]


def agrees(heading: str, checks: list[tuple[str, str]]) -> None:
    concerns = sum(outcome in ("warning", "failed") for _id, outcome in checks)
    if heading == "Valid":
        assert concerns == 0, checks
    elif heading.startswith("Valid, with "):
        assert int(heading.split()[2]) == concerns, (heading, checks)
    assert {check_id for check_id, _ in checks} <= set(CHECK_IDS)


@pytest.fixture(scope="module")
def card_photo(recruiter_site: RecruiterSite) -> Path:
    return recruiter_site.home / "demo-files" / "community-mentor-card.jpg"


@pytest.fixture(scope="module")
def baked_image(recruiter_site: RecruiterSite) -> Path:
    return recruiter_site.home / "demo-files" / "git-essentials.svg"


JOURNEYS = {
    # journey: (what is given, the heading without the candidate's e-mail, with it)
    "qr-photo-of-the-demo-card": ("photo", "Revoked", "Revoked"),
    "baked-image": ("file", "Valid, with 1 warning", "Valid"),
    "shared-link": ("text", "Valid, with 1 warning", "Valid, with 1 warning"),
}


@pytest.mark.parametrize("with_email", [False, True], ids=["without-email", "with-email"])
@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_recruiter_journey(
    recruiter_page: Page,
    phone: PhoneBrowser,
    recruiter_site: RecruiterSite,
    card_photo: Path,
    baked_image: Path,
    screenshot: Callable[..., Path],
    size: str,
    journey: str,
    with_email: bool,
) -> None:
    page = recruiter_page
    given, without, with_it = JOURNEYS[journey]
    inputs: dict[str, Any] = {
        "photo": {"photo": card_photo},
        "file": {"file": baked_image},
        "text": {"text": recruiter_site.share_link},
    }[given]
    heading = verify_in_browser(page, **inputs, belongs_to=CANDIDATE if with_email else "")

    assert heading == (with_it if with_email else without), page.locator("#result").inner_text()
    checks = listed(page)
    agrees(heading, checks)
    result = page.locator("#result")
    sentence = page.locator(".verify-sentence").inner_text()
    if journey == "qr-photo-of-the-demo-card":
        expect(result.locator("h2")).to_have_text("Community Mentor")  # the same verdict as the TUI's
        assert "Reason given by the issuer: Issued in error" in sentence
    elif journey == "baked-image":
        expect(result.locator("h2")).to_have_text("Git Essentials")
        picture = result.locator("img.badge-image")
        expect(picture).to_be_visible()
        assert (picture.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
        assert picture.evaluate("img => img.naturalWidth") > 0, "the badge picture does not render"
        expect(result.locator("[data-self-asserted]")).to_be_visible()
        if with_email:
            assert f"It was issued to {CANDIDATE}." in sentence
        else:
            assert "Who it belongs to was not checked" in sentence
    else:
        expect(page.locator(".verify-item h3")).to_have_text(["Git Essentials"])
    if with_email:
        expect(page.locator(".belongs-to")).to_contain_text(CANDIDATE)
    # Plain words first; the technical text only once "Details" is opened.
    row = page.locator("li.check").first
    expect(row.locator(".plain")).to_be_visible()
    details = row.locator("details.check-details")
    expect(details.locator("p")).to_be_hidden()
    press(page, details.locator("summary"))
    expect(details.locator("p")).to_be_visible()
    expect(page.locator("footer a")).to_have_count(0)  # the footer does not link to the page itself
    assert overflow(page) == 0
    screenshot(page, f"verify-{journey}-{'with' if with_email else 'without'}-email-{size}", full_page=True)
    assert phone.problems(page, ignore=IGNORED) == []


def test_a_file_without_a_badge_is_neutral(
    recruiter_page: Page, phone: PhoneBrowser, tmp_path: Path, screenshot: Callable[..., Path], size: str
) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"hello\x00\x01\x02 not a badge")
    heading = verify_in_browser(recruiter_page, file=junk)
    assert heading == "No badge found in this file"
    text = recruiter_page.locator("main").inner_text()
    assert "Not valid" not in text and "\\x" not in text and "b'" not in text
    assert overflow(recruiter_page) == 0
    screenshot(recruiter_page, f"verify-no-badge-{size}", full_page=True)
    assert phone.problems(recruiter_page, ignore=IGNORED) == []


def test_the_form_on_a_phone_opens_the_camera_and_asks_who_the_badge_belongs_to(
    phone: PhoneBrowser,
    recruiter_site: RecruiterSite,
    accessibility_problems: Callable[[Page], list[str]],
    screenshot: Callable[..., Path],
) -> None:
    page = phone.new_page(base_url=recruiter_site.base_url)
    page.goto("/verify", wait_until="load")
    photo = page.locator("input[name=photo]")
    assert photo.get_attribute("accept") == "image/*" and photo.get_attribute("capture") == "environment"
    expect(page.get_by_label("Belongs to (optional)")).to_be_visible()
    assert accessibility_problems(page) == []
    assert overflow(page) == 0
    screenshot(page, "verify-form-phone", full_page=True)
    assert phone.problems(page, ignore=IGNORED) == []


def test_a_tampered_credential_pasted_on_a_laptop_is_not_valid(
    phone: PhoneBrowser,
    recruiter_site: RecruiterSite,
    screenshot: Callable[..., Path],
    accessibility_problems: Callable[[Page], list[str]],
) -> None:
    page = phone.new_page(base_url=recruiter_site.base_url, **SIZES["laptop"])
    signed = extract((recruiter_site.home / "demo-files" / "accessible-web-design.png").read_bytes()).payload.text
    credential = json.loads(signed)
    credential["credentialSubject"]["achievement"]["name"] = "Accessible Web Design (Expert)"  # not what was signed
    heading = verify_in_browser(page, text=json.dumps(credential, indent=2))
    assert heading == "Not valid"
    assert ("signature", "failed") in listed(page)
    expect(page.locator("[data-stated]")).to_contain_text("as stated in the file, not confirmed")
    assert accessibility_problems(page) == []
    screenshot(page, "verify-tampered-laptop", full_page=True)
    assert phone.problems(page, ignore=IGNORED) == []


def test_a_photo_of_a_printed_qr_code_of_a_credential_verifies(
    phone: PhoneBrowser, recruiter_site: RecruiterSite, tmp_path: Path, screenshot: Callable[..., Path]
) -> None:
    token = extract((recruiter_site.home / "demo-files" / "git-essentials.svg").read_bytes()).payload.text
    photo = tmp_path / "git-essentials-card.jpg"
    photo.write_bytes(qr_card_photo(token))
    page = phone.new_page(base_url=recruiter_site.base_url)
    assert verify_in_browser(page, photo=photo, belongs_to=CANDIDATE) == "Valid"
    assert ("signature", "passed") in listed(page)
    screenshot(page, "verify-credential-qr-photo-phone", full_page=True)
