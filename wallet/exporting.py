"""Exports of single badges and of collections as files: baked images, printable cards; and expiry alerts.

* **Baked images** — :func:`baked_image` puts a badge's payload into its original PNG or SVG (every other byte kept,
  only the badge chunk or element replaced), or into a clean generated PNG when the badge came as JSON, a JWS, a URL
  or a photo of a QR code. The result imports again, here or in any other backpack, as the same badge.
* **Printable cards** — :func:`card_image` draws an A6 card (300 dpi) with the badge image, its name, issuer, dates,
  last verification status and a QR code of :func:`verification_link`; :func:`cards_pdf` makes a multi-page PDF.
* **Expiry alerts** — :func:`parse_window` and :func:`expiring_within`: badges that expire soon, as pure functions
  of the stored summaries and a given ``now``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import segno
from PIL import Image, ImageDraw, ImageFont

from verifier import Payload, VerifierError, bake, extract, summarize
from verifier.extraction import DEFAULT_LIMITS, decode_raster

from . import badge_collections
from .errors import NotFound, WalletError
from .expiry import DEFAULT_EXPIRY_WINDOW, aware, describe_window, expires_at, expiring_within, parse_window
from .shares import active_share_for_badge, share_url
from .store import BadgeRecord, Store, atomic_write
from .verification import stored_payload

__all__ = [
    "CARD_DPI",
    "CARD_SIZE",
    "DEFAULT_EXPIRY_WINDOW",
    "NO_LINK_TEXT",
    "Card",
    "ExportError",
    "Selection",
    "WrittenCard",
    "badge_filename",
    "baked_image",
    "baked_images",
    "card_image",
    "card_png",
    "check_card_path",
    "cards_pdf",
    "describe_window",
    "expires_at",
    "expiring_within",
    "parse_window",
    "render_badge_png",
    "select",
    "verification_link",
    "write_cards",
    "write_file",
    "write_images",
]

CARD_SIZE = (1240, 1748)
"""A6 portrait (105 × 148 mm) at 300 dpi."""
CARD_DPI = 300
BADGE_IMAGE_SIZE = 512
NO_LINK_TEXT = "Verify with the portfolio bundle: backpack verify"


class ExportError(WalletError):
    code = "export_invalid"


# -- choosing what to export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The badges an export covers: one badge, or a collection's badges in its order."""

    records: list[BadgeRecord]
    collection: badge_collections.Collection | None = None
    missing: tuple[str, ...] = ()
    """Badge ids the collection lists that are no longer in the backpack (skipped)."""

    @property
    def label(self) -> str:
        if self.collection is not None:
            return f"collection {self.collection.name!r}"
        return f"badge {self.records[0].id}"


def _collection_selection(store: Store, collection: badge_collections.Collection) -> Selection:
    badges = {record.id: record for record in store.list_badges()}
    records = [badges[b] for b in collection.badge_ids if b in badges]
    missing = tuple(b for b in collection.badge_ids if b not in badges)
    if not records:
        raise ExportError(f"the collection {collection.name!r} holds no badges: there is nothing to export")
    return Selection(records, collection, missing)


def select(store: Store, ref: str) -> Selection:
    """A collection (by exact name, or id prefix) or a badge (by id prefix), refusing a reference that names both."""
    try:
        collection: badge_collections.Collection | None = badge_collections.get_collection(store, ref)
    except NotFound:
        collection = None
    if collection is not None and collection.name.casefold() == " ".join(ref.split()).casefold():
        return _collection_selection(store, collection)
    try:
        record: BadgeRecord | None = store.get_badge(ref)
    except NotFound:
        record = None
    if record is not None and collection is not None:
        raise ExportError(f"{ref!r} is both a badge id and a collection id: give more characters, or the name")
    if collection is not None:
        return _collection_selection(store, collection)
    if record is not None:
        return Selection([record])
    raise NotFound(f"no collection or badge {ref!r} in this backpack")


# -- file names -------------------------------------------------------------------------------------------------


def _slug(text: str, max_length: int = 48) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "badge"


