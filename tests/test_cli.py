"""The ``backpack`` command line: commands, output, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest
from cli_fixtures import prefill_cache, statuses
from cli_helpers import assert_one_line_error
from click.testing import CliRunner, Result
from PIL import Image

from verifier import bake, classify_payload
from wallet.badge_collections import list_collections
from wallet.cli import cli
from wallet.demo import DemoContent
from wallet.store import Store

PYTHON_FOUNDATIONS_ID = "https://badges.open-learning-lab.example/assertions/python-foundations.json"
PYTHON_FOUNDATIONS_CLASS = "https://badges.open-learning-lab.example/badges/python-foundations.json"
DEMO_HOST = "badges.open-learning-lab.example"
IMPORTED = re.compile(r"^imported ([0-9a-f]{10})  ", re.MULTILINE)
DEMO_FILES = [
    "accessible-web-design.png",
    "cloud-fundamentals.png",
    "community-mentor-card.jpg",
    "data-literacy.svg",
    "git-essentials.svg",
    "python-foundations.png",
    "spreadsheet-basics.png",
    "team-leadership.svg",
]
DEMO_ROWS = [  # how the demo backpack lists its badges: status, format, name
    ("✔ valid", "OB 2.0", "Python Foundations"),
    ("✔ valid", "OB 2.0", "Data Literacy"),
    ("⌛ expired", "OB 2.0", "Spreadsheet Basics"),
    ("⊘ revoked", "OB 2.0", "Community Mentor"),
    ("✔ valid", "OB 3.0", "Accessible Web Design"),
    ("✔ valid", "OB 3.0", "Git Essentials"),
    ("⌛ expired", "OB 3.0", "Cloud Fundamentals"),
    ("⊘ revoked", "OB 3.0", "Team Leadership"),
]
DEMO_SUMMARY = "8 badges · 4 valid · 2 expired · 2 revoked"
DEMO_STATUS_COUNTS = {"valid": 4, "expired": 2, "revoked": 2}
# The badge files (conftest's demo_file_bytes) and demo_issuer's documents come from one demo_content() call, so the
# documents verify the files: the same OB 2.0 RSA key and OB 3.0 did:key.


@pytest.fixture
def demo_cache(home: Path, demo_issuer: DemoContent) -> Store:
    """The test backpack with the demo issuer's documents in its HTTP cache, marked offline (as the demo is)."""
    store = Store(home)
    prefill_cache(store, demo_issuer.documents)
    return store


def invoke(runner: CliRunner, *args: str, **kwargs: object) -> Result:
    return runner.invoke(cli, list(args), catch_exceptions=False, **kwargs)  # type: ignore[arg-type]


def imported_ids(result: Result) -> list[str]:
    return IMPORTED.findall(result.stdout)


# -- bad inputs, built by hand ---------------------------------------------------------------------------------------


def _png_chunk(chunk_type: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", zlib.crc32(chunk_type + data))


def _plain_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def zlib_bomb_png() -> bytes:
    """A valid PNG whose compressed iTXt 'openbadges' chunk inflates to 64 MB (about 64 KB on disk)."""
    bomb = zlib.compress(b"{" + b" " * (64 * 1024 * 1024), 9)
    chunk = _png_chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + bomb)
    plain = _plain_png()
    return plain[:33] + chunk + plain[33:]  # right after the 8-byte signature and the 25-byte IHDR chunk


XXE_SVG = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
    b"<openbadges:assertion>&x;</openbadges:assertion></svg>\n"
)


@pytest.fixture(scope="module")
def bomb_bytes() -> bytes:
    return zlib_bomb_png()


@pytest.fixture
def bad_files(tmp_path: Path, demo_file_bytes: dict[str, bytes], bomb_bytes: bytes) -> dict[str, Path]:
    folder = tmp_path / "bad"
    folder.mkdir()
    contents = {
        "truncated.png": demo_file_bytes["python-foundations.png"][:300],
        "random.bin": random.Random(1).randbytes(4096),
        "xxe.svg": XXE_SVG,
        "bomb.png": bomb_bytes,
    }
    paths = {}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
        paths[name] = folder / name
    return paths


BAD_CASES = [
    ("truncated.png", "truncated"),
    ("random.bin", "unrecognised file"),
    ("xxe.svg", "entity"),
    ("bomb.png", "expands beyond 8 MB"),
]


