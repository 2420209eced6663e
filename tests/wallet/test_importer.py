"""Import: files, folders and URLs to stored (unverified) badges."""

from __future__ import annotations

import io
import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import segno
from PIL import Image

from verifier import FetchPolicy, MalformedInput, bake, classify_payload, extract
from wallet.errors import StoreError
from wallet.importer import ImportResult, LoadedSource, expand_sources, import_bytes, import_sources
from wallet.store import Store

PYTHON_FOUNDATIONS_ID = "https://badges.open-learning-lab.example/assertions/python-foundations.json"


def plain_png(colour: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(out, "PNG")
    return out.getvalue()


def assertion(slug: str) -> dict[str, object]:
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"https://issuer.example/assertions/{slug}.json",
        "recipient": {"type": "email", "hashed": False, "identity": "ada@example.com"},
        "badge": {"type": "BadgeClass", "name": f"Badge {slug}", "issuer": {"name": "Test Issuer"}},
        "verification": {"type": "hosted"},
        "issuedOn": "2026-01-01T00:00:00Z",
    }


def baked_png(slug: str) -> bytes:
    return bake(plain_png(), classify_payload(json.dumps(assertion(slug))))


def qr_png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def only_ok(results: list[ImportResult]) -> list[ImportResult]:
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    return results


# -- one file of each kind ------------------------------------------------------------------------------------------


# The demo's OB 2.0 assertions reference their badge class by URL: their summary has no name until verification
# fetches it (see tests/wallet/test_verification.py); OB 3.0 credentials embed their achievement.
DEMO_FILE_CASES = [
    ("python-foundations.png", "ob2", "json", "png", "image/png", "PNG iTXt 'openbadges'", None),
    ("spreadsheet-basics.png", "ob2", "json", "png", "image/png", "PNG iTXt 'openbadges'", None),
    ("data-literacy.svg", "ob2", "jws", "svg", "image/svg+xml", "SVG <assertion> verify", None),
    (
        "accessible-web-design.png",
        "ob3",
        "json",
        "png",
        "image/png",
        "PNG iTXt 'openbadgecredential'",
        "Accessible Web Design",
    ),
    (
        "cloud-fundamentals.png",
        "ob3",
        "json",
        "png",
        "image/png",
        "PNG iTXt 'openbadgecredential'",
        "Cloud Fundamentals",
    ),
    ("team-leadership.svg", "ob3", "json", "svg", "image/svg+xml", "SVG <credential> body", "Team Leadership"),
    ("git-essentials.svg", "ob3", "jws", "svg", "image/svg+xml", "SVG <credential> verify", "Git Essentials"),
    ("community-mentor-card.jpg", "unknown", "url", "image", "image/jpeg", "QR code 1", None),
]


def test_the_cases_cover_every_demo_file(demo_file_bytes: dict[str, bytes]) -> None:
    assert sorted(case[0] for case in DEMO_FILE_CASES) == sorted(demo_file_bytes)
    assert len(DEMO_FILE_CASES) == 8


@pytest.mark.parametrize(
    ("name", "version", "payload_kind", "container", "media_type", "location", "title"), DEMO_FILE_CASES
)
def test_each_demo_file_imports_as_one_badge(
    store: Store,
    badge_files: dict[str, Path],
    name: str,
    version: str,
    payload_kind: str,
    container: str,
    media_type: str,
    location: str,
    title: str | None,
) -> None:
    path = badge_files[name]
    results = only_ok(list(import_sources(store, [str(path)])))
    assert len(results) == 1
    result = results[0]
    assert result.created is True and result.source == str(path)
    record = result.record
    assert record is not None
    assert (record.version, record.payload_kind) == (version, payload_kind)
    assert (record.source.kind, record.source.ref) == ("file", str(path))
    assert (record.source.container, record.source.media_type, record.source.location) == (
        container,
        media_type,
        location,
    )
    assert record.summary["name"] == title
    assert record.verification is None  # importing stores; verifying is a separate step
    # The original file and the payload text are both kept, byte for byte.
    assert store.read_blob(record.source.blob) == path.read_bytes()
    expected_payload = extract(path.read_bytes()).payload
    assert store.read_blob(record.payload_blob).decode() == expected_payload.text
    assert record.key == f"id:{expected_payload.badge_id}"
    assert store.list_badges() == [record]