def badge_filename(record: BadgeRecord, suffix: str) -> str:
    """A safe file name for a badge: ``python-foundations-1a2b3c4d5e.png``."""
    return f"{_slug(record.summary.get('name') or '')}-{record.id}{suffix}"


# -- drawing helpers --------------------------------------------------------------------------------------------

_FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


@functools.lru_cache(maxsize=32)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(_FONT_FILES[bold], size)  # found in the system font folders when installed
    except OSError:
        return ImageFont.load_default(size)  # Pillow's own font: Latin only, but always there


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int, max_lines: int) -> list[str]:
    """Lines of ``text`` that fit ``width`` pixels, at most ``max_lines`` (the last one ends with … when cut)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while draw.textlength(current, font=font) > width and len(current) > 1:  # one word wider than the line
            cut = len(current) - 1
            while cut > 1 and draw.textlength(current[:cut], font=font) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


_PALETTE = ["#3f6fb5", "#2f8f6b", "#8a3fb5", "#b5563f", "#2f6f8f", "#8f2f5a", "#6b7a2f", "#b58a3f"]


def render_badge_png(name: str, issuer: str | None, *, seed: str = "", size: int = BADGE_IMAGE_SIZE) -> bytes:
    """A clean generated badge image (PNG): a coloured disc with the badge's name and its issuer."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = _PALETTE[int(hashlib.sha256((seed or name).encode()).hexdigest(), 16) % len(_PALETTE)]
    unit = size / 512
    draw.ellipse((8 * unit, 8 * unit, size - 8 * unit, size - 8 * unit), fill=colour)
    draw.ellipse((28 * unit, 28 * unit, size - 28 * unit, size - 28 * unit), outline="white", width=round(6 * unit))
    title_font = _font(round(48 * unit), bold=True)
    lines = _wrap(draw, name or "Open Badge", title_font, round(340 * unit), 3)
    issuer_font = _font(round(26 * unit))
    issuer_lines = _wrap(draw, issuer, issuer_font, round(300 * unit), 2) if issuer else []
    line_height, issuer_height = round(58 * unit), round(32 * unit)
    total = len(lines) * line_height + (round(20 * unit) + len(issuer_lines) * issuer_height if issuer_lines else 0)
    y = (size - total) / 2
    for line in lines:
        draw.text((size / 2, y + line_height / 2), line, fill="white", font=title_font, anchor="mm")
        y += line_height
    y += round(20 * unit)
    for line in issuer_lines:
        draw.text((size / 2, y + issuer_height / 2), line, fill=(255, 255, 255, 220), font=issuer_font, anchor="mm")
        y += issuer_height
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _display_name(record: BadgeRecord) -> str:
    # The name the rest of the backpack shows (the file's name when the badge has none), never a "(hosted: …)" note.
    name = record.display_name
    return "Open Badge" if name.startswith("(") else name


def _issuer(record: BadgeRecord) -> str | None:
    value = record.summary.get("issuer_name") or record.summary.get("issuer_id")
    return str(value) if value else None


def _generated_image(record: BadgeRecord) -> bytes:
    return render_badge_png(_display_name(record), _issuer(record), seed=record.key)


# -- baked images -----------------------------------------------------------------------------------------------


def baked_payload(store: Store, record: BadgeRecord) -> Payload:
    """What gets baked: the stored payload as imported (assertion JSON or hosted URL, credential JSON, JWS/VC-JWT)."""
    payload = stored_payload(store, record)
    if payload.problem:
        raise ExportError(f"badge {record.id} cannot be baked: {payload.problem}")
    return payload


def _original_image(store: Store, record: BadgeRecord) -> bytes | None:
    """The original baked PNG or SVG the badge came in, if it did (not a photo of a QR code, not text)."""
    if record.source.container not in ("png", "svg"):
        return None
    try:
        return store.read_blob(record.source.blob)
    except NotFound:
        return None