# -- import, list, show, remove --------------------------------------------------------------------------------------


def test_import_prints_a_line_per_badge_then_its_status(
    runner: CliRunner, badge_files: dict[str, Path], home: Path, demo_issuer: DemoContent
) -> None:
    path = badge_files["python-foundations.png"]
    # Offline, with nothing cached, the issuer cannot be asked: the badge is stored, but unverifiable (exit 1).
    result = invoke(runner, "import", "--offline", str(path))
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    [badge_id] = imported_ids(result)
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    # The badge class is only referenced by URL: no name until verification has fetched it.
    # No name until verification fetched the badge class: the file's name stands for it meanwhile.
    assert lines[0] == f"imported {badge_id}  Python foundations  ({path})"
    assert re.fullmatch(rf"{badge_id}  \? unverifiable Python foundations", lines[1])
    assert lines[2] == "    Checked offline, and no copy of the badge was saved before."  # plain words
    [record] = Store(home).list_badges()
    assert record.id == badge_id
    assert record.verification is not None and record.verification["status"] == "unverifiable"

    # With the issuer's documents cached in the backpack (marked offline, as the demo backpack is), it is valid.
    prefill_cache(Store(home), demo_issuer.documents)
    again = invoke(runner, "import", str(path))
    assert again.exit_code == 0, again.output
    assert again.stderr == ""
    lines = again.stdout.splitlines()
    assert len(lines) == 2, again.stdout
    assert lines[0].startswith(f"updated  {badge_id}  ")
    assert re.fullmatch(rf"{badge_id}  ✔ valid\s+Python Foundations — Open Learning Lab", lines[1])
    [record] = Store(home).list_badges()
    assert record.verification is not None and record.verification["status"] == "valid"
    assert record.summary["name"] == "Python Foundations"  # refined from the fetched badge class

    # --no-verify stores and prints one line per badge, and nothing else.
    unverified = invoke(runner, "import", "--no-verify", str(path))
    assert unverified.exit_code == 0
    [line] = unverified.stdout.splitlines()
    assert line.startswith(f"updated  {badge_id}  ") and line.endswith(f"  ({path})")
    [record] = Store(home).list_badges()
    assert record.verification is not None and record.verification["status"] == "valid"  # the last report is kept


def test_reimport_without_verification_keeps_what_verification_learned(
    runner: CliRunner, badge_files: dict[str, Path], demo_cache: Store
) -> None:
    path = str(badge_files["python-foundations.png"])
    [badge_id] = imported_ids(invoke(runner, "import", path))
    assert demo_cache.get_badge(badge_id).summary["name"] == "Python Foundations"
    again = invoke(runner, "import", "--no-verify", path)
    assert again.stdout.startswith(f"updated  {badge_id}  Python Foundations  ")
    [record] = demo_cache.list_badges()
    assert record.verification is not None and record.verification["status"] == "valid"
    assert (record.summary["name"], record.summary["issuer_name"]) == ("Python Foundations", "Open Learning Lab")


def test_import_a_folder(runner: CliRunner, badge_files: dict[str, Path], demo_cache: Store) -> None:
    folder = next(iter(badge_files.values())).parent
    result = invoke(runner, "import", str(folder))
    assert result.exit_code == 1, result.output  # some of the demo badges are not valid
    assert result.stderr == ""
    ids = imported_ids(result)
    assert len(ids) == len(DEMO_FILES) == 8
    assert sorted(ids) == sorted(r.id for r in demo_cache.list_badges())
    found = statuses(result.stdout)
    assert sorted(found) == sorted(ids)  # one status line per badge
    assert Counter(found.values()) == DEMO_STATUS_COUNTS  # OB 3.0 too: verified offline against the cached documents
    assert {r.id: r.verification["status"] for r in demo_cache.list_badges() if r.verification} == found