def test_reimport_is_idempotent(store: Store, badge_files: dict[str, Path]) -> None:
    sources = [str(p) for p in badge_files.values()]
    assert len(sources) == 8
    first = only_ok(list(import_sources(store, sources)))
    assert [r.created for r in first] == [True] * 8
    before = {r.id: r.imported_at for r in store.list_badges()}
    second = only_ok(list(import_sources(store, sources)))
    assert [r.created for r in second] == [False] * 8
    assert [r.record.id for r in second] == [r.record.id for r in first]  # type: ignore[union-attr]
    assert {r.id: r.imported_at for r in store.list_badges()} == before
    assert len(store.list_badges()) == 8


def test_folder_import_walks_subfolders_and_skips_hidden_files(store: Store, badge_files: dict[str, Path]) -> None:
    folder = next(iter(badge_files.values())).parent
    (folder / "more").mkdir()
    (folder / "more" / "nested.png").write_bytes(baked_png("nested"))
    (folder / ".hidden.png").write_bytes(baked_png("hidden-file"))
    (folder / ".cache").mkdir()
    (folder / ".cache" / "cached.png").write_bytes(baked_png("hidden-folder"))

    expanded = list(expand_sources([str(folder)]))
    assert expanded == sorted(str(p) for p in badge_files.values()) + [str(folder / "more" / "nested.png")]

    results = only_ok(list(import_sources(store, [str(folder)])))
    assert len(results) == len(badge_files) + 1 == 9
    keys = {r.key for r in store.list_badges()}
    assert len(keys) == 9
    assert "id:https://issuer.example/assertions/nested.json" in keys
    assert not any("hidden" in key for key in keys)


