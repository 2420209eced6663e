"""The store seam: a second, in-memory implementation of ``wallet.storage``'s protocols runs the wallet's collections,
holder key and web secret as the tinydb store does, and both give the generic table API the same meaning."""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from wallet import badge_collections as collections_lib
from wallet.errors import NotFound
from wallet.holder import holder
from wallet.storage import BackpackStore, Row, Transaction
from wallet.store import BadgeRecord, SourceRef, Store, badge_id_for_key, now_iso
from webview import _secret_key


class MemoryTransaction:
    def __init__(self, tables: dict[str, list[Row]]) -> None:
        self._tables = tables

    def _rows(self, table: str) -> list[Row]:
        return self._tables.setdefault(table, [])

    @staticmethod
    def _matches(row: Row, match: Mapping[str, Any]) -> bool:
        assert match, "a query names at least one field"
        return all(name in row and row[name] == value for name, value in match.items())

    def tables(self) -> set[str]:
        return set(self._tables)

    def all(self, table: str) -> list[Row]:
        return copy.deepcopy(self._rows(table))

    def find(self, table: str, **match: Any) -> list[Row]:
        return [copy.deepcopy(row) for row in self._rows(table) if self._matches(row, match)]

    def get(self, table: str, **match: Any) -> Row | None:
        found = self.find(table, **match)
        return found[0] if found else None

    def insert(self, table: str, *rows: Mapping[str, Any]) -> None:
        self._rows(table).extend(copy.deepcopy(dict(row)) for row in rows)

    def update(self, table: str, fields: Mapping[str, Any], **match: Any) -> int:
        changed = [row for row in self._rows(table) if self._matches(row, match)]
        for row in changed:
            row.update(copy.deepcopy(dict(fields)))
        return len(changed)

    def update_each(self, table: str, key: str, changes: Mapping[Any, Mapping[str, Any]]) -> None:
        for value, fields in changes.items():
            self.update(table, fields, **{key: value})

    def upsert_each(self, table: str, key: str, rows: Mapping[Any, Mapping[str, Any]]) -> None:
        for value, row in rows.items():
            self.upsert(table, row, **{key: value})

    def upsert(self, table: str, row: Mapping[str, Any], **match: Any) -> None:
        if not self.update(table, row, **match):
            self.insert(table, row)

    def remove(self, table: str, **match: Any) -> int:
        kept = [row for row in self._rows(table) if not self._matches(row, match)]
        removed = len(self._rows(table)) - len(kept)
        self._tables[table] = kept
        return removed