def test_list_and_list_json(runner: CliRunner, badge_files: dict[str, Path]) -> None:
    empty = invoke(runner, "list")
    assert empty.exit_code == 0 and "Your backpack is empty" in empty.stdout
    assert json.loads(invoke(runner, "list", "--json").stdout) == []

    ids = imported_ids(invoke(runner, "import", "--no-verify", *map(str, badge_files.values())))
    assert len(ids) == 8
    table = invoke(runner, "list")
    assert table.exit_code == 0
    assert table.stdout.splitlines()[0].split() == ["ID", "STATUS", "FORMAT", "NAME", "ISSUER", "ISSUED", "CHECKED"]
    for badge_id in ids:
        assert re.search(rf"^{badge_id}  · unchecked\s+(OB \d\.\d|\?)\s.*  never$", table.stdout, re.MULTILINE)
    assert "Git Essentials" in table.stdout and "Team Leadership" in table.stdout
    assert table.stdout.splitlines()[-1] == "8 badges · 8 not checked"

    listed = json.loads(invoke(runner, "list", "--json").stdout)
    assert sorted(row["id"] for row in listed) == sorted(ids)
    assert {row["version"] for row in listed} == {"ob2", "ob3", "unknown"}
    assert all(set(row["source"]) >= {"kind", "ref", "blob", "location"} for row in listed)
    assert Counter(row["version"] for row in listed) == {"ob2": 3, "ob3": 4, "unknown": 1}  # the QR photo: a URL
    assert [row["verification"] for row in listed] == [None] * 8


def test_show_and_show_json(runner: CliRunner, badge_files: dict[str, Path], demo_cache: Store) -> None:
    [badge_id] = imported_ids(invoke(runner, "import", str(badge_files["python-foundations.png"])))
    shown = invoke(runner, "show", badge_id[:6])
    assert shown.exit_code == 0
    assert re.search(rf"^ID:\s+{badge_id}$", shown.stdout, re.MULTILINE)
    assert re.search(r"^Badge:\s+Python Foundations$", shown.stdout, re.MULTILINE)
    assert re.search(r"^Format:\s+OB 2\.0 · json$", shown.stdout, re.MULTILINE)
    assert f"Identifier:   {PYTHON_FOUNDATIONS_ID}" in shown.stdout
    assert re.search(r"^Status:\s+✔ valid\s+\(checked \d{4}-\d\d-\d\dT", shown.stdout, re.MULTILINE)
    assert f"  ✔ fetched      fetched from {PYTHON_FOUNDATIONS_ID} (cached copy from " in shown.stdout
    assert f"  ✔ badge_class  Python Foundations (fetched from {PYTHON_FOUNDATIONS_CLASS})" in shown.stdout
    assert "  ✔ revocation   not revoked" in shown.stdout
    assert "Payload:" in shown.stdout and '"issuedOn": "2026-03-14T10:00:00Z"' in shown.stdout

    data = json.loads(invoke(runner, "show", "--json", badge_id).stdout)
    assert data["id"] == badge_id
    assert data["key"] == f"id:{PYTHON_FOUNDATIONS_ID}"
    assert data["payload"]["id"] == PYTHON_FOUNDATIONS_ID
    assert data["payload"]["badge"] == PYTHON_FOUNDATIONS_CLASS  # the payload as baked: a reference
    assert data["summary"]["name"] == "Python Foundations"  # refined by verification
    assert data["verification"]["status"] == "valid"
    assert data["verification"]["badge_id"] == PYTHON_FOUNDATIONS_ID


def test_show_json_of_a_jws_badge_gives_the_compact_token(runner: CliRunner, badge_files: dict[str, Path]) -> None:
    [badge_id] = imported_ids(invoke(runner, "import", "--no-verify", str(badge_files["git-essentials.svg"])))
    data = json.loads(invoke(runner, "show", "--json", badge_id).stdout)
    assert data["payload_kind"] == "jws"
    assert isinstance(data["payload"], str) and data["payload"].count(".") == 2


def test_remove(runner: CliRunner, badge_files: dict[str, Path], home: Path) -> None:
    ids = imported_ids(invoke(runner, "import", "--no-verify", *map(str, badge_files.values())))
    removed = invoke(runner, "remove", ids[0])
    assert removed.exit_code == 0
    assert removed.stdout.startswith(f"removed {ids[0]}  ")
    assert sorted(r.id for r in Store(home).list_badges()) == sorted(ids[1:])
    assert_one_line_error(invoke(runner, "remove", ids[0]), "no badge with id")


def test_unknown_and_ambiguous_ids_exit_2(runner: CliRunner, badge_files: dict[str, Path]) -> None:
    invoke(runner, "import", "--no-verify", str(badge_files["python-foundations.png"]))
    assert_one_line_error(invoke(runner, "show", "ffffffffff"), "no badge with id 'ffffffffff'")
    assert_one_line_error(invoke(runner, "show", "abc"), "too short")