def test_expand_sources_passes_files_urls_and_stdin_through(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.png")
    assert list(expand_sources(["-", "https://issuer.example/a.json", missing])) == [
        "-",
        "https://issuer.example/a.json",
        missing,
    ]


def test_baked_png_and_qr_code_of_its_id_are_the_same_badge_and_the_full_copy_is_kept(
    store: Store, badge_files: dict[str, Path], tmp_path: Path
) -> None:
    qr_file = tmp_path / "card.png"
    qr_file.write_bytes(qr_png(PYTHON_FOUNDATIONS_ID))
    [baked] = only_ok(list(import_sources(store, [str(badge_files["python-foundations.png"])])))
    [scanned] = only_ok(list(import_sources(store, [str(qr_file)])))
    assert baked.record is not None and scanned.record is not None
    # The QR code only carries the URL: the baked assertion it points to stays the stored copy.
    assert scanned.record.source.location == "PNG iTXt 'openbadges'"
    assert scanned.record.payload_kind == "json" and scanned.record.version == "ob2"
    # The summary is the baked assertion's (a QR code's URL alone has no issue date).
    assert scanned.record.summary == baked.record.summary
    assert scanned.record.summary["issued_on"] == "2026-03-14T10:00:00Z"
    assert scanned.record.key == baked.record.key == f"id:{PYTHON_FOUNDATIONS_ID}"
    assert scanned.record.id == baked.record.id
    assert scanned.created is False
    assert len(store.list_badges()) == 1


def test_a_bad_source_is_reported_and_the_others_still_import(
    store: Store, badge_files: dict[str, Path], tmp_path: Path
) -> None:
    noise = tmp_path / "noise.bin"
    noise.write_bytes(random.Random(7).randbytes(4096))
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(badge_files["python-foundations.png"].read_bytes()[:200])
    sources = [
        str(badge_files["python-foundations.png"]),
        str(tmp_path / "does-not-exist.png"),
        str(noise),
        str(truncated),
        str(badge_files["git-essentials.svg"]),
    ]
    results = list(import_sources(store, sources))
    assert [r.ok for r in results] == [True, False, False, False, True]
    assert results[1].record is None and "no such file" in (results[1].error or "")
    assert "unrecognised file" in (results[2].error or "")
    assert "truncated" in (results[3].error or "")
    assert {r.key for r in store.list_badges()} == {
        f"id:{PYTHON_FOUNDATIONS_ID}",
        f"id:{extract(badge_files['git-essentials.svg'].read_bytes()).payload.badge_id}",
    }


def test_a_payload_whose_json_does_not_parse_is_refused(store: Store, tmp_path: Path) -> None:
    broken = '{"@context": "https://w3id.org/openbadges/v2", "id": "https://issuer.example/a.json",'
    payload = classify_payload(broken)
    assert payload.problem
    image = bake(plain_png(), payload)
    with pytest.raises(MalformedInput, match="does not parse"):
        import_bytes(store, LoadedSource("file", "broken.png", image))
    path = tmp_path / "broken.png"
    path.write_bytes(image)
    [result] = import_sources(store, [str(path)])
    assert not result.ok and "does not parse" in (result.error or "")
    assert store.list_badges() == []


def test_a_store_problem_stops_the_import_instead_of_failing_each_file(
    store: Store, badge_files: dict[str, Path], home: Path
) -> None:
    home.mkdir()
    store.db_path.write_bytes(b"not json")
    results = import_sources(store, [str(p) for p in badge_files.values()])
    with pytest.raises(StoreError):
        next(results)
    assert store.db_path.read_bytes() == b"not json"


# -- URLs -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def badge_server(badge_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 serving the baked OB 2.0 PNG at /badge.png. Yields (base URL, paths hit)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    body = badge_files["python-foundations.png"].read_bytes()
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            hits.append(self.path)
            if self.path != "/badge.png":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server API
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_url_import_from_a_local_server_works_when_private_network_is_allowed(
    store: Store, badge_server: tuple[str, list[str]], badge_files: dict[str, Path]
) -> None:
    base, hits = badge_server
    url = f"{base}/badge.png"
    [result] = only_ok(list(import_sources(store, [url], policy=FetchPolicy(allow_private_network=True))))
    assert hits == ["/badge.png"]
    record = result.record
    assert record is not None
    assert (record.source.kind, record.source.ref, record.source.container) == ("url", url, "png")
    assert record.key == f"id:{PYTHON_FOUNDATIONS_ID}"
    assert store.read_blob(record.source.blob) == badge_files["python-foundations.png"].read_bytes()


def test_url_import_from_a_local_server_is_refused_by_default(
    store: Store, badge_server: tuple[str, list[str]]
) -> None:
    base, hits = badge_server
    [result] = list(import_sources(store, [f"{base}/badge.png"]))
    assert not result.ok
    assert "private or local address" in (result.error or "")
    assert hits == []  # refused before connecting
    assert store.list_badges() == []
    assert not store.home.exists()


def test_private_network_environment_switch_allows_local_urls(
    store: Store, badge_server: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _hits = badge_server
    monkeypatch.setenv("BACKPACK_ALLOW_PRIVATE_NETWORK", "1")
    only_ok(list(import_sources(store, [f"{base}/badge.png"])))
    [missing] = list(import_sources(store, [f"{base}/nope.png"]))
    assert "404" in (missing.error or "")
    assert len(store.list_badges()) == 1


def test_importing_a_portfolio_bundle_imports_the_badges_inside_it(demo: Store, tmp_path: Path) -> None:
    from verifier import FetchPolicy
    from wallet import badge_collections as collections
    from wallet.bundle import build_bundle

    names = ["Accessible Web Design", "Python Foundations", "Git Essentials", "Data Literacy"]
    by_name = {str(r.summary["name"]): r for r in demo.list_badges()}
    collection = collections.create_collection(demo, "Profile")
    collection = collections.add_badges(demo, "Profile", [by_name[n].id for n in names])
    bundle, _ = build_bundle(demo, collection, fetch_policy=FetchPolicy(offline=True))
    path = tmp_path / "profile.jsonld"
    path.write_text(json.dumps(bundle))

    elsewhere = Store(tmp_path / "recruiter")
    results = list(import_sources(elsewhere, [str(path)]))
    assert [r.error for r in results] == [None] * 4
    imported = {r.record.key: r.record for r in results if r.record is not None}
    assert set(imported) == {by_name[n].key for n in names}  # the same badges, not the bundle as one badge
    assert {r.id for r in elsewhere.list_badges()} == {by_name[n].id for n in names}
    hosted = imported[by_name["Python Foundations"].key]
    assert hosted.payload_kind == "json"  # the snapshot's assertion, whose id is the hosted URL