def baked_image(store: Store, record: BadgeRecord) -> tuple[str, bytes]:
    """The badge baked into an image: ``(file name, bytes)``, a ``.png`` or an ``.svg``.

    The original PNG/SVG is reused when the badge came in one (only its badge chunk or element is replaced);
    otherwise a generated PNG carries it. The result is checked: extracting it gives back the same payload text.
    """
    payload = baked_payload(store, record)
    original = _original_image(store, record)
    data: bytes | None = None
    if original is not None:
        try:
            data = bake(original, payload)
        except VerifierError:
            data = None  # an original that cannot be baked again: fall back to a generated image
    if data is None:
        data = bake(_generated_image(record), payload)
    suffix = ".png" if data.startswith(b"\x89PNG") else ".svg"
    try:
        baked_text = extract(data).payload.text
    except VerifierError as exc:
        raise ExportError(f"badge {record.id}: the baked image does not read back ({exc})") from exc
    if baked_text != payload.text:
        raise ExportError(f"badge {record.id}: the baked image does not read back as the same badge")
    return badge_filename(record, suffix), data


def baked_images(store: Store, selection: Selection) -> list[tuple[str, bytes]]:
    """Every badge of the selection baked; in a collection, in its order with the step number first (``01-…``)."""
    files = [baked_image(store, record) for record in selection.records]
    if selection.collection is None:
        return files
    width = max(2, len(str(len(files))))
    return [(f"{step:0{width}d}-{name}", data) for step, (name, data) in enumerate(files, start=1)]


def write_file(path: Path, data: bytes) -> None:
    """Write an exported file (readable by others: it is meant to be shared), refusing a missing parent folder."""
    if path.is_dir():
        raise ExportError(f"{path} is a folder: give a file name")
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: the folder {path.parent} does not exist")
    atomic_write(path, data, mode=0o644)


def write_images(files: Sequence[tuple[str, bytes]], output: Path) -> list[str]:
    """Write the files into the folder ``output`` (created if needed), or a zip archive when it ends in ``.zip``.

    Returns what was written (paths, or the archive's member names).
    """
    if output.suffix.lower() == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in files:
                archive.writestr(zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6]), data)
        write_file(output, buffer.getvalue())
        return [name for name, _ in files]
    if output.exists() and not output.is_dir():
        raise ExportError(f"{output} exists and is not a folder (give a folder, or a file name ending in .zip)")
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files:
        atomic_write(output / name, data, mode=0o644)
        written.append(str(output / name))
    return written


# -- verification link and QR code --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _qr_code(text: str) -> segno.QRCode | None:
    """A (never Micro) QR code of ``text`` at error correction level M, or ``None`` when it holds too much."""
    try:
        return segno.make_qr(text, error="m")
    except segno.DataOverflowError:
        return None


def _http_url(value: Any, *, https_only: bool = False) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value.startswith("https://") or (not https_only and value.startswith("http://")):
        return value if not any(c.isspace() for c in value) else None
    return None


def _hosted_url(payload: Payload) -> str | None:
    """The URL an OB 1.x/2.0 hosted assertion is verified at."""
    claims = payload.credential or {}
    verification = claims.get("verification") if isinstance(claims.get("verification"), dict) else None
    if verification is not None:
        kind = str(verification.get("type", "")).casefold()
        if kind in ("hosted", "hostedbadge"):
            return _http_url(claims.get("id"))
        return None
    verify = claims.get("verify") if isinstance(claims.get("verify"), dict) else None  # OB 1.0
    if verify is not None and str(verify.get("type", "")).casefold() == "hosted":
        return _http_url(verify.get("url"))
    if payload.version in ("ob0", "ob1", "ob2") and "verification" not in claims and "verify" not in claims:
        return _http_url(claims.get("id"))  # OB 2.0 assertions are hosted unless they say otherwise
    return None


def verification_link(store: Store, record: BadgeRecord) -> str | None:
    """What the card's QR code encodes so that a scan leads to the badge's verification, or ``None``.

    The badge's share page when it is shared (``backpack share ID``); else the hosted assertion URL for hosted badges
    (and any badge held as a URL); for signed badges the compact JWS/VC-JWT when it fits in a QR code; else the
    credential's id when it is an https URL.
    """
    share = active_share_for_badge(store, record.id)
    if share is not None:  # the badge's own share page: a verified view a phone opens directly
        return share_url(store, share)
    payload = stored_payload(store, record)
    candidates: list[str | None] = []
    if payload.kind == "url":
        candidates.append(_http_url(payload.text))
    elif payload.version in ("ob0", "ob1", "ob2") and payload.kind == "json":
        candidates.append(_hosted_url(payload))
    if payload.kind == "jws" and not payload.problem:
        candidates.append(payload.text)
    candidates.append(_http_url((payload.credential or {}).get("id"), https_only=True))
    for candidate in candidates:
        if candidate and _qr_code(candidate) is not None:
            return candidate
    return None