def test_import_from_stdin(runner: CliRunner, home: Path) -> None:
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://issuer.example/assertions/stdin.json",
        "recipient": {"type": "email", "hashed": False, "identity": "ada@example.com"},
        "badge": {"type": "BadgeClass", "name": "Piped Badge"},
        "verification": {"type": "hosted"},
    }
    result = invoke(runner, "import", "--no-verify", "-", input=json.dumps(assertion))
    assert result.exit_code == 0, result.output
    [badge_id] = imported_ids(result)
    assert result.stdout == f"imported {badge_id}  Piped Badge  (-)\n"
    [record] = Store(home).list_badges()
    assert record.id == badge_id
    assert (record.source.kind, record.source.ref, record.source.container) == ("text", "<stdin>", "text")
    assert record.verification is None
    # Verified offline with nothing cached: the embedded badge class names it, the issuer cannot be asked.
    offline = invoke(runner, "import", "--offline", "-", input=json.dumps(assertion))
    assert offline.exit_code == 1
    assert re.search(rf"^{badge_id}  \? unverifiable Piped Badge$", offline.stdout, re.MULTILINE)
    empty = invoke(runner, "import", "-", input="")
    assert_one_line_error(empty, "backpack: error: -: the input is empty")


# -- identities ------------------------------------------------------------------------------------------------------


def test_identity_add_list_remove(runner: CliRunner) -> None:
    none_yet = invoke(runner, "identity", "list")
    assert none_yet.exit_code == 0 and "No identities yet" in none_yet.stdout

    added = invoke(runner, "identity", "add", "Ada@Example.com")
    assert added.exit_code == 0
    assert added.stdout.strip() == "added: ada@example.com (email)"
    again = invoke(runner, "identity", "add", "mailto:ada@example.com")
    assert again.stdout.strip() == "already known: ada@example.com (email)"
    invoke(runner, "identity", "add", "+1 555 123 4567")

    listed = invoke(runner, "identity", "list")
    assert listed.stdout.splitlines() == ["email      ada@example.com", "telephone  +15551234567"]
    rows = json.loads(invoke(runner, "identity", "list", "--json").stdout)
    assert [(r["kind"], r["value"]) for r in rows] == [("email", "ada@example.com"), ("telephone", "+15551234567")]

    removed = invoke(runner, "identity", "remove", "ADA@example.com")
    assert removed.exit_code == 0 and removed.stdout.strip() == "removed: ada@example.com"
    assert [r["value"] for r in json.loads(invoke(runner, "identity", "list", "--json").stdout)] == ["+15551234567"]
    assert_one_line_error(invoke(runner, "identity", "remove", "ada@example.com"), "not one of your identities")
    assert_one_line_error(invoke(runner, "identity", "add", "not an identity"), "is not an identity")


# -- extract ---------------------------------------------------------------------------------------------------------


def test_extract_prints_what_is_baked_and_stores_nothing(
    runner: CliRunner, badge_files: dict[str, Path], home: Path
) -> None:
    path = badge_files["python-foundations.png"]
    result = invoke(runner, "extract", str(path))
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{path}: image/png, 1 payload(s)\n")
    assert "PNG iTXt 'openbadges': json, OB 2.0" in result.stdout
    assert f"  id: {PYTHON_FOUNDATIONS_ID}" in result.stdout
    # The badge class is only referenced: extract shows the reference and fetches nothing (so no name).
    assert f'    "badge": "{PYTHON_FOUNDATIONS_CLASS}"' in result.stdout
    assert "  name:" not in result.stdout
    assert not home.exists()


