"""The store: records keyed by badge identity, id prefixes, content-addressed blobs, schema guard, safe failure."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from verifier import classify_payload
from wallet.errors import AmbiguousId, NotFound, SchemaTooNew, StoreError, StoreLocked
from wallet.importer import LoadedSource, import_bytes
from wallet.store import SCHEMA_VERSION, BadgeRecord, SourceRef, Store, badge_id_for_key


def make_record(
    key: str,
    *,
    badge_id: str | None = None,
    name: str = "A badge",
    imported_at: str = "2026-01-01T00:00:00Z",
    updated_at: str | None = None,
    verification: dict | None = None,
) -> BadgeRecord:
    return BadgeRecord(
        id=badge_id or badge_id_for_key(key),
        key=key,
        version="ob2",
        payload_kind="json",
        payload_blob="0" * 64,
        summary={"name": name},
        source=SourceRef(
            kind="file",
            ref="/tmp/badge.png",
            blob="1" * 64,
            media_type="image/png",
            container="png",
            location="PNG iTXt 'openbadges'",
        ),
        imported_at=imported_at,
        updated_at=updated_at or imported_at,
        verification=verification,
    )


def read_db(store: Store) -> dict:
    return json.loads(store.db_path.read_bytes())


# -- upsert ---------------------------------------------------------------------------------------------------------


def test_upsert_inserts_a_new_badge(store: Store) -> None:
    record = make_record("id:https://issuer.example/a.json")
    stored, created = store.upsert_badge(record)
    assert created is True
    assert stored == record
    assert store.list_badges() == [record]
    assert read_db(store)["badges"]["1"]["key"] == "id:https://issuer.example/a.json"


def test_upsert_same_key_updates_in_place(store: Store) -> None:
    key = "id:https://issuer.example/a.json"
    first, _ = store.upsert_badge(make_record(key, name="Old name", imported_at="2026-01-01T00:00:00Z"))
    second = make_record(
        key,
        badge_id="ffffffffff",  # a different id proposed by the caller must not replace the stored one
        name="New name",
        imported_at="2026-02-02T00:00:00Z",
        updated_at="2026-02-02T00:00:00Z",
    )
    stored, created = store.upsert_badge(second)
    assert created is False
    assert stored.id == first.id
    assert stored.imported_at == "2026-01-01T00:00:00Z"
    assert stored.updated_at == "2026-02-02T00:00:00Z"
    assert stored.summary["name"] == "New name"
    [only] = store.list_badges()
    assert only == stored
    assert len(read_db(store)["badges"]) == 1


def test_upsert_keeps_an_earlier_verification_unless_a_new_one_is_given(store: Store) -> None:
    key = "id:https://issuer.example/v.json"
    store.upsert_badge(make_record(key, verification={"status": "valid"}))
    stored, _ = store.upsert_badge(make_record(key, verification=None))
    assert stored.verification == {"status": "valid"}
    stored, _ = store.upsert_badge(make_record(key, verification={"status": "revoked"}))
    assert store.get_badge(stored.id).verification == {"status": "revoked"}


def test_distinct_keys_make_distinct_badges_listed_by_import_time(store: Store) -> None:
    late = make_record("id:late", imported_at="2026-03-01T00:00:00Z")
    early = make_record("id:early", imported_at="2026-01-01T00:00:00Z")
    store.upsert_badge(late)
    store.upsert_badge(early)
    assert [r.key for r in store.list_badges()] == ["id:early", "id:late"]


# -- ids and prefixes -----------------------------------------------------------------------------------------------


@pytest.fixture
def two_similar(store: Store) -> Store:
    store.upsert_badge(make_record("id:one", badge_id="abcd111111"))
    store.upsert_badge(make_record("id:two", badge_id="abcd222222"))
    return store


def test_get_by_full_id_and_by_unique_prefix(two_similar: Store) -> None:
    assert two_similar.get_badge("abcd111111").key == "id:one"
    assert two_similar.get_badge("abcd2").key == "id:two"
    assert two_similar.get_badge("  ABCD1 ").key == "id:one"  # trimmed and case-insensitive


def test_ambiguous_prefix_is_refused(two_similar: Store) -> None:
    with pytest.raises(AmbiguousId, match="matches 2 badges"):
        two_similar.get_badge("abcd")
    with pytest.raises(AmbiguousId):
        two_similar.remove_badge("abcd")
    assert len(two_similar.list_badges()) == 2


def test_too_short_prefix_is_not_found_even_if_it_would_be_unique(two_similar: Store) -> None:
    with pytest.raises(NotFound, match="too short") as excinfo:
        two_similar.get_badge("abc")
    assert not isinstance(excinfo.value, AmbiguousId)


def test_unknown_id_is_not_found(two_similar: Store) -> None:
    with pytest.raises(NotFound, match="no badge with id"):
        two_similar.get_badge("abce")


def test_remove_deletes_only_that_badge(two_similar: Store) -> None:
    removed = two_similar.remove_badge("abcd1")
    assert removed.key == "id:one"
    assert [r.key for r in two_similar.list_badges()] == ["id:two"]
    with pytest.raises(NotFound):
        two_similar.get_badge("abcd111111")
    with pytest.raises(NotFound):
        two_similar.remove_badge("abcd111111")


# -- identities -----------------------------------------------------------------------------------------------------


def test_identities_add_list_remove(store: Store) -> None:
    row, created = store.add_identity("email", "ada@example.com")
    assert created is True and row["value"] == "ada@example.com" and row["kind"] == "email"
    _row, created_again = store.add_identity("email", "ada@example.com")
    assert created_again is False
    store.add_identity("url", "https://ada.example")
    assert [r["value"] for r in store.list_identities()] == ["ada@example.com", "https://ada.example"]
    assert store.remove_identity("ada@example.com")["kind"] == "email"
    assert [r["value"] for r in store.list_identities()] == ["https://ada.example"]
    with pytest.raises(NotFound):
        store.remove_identity("ada@example.com")


# -- blobs ----------------------------------------------------------------------------------------------------------


def test_blobs_are_content_addressed_and_written_once(store: Store) -> None:
    data = b"\x89PNG pretend image bytes \x00\xff"
    digest = store.put_blob(data)
    assert digest == hashlib.sha256(data).hexdigest()
    path = store.blob_dir / digest
    assert path.read_bytes() == data
    before = path.stat()
    assert store.put_blob(data) == digest
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten
    assert store.read_blob(digest) == data
    assert sorted(p.name for p in store.blob_dir.iterdir()) == [digest]
    other = store.put_blob(b"other")
    assert other != digest and store.read_blob(other) == b"other"


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 200_001])
def test_read_blob_returns_every_byte_whatever_the_size(store: Store, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert store.read_blob(store.put_blob(data)) == data


def test_read_blob_refuses_bad_and_missing_digests(store: Store) -> None:
    with pytest.raises(NotFound, match="not a blob id"):
        store.read_blob("../backpack.json")
    with pytest.raises(NotFound, match="missing"):
        store.read_blob("a" * 64)


def test_database_holds_metadata_only_never_payload_bytes(store: Store) -> None:
    marker = "evidence-" + "x" * 300_000
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://issuer.example/assertions/big.json",
        "recipient": {"type": "email", "hashed": False, "identity": "ada@example.com"},
        "badge": "https://issuer.example/badges/big.json",
        "verification": {"type": "hosted"},
        "issuedOn": "2026-01-01T00:00:00Z",
        "evidence": {"narrative": marker},
    }
    text = json.dumps(assertion).encode()
    [(record, created)] = import_bytes(store, LoadedSource("text", "<test>", text))
    assert created
    db_bytes = store.db_path.read_bytes()
    assert len(db_bytes) < 10_000
    assert b"xxxxxxxxxx" not in db_bytes
    assert store.read_blob(record.payload_blob) == text
    assert store.read_blob(record.source.blob) == text
    assert (store.blob_dir / record.payload_blob).stat().st_size == len(text)


# -- schema and damaged stores --------------------------------------------------------------------------------------


def test_schema_version_is_written_on_first_write(store: Store) -> None:
    assert store.schema_version() is None
    store.add_identity("email", "ada@example.com")
    assert store.schema_version() == SCHEMA_VERSION == 1
    meta = read_db(store)["_meta"]
    assert list(meta) == ["1"]
    assert meta["1"]["schema_version"] == 1
    store.upsert_badge(make_record("id:x"))
    assert len(read_db(store)["_meta"]) == 1  # not re-inserted by later writes


def test_newer_schema_is_refused_and_left_untouched(store: Store, home: Path) -> None:
    home.mkdir()
    record = make_record("id:future")
    content = json.dumps(
        {"_meta": {"1": {"schema_version": 99}}, "badges": {"1": record.to_dict()}, "identities": {}}
    ).encode()
    store.db_path.write_bytes(content)
    stamp = store.db_path.stat().st_mtime_ns
    with pytest.raises(SchemaTooNew, match="schema 99"):
        store.list_badges()
    with pytest.raises(SchemaTooNew):
        store.get_badge(record.id)
    with pytest.raises(SchemaTooNew):
        store.upsert_badge(make_record("id:other"))
    with pytest.raises(SchemaTooNew):
        store.add_identity("email", "ada@example.com")
    assert store.db_path.read_bytes() == content
    assert store.db_path.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("content", [b'{"badges": {"1": {"id": "abc', b"\x00\x01garbage", b"[1, 2, 3]"])
def test_corrupt_database_is_an_error_and_never_overwritten(store: Store, home: Path, content: bytes) -> None:
    home.mkdir()
    store.db_path.write_bytes(content)
    with pytest.raises(StoreError, match="left untouched"):
        store.list_badges()
    with pytest.raises(StoreError):
        store.upsert_badge(make_record("id:new"))
    with pytest.raises(StoreError):
        store.add_identity("email", "ada@example.com")
    assert store.db_path.read_bytes() == content
    assert [p.name for p in home.iterdir() if p.name.endswith(".tmp")] == []


def test_reading_a_missing_home_does_not_create_it(home: Path) -> None:
    store = Store(home / "typo")
    assert store.list_badges() == []
    assert store.list_identities() == []
    assert store.schema_version() is None
    with pytest.raises(NotFound):
        store.get_badge("abcdef")
    assert not (home / "typo").exists()
    assert not home.exists()


def test_a_reader_sees_every_write_at_once_even_another_stores(home: Path) -> None:
    """A store parses the database once for several reads; a write by anyone (another process's store, a restore
    that replaces the file) shows at its next read, and a reader's edit of a row changes nothing stored."""
    reader, writer = Store(home), Store(home)
    first = make_record("id:first")
    writer.upsert_badge(first)
    assert [r.id for r in reader.list_badges()] == [first.id]
    assert reader.get_badge(first.id).display_name == "A badge"
    writer.upsert_badge(replace(first, summary={"name": "Renamed"}))
    assert reader.get_badge(first.id).display_name == "Renamed"
    writer.upsert_badge(make_record("id:second", imported_at="2026-02-01T00:00:00Z"))
    assert len(reader.list_badges()) == 2
    with reader.transaction() as db:
        db.all("badges")[0]["id"] = "changed"
    assert {r.id for r in reader.list_badges()} == {first.id, badge_id_for_key("id:second")}
    reader.remove_badge(first.id)
    assert [r.key for r in reader.list_badges()] == ["id:second"]
    assert [r.key for r in writer.list_badges()] == ["id:second"]
    saved = read_db(reader)
    writer.upsert_badge(make_record("id:third"))
    store_file = json.dumps(saved).encode()
    reader.db_path.write_bytes(store_file)  # replaced in place, as a restore from a backup would (same inode here)
    assert [r.key for r in reader.list_badges()] == ["id:second"]