class MemoryStore:
    """All in memory; a write transaction takes effect whole or not at all."""

    def __init__(self) -> None:
        self._tables: dict[str, list[Row]] = {}
        self._blobs: dict[str, bytes] = {}
        self._secrets: dict[str, bytes] = {}

    def exists(self) -> bool:
        return bool(self._tables)

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Transaction]:
        working = copy.deepcopy(self._tables)
        yield MemoryTransaction(working)
        if write:
            self._tables = working

    @contextmanager
    def locked(self) -> Iterator[None]:
        yield

    def put_blob(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self._blobs[digest] = data
        return digest

    def stage_blob(self, data: bytes) -> str:
        return self.put_blob(data)

    def sync_blobs(self, digests: Iterable[str]) -> None:
        pass

    def read_blob(self, digest: str) -> bytes:
        try:
            return self._blobs[digest]
        except KeyError:
            raise NotFound(f"blob {digest} is missing") from None

    def upsert_badge(self, record: BadgeRecord) -> tuple[BadgeRecord, bool]:
        return self.upsert_badges([record])[0]

    def upsert_badges(self, records: Sequence[BadgeRecord]) -> list[tuple[BadgeRecord, bool]]:
        stored: list[tuple[BadgeRecord, bool]] = []
        with self.transaction(write=True) as db:
            for record in records:
                new = db.get("badges", key=record.key) is None
                db.upsert("badges", record.to_dict(), key=record.key)
                stored.append((record, new))
        return stored

    def save_reports(self, reports: dict[str, dict[str, Any]]) -> list[BadgeRecord]:
        with self.transaction(write=True) as db:
            db.update_each("badges", "id", {badge_id: {"verification": report} for badge_id, report in reports.items()})
        return [badge for badge in self.list_badges() if badge.id in reports]

    def list_badges(self) -> list[BadgeRecord]:
        with self.transaction() as db:
            return [BadgeRecord.from_dict(row) for row in db.all("badges")]

    def get_badge(self, badge_id: str) -> BadgeRecord:
        with self.transaction() as db:
            row = db.get("badges", id=badge_id)
        if row is None:
            raise NotFound(f"no badge with id {badge_id!r}")
        return BadgeRecord.from_dict(row)

    def remove_badge(self, badge_id: str) -> BadgeRecord:
        badge = self.get_badge(badge_id)
        with self.transaction(write=True) as db:
            db.remove("badges", id=badge_id)
        return badge

    def secret_location(self, name: str) -> str:
        return f"memory:{name}"

    def read_secret(self, name: str) -> bytes | None:
        return self._secrets.get(name)

    def create_secret_once(self, name: str, data: bytes) -> bool:
        if name in self._secrets:
            return False
        self._secrets[name] = data
        return True

    def replace_secret(self, name: str, data: bytes) -> None:
        self._secrets[name] = data


def _badge(name: str) -> BadgeRecord:
    key = f"id:https://issuer.example/assertions/{name}"
    source = SourceRef(kind="url", ref=key[3:], blob="", media_type="application/json", container="", location="")
    return BadgeRecord(
        id=badge_id_for_key(key),
        key=key,
        version="ob2",
        payload_kind="url",
        payload_blob="",
        summary={"name": name},
        source=source,
        imported_at=now_iso(),
        updated_at=now_iso(),
    )


@pytest.fixture(params=["tinydb", "memory"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> BackpackStore:
    return Store(tmp_path / "backpack") if request.param == "tinydb" else MemoryStore()


def test_the_generic_table_api_means_the_same_in_both_stores(any_store: BackpackStore) -> None:
    with any_store.transaction(write=True) as db:
        db.insert("shares", {"token": "a", "kind": "badge"}, {"token": "b", "kind": "collection"})
        db.insert("shares")  # nothing to insert is no write and no table
        assert db.update("shares", {"label": "Job"}, kind="collection") == 1
        db.update_each("shares", "token", {"a": {"revoked_at": "2026-01-01"}, "zzz": {"revoked_at": "never"}})
        db.upsert("settings", {"name": "theme", "value": "dark"}, name="theme")
        db.upsert("settings", {"name": "theme", "value": "light"}, name="theme")
        db.upsert_each("settings", "name", {"theme": {"name": "theme", "value": "sepia"}, "lang": {"name": "lang"}})
    with any_store.transaction() as db:
        assert db.tables() == {"shares", "settings"}
        assert db.all("shares") == [
            {"token": "a", "kind": "badge", "revoked_at": "2026-01-01"},
            {"token": "b", "kind": "collection", "label": "Job"},
        ]
        assert db.find("shares", kind="collection", token="b") == [{"token": "b", "kind": "collection", "label": "Job"}]
        assert db.get("shares", token="c") is None
        assert db.all("settings") == [{"name": "theme", "value": "sepia"}, {"name": "lang"}]
        row = db.get("shares", token="a")
        assert row is not None
        row["token"] = "changed"  # rows are copies: this changes nothing stored
        assert db.get("shares", token="a") is not None
        assert db.all("never-written") == []
    with any_store.transaction(write=True) as db:
        assert db.remove("shares", token="a") == 1
        assert db.remove("shares", token="a") == 0
        assert [r["token"] for r in db.all("shares")] == ["b"]


def test_collections_run_the_same_on_an_in_memory_store(any_store: BackpackStore) -> None:
    ada, bob = _badge("ada"), _badge("bob")
    any_store.upsert_badge(ada)
    any_store.upsert_badge(bob)
    collections_lib.create_collection(any_store, "Job profile", planned=["Rust"])
    collections_lib.add_badges(any_store, "Job profile", [ada.id, bob.id])
    collections_lib.rename_collection(any_store, "Job profile", "CV")
    with any_store.transaction(write=True) as db:
        [collection] = db.all("collections")
        db.insert("shares", {"token": "t1", "kind": "collection", "target": collection["id"]})

    removed, touched = collections_lib.remove_badge(any_store, ada.id[:6])
    assert removed.id == ada.id and touched == ["CV"]
    assert [b.id for b in any_store.list_badges()] == [bob.id]
    [cv] = collections_lib.list_collections(any_store)
    assert (cv.name, cv.badge_ids, cv.planned) == ("CV", [bob.id], ["Rust"])

    deleted, revoked = collections_lib.delete_collection_and_shares(any_store, "CV")
    assert deleted.id == cv.id and revoked == ["t1"]
    assert collections_lib.list_collections(any_store) == []
    with any_store.transaction() as db:
        [share] = db.all("shares")
    assert share["revoked_at"]


def test_holder_key_and_web_secret_live_behind_the_store(any_store: BackpackStore) -> None:
    first = holder(any_store)
    assert first.did.startswith("did:key:z6Mk") and holder(any_store).did == first.did
    assert (any_store.read_secret("holder-key.pem") or b"").startswith(b"-----BEGIN PRIVATE KEY-----")

    secret = _secret_key(any_store)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", secret) and _secret_key(any_store) == secret
    with any_store.locked():
        any_store.replace_secret("web-secret", b"")  # damaged: replaced once, then stable
    repaired = _secret_key(any_store)
    assert repaired != secret and _secret_key(any_store) == repaired