@pytest.mark.parametrize(
    ("name", "container", "kind", "version", "alg"),
    [
        ("python-foundations.png", "png", "json", "ob2", None),
        ("spreadsheet-basics.png", "png", "json", "ob2", None),
        ("data-literacy.svg", "svg", "jws", "ob2", "RS256"),
        ("accessible-web-design.png", "png", "json", "ob3", None),
        ("cloud-fundamentals.png", "png", "json", "ob3", None),
        ("team-leadership.svg", "svg", "json", "ob3", None),
        ("git-essentials.svg", "svg", "jws", "ob3", "EdDSA"),
        ("community-mentor-card.jpg", "image", "url", "unknown", None),
    ],
)
def test_extract_json(
    runner: CliRunner,
    badge_files: dict[str, Path],
    name: str,
    container: str,
    kind: str,
    version: str,
    alg: str | None,
) -> None:
    result = invoke(runner, "extract", "--json", str(badge_files[name]))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["container"] == container
    [found] = data["found"]
    assert (found["kind"], found["version"]) == (kind, version)
    assert found["problem"] is None
    if kind == "jws":
        assert found["jws_header"]["alg"] == alg
        assert found["claims"]["id"] == found["badge_id"]
    else:
        assert found["jws_header"] is None
    if version == "ob3":
        # Signed by the demo's did:key issuer: a Data Integrity proof in the JSON, the key id in the VC-JWT header.
        issuer_did = found["summary"]["issuer_id"]
        assert issuer_did.startswith("did:key:z6Mk")
        if kind == "jws":
            assert found["jws_header"]["kid"].startswith(f"{issuer_did}#")
            assert found["claims"]["iss"] == issuer_did and found["claims"]["jti"] == found["badge_id"]
        else:
            proof = json.loads(found["text"])["proof"]
            assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", "eddsa-rdfc-2022")
            assert proof["verificationMethod"].startswith(f"{issuer_did}#")


def test_extract_of_a_payload_that_does_not_parse_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(bake(_plain_png(), classify_payload('{"id": "https://issuer.example/a.json",')))
    result = invoke(runner, "extract", str(path))
    assert result.exit_code == 2
    assert "problem: the badge JSON does not parse" in result.stdout
    assert_one_line_error(result)
    assert result.stderr.startswith(f"backpack: error: {path}: the badge JSON does not parse")


# -- bad input: exit 2 and one line, never a traceback ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "fragment"), BAD_CASES)
def test_extract_of_bad_input_is_one_line(runner: CliRunner, bad_files: dict[str, Path], name: str, fragment: str):
    assert_one_line_error(invoke(runner, "extract", str(bad_files[name])), fragment)


@pytest.mark.parametrize(("name", "fragment"), BAD_CASES)
def test_import_of_bad_input_exits_2(
    runner: CliRunner, bad_files: dict[str, Path], home: Path, name: str, fragment: str
) -> None:
    path = bad_files[name]
    result = invoke(runner, "import", str(path))
    # One source: its error is the only line on stderr (the "N imported, M failed" tally is for several).
    assert_one_line_error(result, fragment)
    assert result.stderr.startswith(f"backpack: error: {path}: ")
    assert result.stdout == ""
    assert Store(home).list_badges() == []


def test_import_keeps_going_after_a_bad_file(
    runner: CliRunner, bad_files: dict[str, Path], badge_files: dict[str, Path]
) -> None:
    result = invoke(runner, "import", str(bad_files["random.bin"]), str(badge_files["git-essentials.svg"]))
    assert result.exit_code == 2
    assert len(imported_ids(result)) == 1
    assert result.stderr.splitlines()[-1] == "1 imported, 1 failed"


def test_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    assert_one_line_error(invoke(runner, "extract", str(tmp_path / "nope.png")), "no such file")


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    no_sources = invoke(runner, "import")
    assert no_sources.exit_code == 2 and "Missing argument" in no_sources.stderr
    unknown = invoke(runner, "frobnicate")
    assert unknown.exit_code == 2 and "No such command" in unknown.stderr
    bad_option = invoke(runner, "list", "--nope")
    assert bad_option.exit_code == 2 and "No such option" in bad_option.stderr
    for result in (no_sources, unknown, bad_option):
        assert "Traceback" not in result.output


