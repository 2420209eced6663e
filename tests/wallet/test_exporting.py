"""Exports of badges as files (baked images, printable cards) and expiry alerts, at the library level."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import struct
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from pyzbar import pyzbar

from verifier import NoBadgeFound, bake, classify_payload, extract
from verifier._baking import png as png_baking
from wallet import badge_collections as collections
from wallet import exporting
from wallet.importer import LoadedSource, import_bytes
from wallet.store import BadgeRecord, Store

HOSTED_URL = "https://badges.open-learning-lab.example/assertions/python-foundations.json"
MENTOR_URL = "https://badges.open-learning-lab.example/assertions/community-mentor.json"
DEMO_SOURCES = {  # demo file -> the kind of image its badge bakes into
    "python-foundations.png": ".png",  # OB 2.0 hosted, JSON baked in a PNG
    "spreadsheet-basics.png": ".png",
    "data-literacy.svg": ".svg",  # OB 2.0 signed (JWS) in an SVG
    "accessible-web-design.png": ".png",  # OB 3.0 Data Integrity JSON in a PNG
    "team-leadership.svg": ".svg",  # OB 3.0 Data Integrity JSON in an SVG
    "cloud-fundamentals.png": ".png",
    "git-essentials.svg": ".svg",  # OB 3.0 VC-JWT in an SVG
    "community-mentor-card.jpg": ".png",  # a photo of a QR code: a generated PNG carries the URL
}


def import_one(store: Store, name: str, data: bytes) -> BadgeRecord:
    [(record, _created)] = import_bytes(store, LoadedSource("file", name, data))
    return record


def payload_text(store: Store, record: BadgeRecord) -> str:
    return store.read_blob(record.payload_blob).decode("utf-8")


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def is_badge_chunk(chunk: tuple[bytes, bytes]) -> bool:
    kind, body = chunk
    return kind in (b"tEXt", b"zTXt", b"iTXt") and body.partition(b"\0")[0].decode("latin-1") in (
        png_baking.BADGE_KEYWORDS
    )


def baked_keyword(data: bytes) -> str:
    [chunk] = png_baking.read_badge_chunks(data)
    assert chunk.chunk_type == "iTXt" and not chunk.compressed
    return chunk.keyword


def fake_jws(claims: dict[str, object]) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'EdDSA', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def ob3_claims(credential_id: str, description: str = "A test credential.") -> dict[str, object]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Test Academy"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {"name": "Test", "description": description},
        },
    }


@pytest.fixture
def other_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "other-backpack")


# -- baked images ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "suffix"), sorted(DEMO_SOURCES.items()))
def test_baked_image_round_trips_to_the_same_badge(
    store: Store, other_store: Store, demo_file_bytes: dict[str, bytes], name: str, suffix: str
) -> None:
    original = demo_file_bytes[name]
    record = import_one(store, name, original)
    filename, data = exporting.baked_image(store, record)

    assert filename == f"{exporting.badge_filename(record, suffix)}" and filename.endswith(f"-{record.id}{suffix}")
    assert extract(data).payload.text == payload_text(store, record)
    again = import_one(other_store, filename, data)
    assert (again.key, again.id, again.version) == (record.key, record.id, record.version)
    assert payload_text(other_store, again) == payload_text(store, record)
    assert again.summary == record.summary
    if name.endswith((".png", ".svg")):
        assert data == original  # the badge already baked there is replaced by itself: not one byte changes
    else:
        assert Image.open(io.BytesIO(data)).size == (512, 512)


def test_only_the_badge_chunk_of_an_original_png_is_replaced(store: Store, other_store: Store) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Studio Badge")
    info.add_text("openbadges", HOSTED_URL)  # a legacy tEXt bake (OB 1.0 bakers wrote tEXt)
    info.add_text("Comment", "made for the test", zip=True)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, "PNG", pnginfo=info, dpi=(144, 144))
    original = out.getvalue()
    record = import_one(store, "legacy.png", original)
    assert record.payload_kind == "url"

    filename, data = exporting.baked_image(store, record)

    assert filename.endswith(".png")
    assert [c for c in png_chunks(data) if not is_badge_chunk(c)] == [
        c for c in png_chunks(original) if not is_badge_chunk(c)
    ]
    assert [c[0] for c in png_chunks(original) if is_badge_chunk(c)] == [b"tEXt"]
    assert [c[0] for c in png_chunks(data) if is_badge_chunk(c)] == [b"iTXt"]  # the standard chunk now
    assert extract(data).payload.text == HOSTED_URL
    assert import_one(other_store, filename, data).key == record.key


def test_an_original_svg_keeps_its_drawing(store: Store, demo_file_bytes: dict[str, bytes]) -> None:
    svg = demo_file_bytes["team-leadership.svg"].replace(b"</svg>", b'<circle r="3" id="mine"/></svg>')
    record = import_one(store, "edited.svg", svg)
    _filename, data = exporting.baked_image(store, record)
    assert data == svg
    assert b'<circle r="3" id="mine"/>' in data


@pytest.mark.parametrize(
    ("kind", "keyword"),
    [
        ("ob2-json", "openbadges"),
        ("ob2-url", "openbadges"),
        ("ob3-json", "openbadgecredential"),
        ("vc-jwt", "openbadgecredential"),
    ],
)
def test_text_sources_are_baked_into_a_generated_png(
    store: Store, other_store: Store, demo_file_bytes: dict[str, bytes], kind: str, keyword: str
) -> None:
    texts = {
        "ob2-json": extract(demo_file_bytes["python-foundations.png"]).payload.text,
        "ob2-url": HOSTED_URL,
        "ob3-json": extract(demo_file_bytes["accessible-web-design.png"]).payload.text,
        "vc-jwt": extract(demo_file_bytes["git-essentials.svg"]).payload.text,
    }
    record = import_one(store, f"{kind}.txt", texts[kind].encode())
    assert record.source.container == "text"

    filename, data = exporting.baked_image(store, record)

    assert filename.endswith(".png") and Image.open(io.BytesIO(data)).size == (512, 512)
    assert baked_keyword(data) == keyword
    assert extract(data).payload.text == texts[kind]
    again = import_one(other_store, filename, data)
    assert (again.key, again.id) == (record.key, record.id)
    assert payload_text(other_store, again) == texts[kind]


def test_a_payload_that_does_not_parse_is_refused(store: Store) -> None:
    record = import_one(store, "ok.json", json.dumps(ob3_claims("https://example.org/c/1")).encode())
    broken = dataclasses.replace(record, payload_blob=store.put_blob(b'{"id": "https://example.org/c/1",'))
    with pytest.raises(exporting.ExportError, match="cannot be baked"):
        exporting.baked_image(store, broken)


def test_file_names_are_safe_slugs(store: Store, demo_file_bytes: dict[str, bytes]) -> None:
    record = import_one(store, "a.png", demo_file_bytes["python-foundations.png"])
    odd = dataclasses.replace(record, summary={**record.summary, "name": "Ünïcode / ../../etc/passwd ☁ Ca$h"})
    assert exporting.badge_filename(odd, ".png") == f"unicode-etc-passwd-ca-h-{record.id}.png"
    nameless = dataclasses.replace(record, summary={**record.summary, "name": None})
    assert exporting.badge_filename(nameless, ".svg") == f"badge-{record.id}.svg"
    long = dataclasses.replace(record, summary={**record.summary, "name": "x " * 100})
    assert len(exporting.badge_filename(long, ".png")) < 70


def test_collection_images_follow_the_collection_order(
    store: Store, other_store: Store, demo_file_bytes: dict[str, bytes], tmp_path: Path
) -> None:
    names = ["git-essentials.svg", "python-foundations.png", "community-mentor-card.jpg"]
    records = [import_one(store, name, demo_file_bytes[name]) for name in names]
    collections.create_collection(store, "Path")
    collections.add_badges(store, "Path", [r.id for r in records])
    collections.reorder(store, "Path", [records[1].id])
    selection = exporting.select(store, "Path")

    files = exporting.baked_images(store, selection)

    assert [name for name, _ in files] == [
        f"01-badge-{records[1].id}.png",  # an OB 2.0 hosted badge is nameless until verification fetched its class
        f"02-git-essentials-{records[0].id}.svg",
        f"03-badge-{records[2].id}.png",
    ]
    folder = tmp_path / "out" / "images"
    written = exporting.write_images(files, folder)
    assert sorted(Path(p).name for p in written) == sorted(p.name for p in folder.iterdir())
    archive = tmp_path / "images.zip"
    exporting.write_images(files, archive)
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == [name for name, _ in files]
        for name, data in files:
            assert opened.read(name) == data
            import_one(other_store, name, data)
    assert {r.id for r in other_store.list_badges()} == {r.id for r in records}


def test_write_images_refuses_a_file_where_a_folder_is_wanted(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    with pytest.raises(exporting.ExportError, match="not a folder"):
        exporting.write_images([("a.png", b"x")], blocker)


def test_select_resolves_collections_and_badges(store: Store, demo_file_bytes: dict[str, bytes]) -> None:
    record = import_one(store, "a.png", demo_file_bytes["python-foundations.png"])
    created = collections.create_collection(store, "Job profile")
    with pytest.raises(exporting.ExportError, match="holds no badges"):
        exporting.select(store, "job profile")
    collections.add_badges(store, created.id, [record.id])
    assert exporting.select(store, "Job Profile").collection == collections.get_collection(store, created.id)
    assert exporting.select(store, created.id[:6]).collection is not None
    single = exporting.select(store, record.id[:5])
    assert single.collection is None and single.records == [record]
    with pytest.raises(exporting.NotFound, match="no collection or badge"):
        exporting.select(store, "nothing-like-this")


def test_select_skips_badges_gone_from_the_backpack(store: Store, demo_file_bytes: dict[str, bytes]) -> None:
    kept = import_one(store, "a.png", demo_file_bytes["python-foundations.png"])
    gone = import_one(store, "b.png", demo_file_bytes["spreadsheet-basics.png"])
    collections.create_collection(store, "Path")
    collections.add_badges(store, "Path", [kept.id, gone.id])
    store.remove_badge(gone.id)  # without remove_badge_everywhere: an older backpack may hold such a collection
    selection = exporting.select(store, "Path")
    assert selection.records == [kept] and selection.missing == (gone.id,)


# -- verification link -----------------------------------------------------------------------------------------------


def test_verification_link_of_the_demo_badges(store: Store, demo_file_bytes: dict[str, bytes]) -> None:
    def link(name: str) -> str | None:
        return exporting.verification_link(store, import_one(store, name, demo_file_bytes[name]))

    assert link("python-foundations.png") == HOSTED_URL  # OB 2.0 hosted: the assertion URL
    assert link("community-mentor-card.jpg") == MENTOR_URL  # held as a URL
    assert link("data-literacy.svg") == extract(demo_file_bytes["data-literacy.svg"]).payload.text  # OB 2.0 JWS
    assert link("git-essentials.svg") == extract(demo_file_bytes["git-essentials.svg"]).payload.text  # VC-JWT
    assert link("accessible-web-design.png") is None  # Data Integrity JSON, urn:uuid id: nothing to scan


def test_verification_link_of_signed_badges_falls_back_to_an_https_id(store: Store) -> None:
    def link(text: str) -> str | None:
        return exporting.verification_link(store, import_one(store, "t.txt", text.encode()))

    assert link(json.dumps(ob3_claims("https://academy.example/credentials/7"))) == (
        "https://academy.example/credentials/7"
    )
    assert link(json.dumps(ob3_claims("http://academy.example/credentials/8"))) is None  # https only
    small = fake_jws(ob3_claims("urn:uuid:1"))
    assert link(small) == small
    too_big = "x" * 3000  # no QR code holds a JWS this long
    assert link(fake_jws(ob3_claims("https://academy.example/credentials/9", too_big))) == (
        "https://academy.example/credentials/9"
    )
    assert link(fake_jws(ob3_claims("urn:uuid:2", too_big))) is None


# -- printable cards ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["python-foundations.png", "git-essentials.svg", "community-mentor-card.jpg"])
def test_card_png_holds_a_qr_code_of_the_verification_link(
    store: Store, demo_file_bytes: dict[str, bytes], name: str
) -> None:
    record = import_one(store, name, demo_file_bytes[name])
    data, link = exporting.card_png(store, record)
    assert link is not None and link == exporting.verification_link(store, record)
    card = Image.open(io.BytesIO(data))
    assert card.size == exporting.CARD_SIZE and card.format == "PNG"
    assert tuple(round(v) for v in card.info["dpi"]) == (300, 300)
    extraction = extract(data)  # no baked chunk in a card: the QR code is what is found
    assert extraction.container == "image" and extraction.payload.text == link


def test_card_without_a_link_has_no_qr_code(store: Store, demo_file_bytes: dict[str, bytes]) -> None:
    record = import_one(store, "a.png", demo_file_bytes["accessible-web-design.png"])
    data, link = exporting.card_png(store, record)
    assert link is None
    with pytest.raises(NoBadgeFound):
        extract(data)


def test_card_uses_the_badge_raster_or_an_embedded_image(store: Store) -> None:
    red = io.BytesIO()
    Image.new("RGB", (40, 40), (220, 0, 0)).save(red, "PNG")
    claims = ob3_claims("urn:uuid:3")
    claims["credentialSubject"]["achievement"]["image"] = {  # type: ignore[index]
        "id": "data:image/png;base64," + base64.b64encode(red.getvalue()).decode(),
        "type": "Image",
    }
    record = import_one(store, "c.json", json.dumps(claims).encode())
    card = exporting.card_image(store, record).image
    assert card.getpixel((exporting.CARD_SIZE[0] // 2, 320)) == (220, 0, 0)  # the middle of the badge picture


def test_cards_pdf_has_a_page_per_badge(store: Store, demo_file_bytes: dict[str, bytes]) -> None:
    names = ["python-foundations.png", "accessible-web-design.png", "git-essentials.svg"]
    records = [import_one(store, name, demo_file_bytes[name]) for name in names]
    data, links = exporting.cards_pdf(store, records)
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == 3
    assert re.search(rb"/Count 3\b", data)
    assert links[0] == HOSTED_URL and links[1] is None
    # Each page is the card image: its QR code still scans after the PDF's JPEG compression.
    streams = list(re.finditer(rb"/Length (\d+)\s*>>\s*stream\r?\n", data))
    jpegs = [data[m.end() : m.end() + int(m.group(1))] for m in streams if data[m.end() : m.end() + 2] == b"\xff\xd8"]
    pages = [Image.open(io.BytesIO(jpeg)) for jpeg in jpegs]
    assert [page.size for page in pages] == [exporting.CARD_SIZE] * 3
    scanned = [[r.data.decode() for r in pyzbar.decode(page.convert("L"))] for page in pages]
    assert sorted(map(str, scanned)) == sorted(map(str, [[link] if link else [] for link in links]))


def test_cards_pdf_needs_badges(store: Store) -> None:
    with pytest.raises(exporting.ExportError):
        exporting.cards_pdf(store, [])


# -- expiry alerts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"), [("30d", 30), ("30", 30), ("4w", 28), (" 7D ", 7), ("0", 0), ("365d", 365), ("2 w", 14)]
)
def test_parse_window(text: str, days: int) -> None:
    assert exporting.parse_window(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "d", "30x", "-3d", "3.5d", "30dd", "1m", "thirty", "123456d"])
def test_parse_window_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        exporting.parse_window(text)


def _record(badge_id: str, expires: str | None) -> BadgeRecord:
    return BadgeRecord.from_dict(
        {
            "id": badge_id,
            "key": f"id:urn:{badge_id}",
            "version": "ob2",
            "payload_kind": "json",
            "payload_blob": "0" * 64,
            "summary": {"name": badge_id, "expires": expires},
            "source": {
                "kind": "file",
                "ref": "x",
                "blob": "0" * 64,
                "media_type": "",
                "container": "text",
                "location": "",
            },
            "imported_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
    )


def test_expiring_within_keeps_badges_expiring_in_the_window_soonest_first() -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    records = [
        _record("in-20-days", "2026-06-21T12:00:00Z"),
        _record("in-3-days", "2026-06-04T00:00:00+02:00"),
        _record("date-only", "2026-06-10"),
        _record("at-the-edge", "2026-07-01T12:00:00Z"),  # exactly 30 days: within
        _record("just-after", "2026-07-01T12:00:01Z"),
        _record("already-expired", "2026-05-31T00:00:00Z"),
        _record("expires-now", "2026-06-01T12:00:00Z"),  # expired at `now`: not "expiring"
        _record("never", None),
        _record("garbage", "soon"),
    ]
    soon = exporting.expiring_within(records, timedelta(days=30), now=now)
    assert [r.id for r in soon] == ["in-3-days", "date-only", "in-20-days", "at-the-edge"]
    assert [r.id for r in exporting.expiring_within(records, timedelta(days=5), now=now)] == ["in-3-days"]
    assert exporting.expiring_within(records, timedelta(0), now=now) == []
    naive = datetime(2026, 6, 1, 12, 0)  # a naive `now` is UTC
    assert exporting.expiring_within(records, timedelta(days=30), now=naive) == soon
    other_zone = now.astimezone(timezone(timedelta(hours=-7)))
    assert exporting.expiring_within(records, timedelta(days=30), now=other_zone) == soon


def test_expires_at_reads_the_summary() -> None:
    assert exporting.expires_at(_record("a", "2026-06-04T00:00:00+02:00")) == datetime(2026, 6, 3, 22, tzinfo=UTC)
    assert exporting.expires_at(_record("b", None)) is None
    assert exporting.expires_at(_record("c", "31/12/2026")) is None


def test_describe_window() -> None:
    assert exporting.describe_window(timedelta(days=1)) == "1 day"
    assert exporting.describe_window(timedelta(days=28)) == "28 days"


def test_bake_of_a_png_source_is_the_verifier_bake(store: Store) -> None:
    """The baked image is exactly what ``verifier.bake`` makes of the original: no re-encoding of the pixels."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "navy").save(out, "PNG")
    original = bake(out.getvalue(), classify_payload(HOSTED_URL))
    record = import_one(store, "p.png", original)
    _name, data = exporting.baked_image(store, record)
    assert data == original