def test_a_write_starts_from_the_file_not_from_an_outdated_snapshot(home: Path) -> None:
    """A store's write reuses what it last read only while the file is unchanged: another store's write in
    between is kept, and so is every write of a transaction of several."""
    mine, other = Store(home), Store(home)
    mine.add_identity("email", "ada@example.com")
    assert len(mine.list_identities()) == 1  # read: mine now holds a snapshot
    other.add_identity("email", "bob@example.com")
    mine.add_identity("email", "cyd@example.com")
    with mine.transaction(write=True) as db:
        db.insert("settings", {"name": "a", "value": 1})
        db.upsert("settings", {"name": "a", "value": 2}, name="a")
        db.insert("settings", {"name": "b", "value": 3})
    expected = ["ada@example.com", "bob@example.com", "cyd@example.com"]
    assert [r["value"] for r in Store(home).list_identities()] == expected
    assert read_db(mine)["settings"] == {"1": {"name": "a", "value": 2}, "2": {"name": "b", "value": 3}}


def test_a_read_transaction_never_writes(store: Store) -> None:
    store.add_identity("email", "ada@example.com")
    with pytest.raises(StoreError), store.transaction() as db:
        db.insert("identities", {"kind": "email", "value": "bob@example.com", "added_at": "2026-01-01"})
    assert [r["value"] for r in store.list_identities()] == ["ada@example.com"]