def test_unusable_home_is_one_line(runner: CliRunner, badge_files: dict[str, Path], tmp_path: Path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("BACKPACK_HOME", str(blocker / "home"))
    assert_one_line_error(
        invoke(runner, "import", str(badge_files["python-foundations.png"])), "cannot create the backpack home"
    )


def test_unexpected_errors_are_one_line_unless_debugging(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: Store) -> list:
        raise RuntimeError("boom")

    monkeypatch.setattr(Store, "list_badges", boom)
    assert_one_line_error(invoke(runner, "list"), "internal error (RuntimeError: boom)", "BACKPACK_DEBUG=1")
    monkeypatch.setenv("BACKPACK_DEBUG", "1")
    debug = invoke(runner, "list")
    assert debug.exit_code == 2
    assert "Traceback" in debug.stderr
    assert debug.stderr.splitlines()[-1].startswith("backpack: error: internal error")


# -- homes, the demo and no command ----------------------------------------------------------------------------------


def test_home_option_is_respected(runner: CliRunner, badge_files: dict[str, Path], tmp_path: Path, home: Path) -> None:
    other = tmp_path / "other-home"
    result = invoke(runner, "--home", str(other), "import", "--no-verify", str(badge_files["python-foundations.png"]))
    assert result.exit_code == 0
    [badge_id] = imported_ids(result)
    assert [r.id for r in Store(other).list_badges()] == [badge_id]
    assert not home.exists()  # BACKPACK_HOME was not touched
    assert badge_id in invoke(runner, "--home", str(other), "list").stdout
    assert "Your backpack is empty" in invoke(runner, "list").stdout


def test_backpack_home_environment_is_respected(
    runner: CliRunner, badge_files: dict[str, Path], home: Path, xdg_data_home: Path
) -> None:
    invoke(runner, "import", "--no-verify", str(badge_files["python-foundations.png"]))
    assert len(Store(home).list_badges()) == 1
    assert list(xdg_data_home.iterdir()) == []


def test_no_command_on_a_new_backpack_puts_the_demo_in_it(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, xdg_data_home: Path
) -> None:
    monkeypatch.delenv("BACKPACK_HOME")
    result = invoke(runner)
    assert result.exit_code == 0, result.output
    default = xdg_data_home / "openbadges-backpack"
    assert f"Your backpack ({default}) had no badges yet, so it now holds the demo badges." in result.stdout
    assert "Remove the demo with: backpack demo remove" in result.stdout
    # Verified when seeded, offline against the demo issuer's cached documents.
    assert result.stdout.splitlines()[-1] == DEMO_SUMMARY
    for status, version, name in DEMO_ROWS:
        line = rf"^[0-9a-f]{{10}}  {status}\s+{re.escape(version)}  {name} "
        assert re.search(line, result.stdout, re.MULTILINE), name
    assert "European Skills Acade" in result.stdout  # the OB 3.0 issuer, named from the signed credentials
    # One backpack: what the first screen showed is what the next command acts on.
    store = Store(default)
    ids = sorted(r.id for r in store.list_badges())
    assert len(ids) == 8 and not (xdg_data_home / "openbadges-backpack-demo").exists()
    assert invoke(runner, "show", "9472").exit_code == 0
    listed = invoke(runner, "list")
    assert listed.stdout.splitlines()[-1] == DEMO_SUMMARY

    stamp = (default / "backpack.json").stat().st_mtime_ns
    second = invoke(runner)
    assert second.stdout.splitlines()[-1] == DEMO_SUMMARY
    assert "had no badges yet" not in second.stdout
    assert (default / "backpack.json").stat().st_mtime_ns == stamp  # seeded once, then only read
    assert sorted(r.id for r in store.list_badges()) == ids


def test_the_demo_is_offered_once_and_removed_with_its_collection_and_identity(runner: CliRunner, home: Path) -> None:
    ok = invoke(runner)
    assert ok.exit_code == 0 and ok.stdout.splitlines()[-1] == DEMO_SUMMARY
    store = Store(home)
    assert [c.name for c in list_collections(store)] == ["Demo"]
    assert [row["value"] for row in store.list_identities()] == ["ada.lovelace@example.com"]

    removed = invoke(runner, "demo", "remove")
    assert removed.exit_code == 0, removed.output
    assert removed.stdout.splitlines() == [
        "removed 8 demo badges and the collection 'Demo'",
        "removed the demo identity ada.lovelace@example.com",
    ]
    assert store.list_badges() == [] and list_collections(store) == [] and store.list_identities() == []
    again = invoke(runner)  # not offered again: the user said no
    assert again.exit_code == 0
    assert again.stdout.startswith("Your backpack is empty. Import badges with: backpack import")
    assert invoke(runner, "demo", "remove").stdout == "No demo badges in this backpack.\n"


def test_removing_the_demo_keeps_the_users_own_identities_and_collections(runner: CliRunner, home: Path) -> None:
    invoke(runner, "identity", "add", "ada.lovelace@example.com")  # the user's own, before the demo came
    assert invoke(runner, "demo").exit_code == 0
    assert invoke(runner, "collection", "create", "Job profile").exit_code == 0
    store = Store(home)
    result = invoke(runner, "demo", "remove")
    assert result.stdout.splitlines() == ["removed 8 demo badges and the collection 'Demo'"]
    assert [row["value"] for row in store.list_identities()] == ["ada.lovelace@example.com"]
    assert [c.name for c in list_collections(store)] == ["Job profile"]


def test_no_command_with_badges_lists_them(runner: CliRunner, badge_files: dict[str, Path]) -> None:
    # A VC-JWT signed by a did:key, with no status to check: verified without any document, in any backpack.
    imported = invoke(runner, "import", str(badge_files["git-essentials.svg"]))
    assert imported.exit_code == 0, imported.output
    [badge_id] = imported_ids(imported)
    result = invoke(runner)
    assert result.exit_code == 0
    assert "demo" not in result.stdout
    assert re.search(rf"^{badge_id}  ✔ valid\s+OB 3\.0  Git Essentials\s+European Skills", result.stdout, re.M)
    assert result.stdout.splitlines()[-1] == "1 badge · 1 valid"


def test_demo_command_puts_the_demo_in_this_backpack(runner: CliRunner, home: Path, xdg_data_home: Path) -> None:
    result = invoke(runner, "demo")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"8 demo badges in {home} (the collection 'Demo'), issued to ada.lovelace@example.com."
    )
    assert result.stdout.splitlines()[-1] == DEMO_SUMMARY
    store = Store(home)
    ids = sorted(r.id for r in store.list_badges())
    assert len(ids) == 8
    assert Counter(r.verification["status"] for r in store.list_badges() if r.verification) == DEMO_STATUS_COUNTS
    assert sorted(p.name for p in (home / "demo-files").iterdir()) == DEMO_FILES
    # Its issuers exist only in the cache, fresh for good: the backpack itself stays online, and knows the earner.
    assert store.get_setting("offline") is None
    assert [row["value"] for row in store.list_identities()] == ["ada.lovelace@example.com"]
    assert list(xdg_data_home.iterdir()) == []
    recheck = invoke(runner, "recheck", "--all")  # online, yet nothing is fetched: the .example hosts never resolve
    assert recheck.stdout.splitlines()[-1] == "4 of 8 valid"
    # Running it again refreshes the same eight badges rather than adding more.
    again = invoke(runner, "demo")
    assert again.exit_code == 0
    assert again.stdout.splitlines()[-1] == DEMO_SUMMARY
    assert sorted(r.id for r in store.list_badges()) == ids
    assert len(store.list_identities()) == 1
    assert [c.name for c in list_collections(store)] == ["Demo"]