# -- printable cards ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    image: Image.Image
    link: str | None
    """What the QR code encodes; ``None`` when the card carries no QR code."""


def _raster_from_data_uri(value: str | None) -> bytes | None:
    match = re.match(r"data:image/(png|jpeg|gif|webp);base64,(.*)", value or "", re.DOTALL)
    if not match:
        return None
    try:
        return base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError):
        return None


def _badge_picture(store: Store, record: BadgeRecord) -> Image.Image:
    """The badge's own raster image when there is one (the baked PNG, an image inside the payload), else generated.

    SVG images cannot be rendered here: they get the generated image.
    """
    sources: list[bytes | None] = []
    if record.source.container == "png":
        sources.append(_original_image(store, record))
    try:
        sources.append(_raster_from_data_uri(summarize(stored_payload(store, record)).image))
    except VerifierError:
        pass
    for data in sources:
        if not data:
            continue
        try:
            picture = decode_raster(data, limits=DEFAULT_LIMITS)
        except VerifierError:
            continue
        return picture.convert("RGBA")
    return Image.open(io.BytesIO(_generated_image(record))).convert("RGBA")


def _date(value: str | None) -> str | None:
    return value[:10] if value else None


def _status_text(record: BadgeRecord) -> str:
    if not record.verification:
        return "Not verified yet"
    status = str(record.verification.get("status") or "unchecked")
    checked = _date(str(record.verification.get("checked_at") or "")) or "?"
    return f"Status at last check ({checked}): {status}"


_INK = (34, 34, 51)
_MUTED = (96, 96, 116)
_STATUS_COLOURS = {"valid": (30, 120, 60), "expired": (160, 110, 0), "revoked": (180, 30, 30), "invalid": (180, 30, 30)}