def test_files_are_private(store: Store) -> None:
    store.upsert_badge(make_record("id:x"))
    digest = store.put_blob(b"secret")
    assert stat.S_IMODE(store.db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((store.blob_dir / digest).stat().st_mode) == 0o600
    assert stat.S_IMODE(store.home.stat().st_mode) & 0o077 == 0


def test_write_waits_for_the_lock_then_gives_up(home: Path) -> None:
    Store(home).add_identity("email", "ada@example.com")
    impatient = Store(home, lock_timeout=0.2)
    fd = os.open(impatient.lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(StoreLocked, match="locked"):
            impatient.add_identity("email", "bob@example.com")
    finally:
        os.close(fd)
    impatient.add_identity("email", "bob@example.com")
    assert [r["value"] for r in Store(home).list_identities()] == ["ada@example.com", "bob@example.com"]


def test_two_encodings_of_one_badge_id_are_one_badge(store: Store) -> None:
    """The key is the id the badge gives itself, so re-formatted JSON of the same assertion updates, not adds."""
    assertion = {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "urn:uuid:1"}
    compact, pretty = json.dumps(assertion), json.dumps(assertion, indent=2)
    assert classify_payload(compact).sha256 != classify_payload(pretty).sha256
    [(_, created_first)] = import_bytes(store, LoadedSource("text", "a", compact.encode()))
    [(_, created_second)] = import_bytes(store, LoadedSource("text", "b", pretty.encode()))
    assert (created_first, created_second) == (True, False)
    [record] = store.list_badges()
    assert record.key == "id:urn:uuid:1"
    assert record.id == badge_id_for_key("id:urn:uuid:1")
    assert record.source.ref == "b"
    assert store.read_blob(record.payload_blob).decode() == pretty


def test_badge_without_an_id_is_keyed_by_payload_hash(store: Store) -> None:
    text = json.dumps({"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"})
    [(record, _)] = import_bytes(store, LoadedSource("text", "<test>", text.encode()))
    assert record.key == "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# -- typed views of a record ------------------------------------------------------------------------------------------


def test_a_stored_summary_reads_as_typed_fields_and_is_stored_unchanged(store: Store) -> None:
    summary = {
        "name": "Robotics",
        "description": None,
        "issuer_name": None,
        "issuer_id": "https://issuer.example/org",
        "recipient": "sha256$abc",
        "issued_on": "2026-03-04T05:06:07Z",
        "expires": None,
        "image": None,
    }
    stored, _ = store.upsert_badge(replace(make_record("id:https://issuer.example/r.json"), summary=summary))
    info = store.get_badge(stored.id).info
    assert (info.name, info.issuer, info.issued_date, info.expires_date) == (
        "Robotics",
        "https://issuer.example/org",
        "2026-03-04",
        "",
    )
    assert read_db(store)["badges"]["1"]["summary"] == summary  # the JSON on disk keeps its shape


def test_an_old_or_odd_summary_still_loads() -> None:
    record = BadgeRecord.from_dict(
        {**make_record("id:https://issuer.example/o.json").to_dict(), "summary": {"name": 7, "legacy": "x"}}
    )
    assert record.info.name is None and record.info.issuer == ""
    assert record.display_name == "Badge"  # no name in the badge: the file it came from names it


@pytest.mark.parametrize(
    ("kind", "ref", "shown"),
    [
        ("file", "/home/ada/Downloads/python_foundations-2026.png", "Python foundations 2026"),
        ("file", "/tmp/Team Leadership.svg", "Team Leadership"),
        ("file", "/tmp/42.png", "(hosted: issuer.example)"),  # a number names nothing
        ("url", "https://issuer.example/o.json", "(hosted: issuer.example)"),
        ("text", "<stdin>", "(hosted: issuer.example)"),
    ],
)
def test_a_badge_without_a_name_is_named_after_its_file(kind: str, ref: str, shown: str) -> None:
    record = make_record("id:https://issuer.example/o.json", name="")
    record = replace(record, source=replace(record.source, kind=kind, ref=ref))
    assert record.display_name == shown
    named = replace(record, summary={"name": "Python Foundations"})
    assert named.display_name == "Python Foundations"  # the badge's own name always wins


def test_the_last_report_is_typed_and_unchecked_badges_have_none() -> None:
    assert make_record("id:https://issuer.example/n.json").report is None
    report = {"source": "badge.png", "checked_at": "2026-05-01T10:00:00Z", "status": "revoked", "checks": []}
    record = make_record("id:https://issuer.example/c.json", verification=report)
    assert record.report is not None and record.report.checked_at == "2026-05-01T10:00:00Z"
    assert (record.checked_at, record.status) == ("2026-05-01T10:00:00Z", "revoked")
    record.report.checks.clear()  # each access is a fresh copy: a caller's edit never reaches the record
    assert record.verification == report
