"""The recruiter verify page in real headless Chromium on a phone-sized screen (390×844, touch, scale 2).

A recruiter photographs the QR code of a printed badge card and uploads the photo (on a phone, the ``photo`` field
opens the camera); the result says whether the badge is valid and lists every check. A pasted credential that was
tampered with is reported invalid. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import segno
from browser_site import LiveSite, PhoneBrowser, horizontal_overflow
from PIL import Image, ImageDraw, ImageFilter

from verifier import CHECK_IDS, extract

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

try:
    from playwright.sync_api import expect
except ImportError:  # scripts/setup --tests installs it
    pytest.skip("the playwright package is not installed", allow_module_level=True)
pytestmark = pytest.mark.slow

IGNORED = ("/favicon.ico",)  # its own test on the share page: tests/browser/test_share_page_browser.py


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


@pytest.fixture(scope="module")
def git_essentials_jwt(live_site: LiveSite) -> str:
    """The demo's Git Essentials badge: a compact VC-JWT signed by a did:key issuer, so it verifies offline."""
    return extract((live_site.home / "demo-files" / "git-essentials.svg").read_bytes()).payload.text


@pytest.fixture(scope="module")
def qr_photo(git_essentials_jwt: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = qr_card_photo(git_essentials_jwt)
    assert extract(data).payload.text == git_essentials_jwt  # the photo itself is readable
    path = tmp_path_factory.mktemp("qr-photo") / "git-essentials-card.jpg"
    path.write_bytes(data)
    return path


def open_verify_page(page: Page) -> Locator:
    """Open /verify and return its form."""
    response = page.goto("/verify", wait_until="load")
    assert response is not None and response.status == 200, response and response.status
    expect(page.locator("h1")).to_be_visible()
    return page.locator("form", has=page.locator("input[name=photo]"))


def submit(page: Page, field: Locator) -> str:
    """Press the submit button of ``field``'s form and return the result's status (``#result[data-status]``)."""
    form = field.locator("xpath=ancestor::form")
    button = form.locator("button[type=submit], button:not([type]), input[type=submit]").first
    button.scroll_into_view_if_needed()
    button.tap()
    page.wait_for_function("() => document.getElementById('result')?.dataset.status", timeout=20_000)
    return page.locator("#result").get_attribute("data-status") or ""


def listed_checks(page: Page) -> dict[str, str]:
    """Check id -> outcome, as the result lists them."""
    rows = page.locator("#result details.checks li, #result .checks li")
    checks = {}
    for row in rows.all():
        check_id = row.locator("code").first.inner_text().strip()
        checks[check_id] = row.locator(".outcome").inner_text().strip()
    return checks


def test_the_photo_field_opens_the_camera_on_a_phone(
    page: Page,
    phone: PhoneBrowser,
    accessibility_problems: Callable[[Page], list[str]],
    screenshot: Callable[..., Path],
) -> None:
    form = open_verify_page(page)
    photo = form.locator("input[name=photo]")
    assert photo.get_attribute("type") == "file"
    assert photo.get_attribute("accept") == "image/*"
    assert photo.get_attribute("capture") == "environment"
    for name in ("photo", "file", "text"):
        expect(page.locator(f"[name={name}]")).to_be_visible()
    assert accessibility_problems(page) == []
    assert horizontal_overflow(page) == 0
    screenshot(page, "verify-form", full_page=True)
    assert phone.problems(page, ignore=IGNORED) == []


def test_a_photo_of_a_printed_qr_code_verifies(
    page: Page, phone: PhoneBrowser, qr_photo: Path, screenshot: Callable[..., Path]
) -> None:
    form = open_verify_page(page)
    photo = form.locator("input[name=photo]")
    photo.set_input_files(str(qr_photo))

    status = submit(page, photo)

    assert status == "valid", page.locator("#result").inner_text()
    result = page.locator("#result")
    expect(result).to_be_visible()
    expect(result).to_contain_text("Git Essentials")
    expect(result.locator("[data-pill]")).to_contain_text("Verified")
    checks = listed_checks(page)
    assert set(checks) <= set(CHECK_IDS), set(checks) - set(CHECK_IDS)
    assert checks.get("extracted") == "passed", checks
    assert checks.get("signature") == "passed", checks
    expect(result.locator("li", has=page.locator("code", has_text="signature"))).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot(page, "verify-qr-photo-valid", full_page=True)
    assert phone.problems(page, ignore=IGNORED) == []


def test_a_pasted_credential_that_was_tampered_with_is_invalid(
    page: Page, phone: PhoneBrowser, live_site: LiveSite, screenshot: Callable[..., Path]
) -> None:
    signed = extract((live_site.home / "demo-files" / "accessible-web-design.png").read_bytes()).payload.text
    credential = json.loads(signed)
    credential["credentialSubject"]["achievement"]["name"] = "Accessible Web Design (Expert)"  # not what was signed
    form = open_verify_page(page)
    text = form.locator("[name=text]")
    text.fill(json.dumps(credential, indent=2))

    status = submit(page, text)

    assert status == "invalid", page.locator("#result").inner_text()
    result = page.locator("#result")
    expect(result.locator("[data-pill]")).to_contain_text("Not valid")
    assert listed_checks(page).get("signature") == "failed"
    assert horizontal_overflow(page) == 0
    screenshot(page, "verify-tampered-invalid", full_page=True)
    assert phone.problems(page, ignore=IGNORED) == []