def card_image(store: Store, record: BadgeRecord, *, now: datetime | None = None) -> Card:
    """A printable card (A6 portrait at 300 dpi) for one badge, with a QR code of :func:`verification_link`."""
    now = aware(now or datetime.now(UTC))
    width, height = CARD_SIZE
    margin = 80
    inner = width - 2 * margin
    card = Image.new("RGB", CARD_SIZE, "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle((24, 24, width - 25, height - 25), outline=(200, 200, 210), width=3)
    draw.text((width / 2, 70), "OPEN BADGE", fill=_MUTED, font=_font(30, bold=True), anchor="mm")

    picture = _badge_picture(store, record)
    factor = 420 / max(picture.size)
    picture = picture.resize(
        (max(1, round(picture.width * factor)), max(1, round(picture.height * factor))), Image.Resampling.LANCZOS
    )
    card.paste(picture, ((width - picture.width) // 2, 110 + (420 - picture.height) // 2), picture)
    y = 560

    title_font = _font(60, bold=True)
    for line in _wrap(draw, _display_name(record), title_font, inner, 2):
        draw.text((width / 2, y), line, fill=_INK, font=title_font, anchor="ma")
        y += 72
    issuer = _issuer(record)
    if issuer:
        issuer_font = _font(38)
        for line in _wrap(draw, f"Issued by {issuer}", issuer_font, inner, 2):
            draw.text((width / 2, y + 6), line, fill=_MUTED, font=issuer_font, anchor="ma")
            y += 48
    y += 24
    detail_font = _font(34)
    issued, expires = _date(record.summary.get("issued_on")), _date(record.summary.get("expires"))
    dates = [f"Issued {issued}" if issued else None]
    if expires:
        expiry = expires_at(record)
        dates.append(f"Expired {expires}" if expiry is not None and expiry <= now else f"Expires {expires}")
    date_line = " · ".join(d for d in dates if d)
    if date_line:
        draw.text((width / 2, y), date_line, fill=_INK, font=detail_font, anchor="ma")
        y += 46
    status = str(record.verification.get("status")) if record.verification else "unchecked"
    draw.text(
        (width / 2, y), _status_text(record), fill=_STATUS_COLOURS.get(status, _MUTED), font=detail_font, anchor="ma"
    )
    y += 46

    link = verification_link(store, record)
    caption_font = _font(30)
    bottom = height - 60
    if link is None:
        middle = (y + bottom) // 2
        draw.text((width / 2, middle), NO_LINK_TEXT, fill=_INK, font=_font(34), anchor="md")
        identifier = record.key.removeprefix("id:")
        for line in _wrap(draw, identifier, _font(26), inner, 3):
            middle += 40
            draw.text((width / 2, middle), line, fill=_MUTED, font=_font(26), anchor="md")
        return Card(card, None)
    code = _qr_code(link)
    assert code is not None  # verification_link only returns texts that fit
    area = bottom - 50 - (y + 30)
    modules = code.symbol_size(scale=1, border=4)[0]
    scale = max(3, min(area, 600) // modules)  # 3 pixels a module (0.25 mm) still scans for the largest codes
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    qr_top = y + 30 + max(0, (area - qr.height) // 2)
    card.paste(qr, ((width - qr.width) // 2, qr_top))
    draw.text((width / 2, bottom), "Scan to verify this badge", fill=_MUTED, font=caption_font, anchor="md")
    return Card(card, link)


def card_png(store: Store, record: BadgeRecord, *, now: datetime | None = None) -> tuple[bytes, str | None]:
    """The card as PNG bytes (300 dpi), and the link its QR code encodes."""
    card = card_image(store, record, now=now)
    out = io.BytesIO()
    card.image.save(out, "PNG", dpi=(CARD_DPI, CARD_DPI))
    return out.getvalue(), card.link


def cards_pdf(
    store: Store, records: Sequence[BadgeRecord], *, now: datetime | None = None
) -> tuple[bytes, list[str | None]]:
    """One card per page (A6 at 300 dpi) as PDF bytes, and the link of each page's QR code."""
    if not records:
        raise ExportError("no badges to put on cards")
    cards = [card_image(store, record, now=now) for record in records]
    out = io.BytesIO()
    first, *rest = [card.image for card in cards]
    first.save(
        out,
        "PDF",
        save_all=True,
        append_images=rest,
        resolution=float(CARD_DPI),
        quality=90,
        subsampling=0,
        title="Open Badges",
    )
    return out.getvalue(), [card.link for card in cards]


@dataclass(frozen=True)
class WrittenCard:
    record: BadgeRecord
    target: str
    """The file written (``FILE.pdf page 2`` for a page of a PDF)."""
    link: str | None
    """What the card's QR code encodes (None: the card says to verify the portfolio bundle instead)."""


def check_card_path(output: Path) -> None:
    """Refuse a card file name that is neither ``.png`` nor ``.pdf`` (before any drawing)."""
    if output.suffix.lower() not in (".png", ".pdf"):
        raise ExportError(f"a card file name ends in .png or .pdf, not {output.name!r}")


def write_cards(store: Store, selection: Selection, output: Path, *, now: datetime | None = None) -> list[WrittenCard]:
    """Write printable cards: one PDF with a page per badge, or PNG files (``FILE.png`` for one badge,
    ``FILE-1.png``, ``FILE-2.png``… for a collection)."""
    check_card_path(output)
    if output.suffix.lower() == ".pdf":
        data, links = cards_pdf(store, selection.records, now=now)
        write_file(output, data)
        return [
            WrittenCard(record, f"{output} page {page}", link)
            for page, (record, link) in enumerate(zip(selection.records, links, strict=True), start=1)
        ]
    written = []
    single = selection.collection is None
    for step, record in enumerate(selection.records, start=1):
        data, link = card_png(store, record, now=now)
        target = output if single else output.with_name(f"{output.stem}-{step}{output.suffix}")
        write_file(target, data)
        written.append(WrittenCard(record, str(target), link))
    return written