# -- the installed console script ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_console_script_in_a_real_process(badge_files: dict[str, Path], bad_files: dict[str, Path], home: Path):
    script = Path(sys.executable).parent / "backpack"
    assert script.exists()
    env = {**os.environ, "BACKPACK_HOME": str(home)}

    ok = subprocess.run(
        [str(script), "import", "--no-verify", str(badge_files["python-foundations.png"])],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert IMPORTED.search(ok.stdout)
    assert len(Store(home).list_badges()) == 1

    bad = subprocess.run(
        [str(script), "extract", str(bad_files["random.bin"])], capture_output=True, text=True, env=env, timeout=60
    )
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        f"backpack: error: {bad_files['random.bin']}: unrecognised file: not a PNG, SVG, raster image, JSON, JWS or URL"
    ]
    assert bad.stdout == ""

    # Offline, in a backpack that never fetched the OB 3.0 issuer's status list: signed, but not concluded.
    not_valid = subprocess.run(
        [str(script), "verify", "--offline", str(badge_files["accessible-web-design.png"])],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert not_valid.returncode == 1, not_valid.stderr
    assert not_valid.stdout.startswith("? unverifiable Accessible Web Design — European Skills Academy ")
    revocation = "    Checked offline, and no copy of the issuer's revocation list was saved."
    assert not_valid.stdout.splitlines()[1] == revocation
    assert not_valid.stderr == ""

    bad_import = subprocess.run(
        [str(script), "import", str(bad_files["random.bin"])], capture_output=True, text=True, env=env, timeout=60
    )
    assert bad_import.returncode == 2
    assert bad_import.stderr.splitlines()[0].startswith(f"backpack: error: {bad_files['random.bin']}: unrecognised")
    assert "Traceback" not in bad_import.stderr
    assert len(Store(home).list_badges()) == 1
