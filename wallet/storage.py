"""What the wallet needs from a store, as protocols: the seam between the wallet and its storage engine.

:class:`wallet.store.Store` (tinydb in one JSON file) is the first implementation, and ``wallet.store`` is the only
module that imports tinydb. Everything else reads and writes through these methods, so another engine (SQLite, an
in-memory store in tests) only has to provide them, and keep the same rows.

Rows are plain JSON objects (``dict``); a table is a name. Matching is by equality on the fields given as keyword
arguments, which is all the wallet asks of a query; anything finer is done in Python over ``all(table)``, because a
backpack holds hundreds of rows, not millions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from .store import BadgeRecord

__all__ = ["BackpackStore", "Row", "Transaction"]

Row = dict[str, Any]


class Transaction(Protocol):
    """The tables, for one unit of work under the store's lock. Rows returned are copies: change them through the
    write methods. Each write method is one write (a batch is one write, however many rows it touches)."""

    def tables(self) -> set[str]:
        """The names of the tables that hold or held rows (the engine's own bookkeeping excluded)."""
        ...

    def all(self, table: str) -> list[Row]: ...

    def find(self, table: str, **match: Any) -> list[Row]:
        """The rows whose fields equal every ``match`` value (at least one field must be given)."""
        ...

    def get(self, table: str, **match: Any) -> Row | None:
        """The first row matching, or None."""
        ...

    def insert(self, table: str, *rows: Mapping[str, Any]) -> None: ...

    def update(self, table: str, fields: Mapping[str, Any], **match: Any) -> int:
        """Set ``fields`` on every row matching; returns how many rows changed."""
        ...

    def update_each(self, table: str, key: str, changes: Mapping[Any, Mapping[str, Any]]) -> None:
        """Set ``changes[v]`` on the rows whose ``key`` field is ``v``, for every ``v``: one write in all."""
        ...

    def upsert_each(self, table: str, key: str, rows: Mapping[Any, Mapping[str, Any]]) -> None:
        """For every ``v``: set ``rows[v]`` on the rows whose ``key`` field is ``v``, or insert ``rows[v]`` when none
        is. One write in all: every row is written, or none."""
        ...

    def upsert(self, table: str, row: Mapping[str, Any], **match: Any) -> None:
        """Update the rows matching with ``row``, or insert ``row`` when none does."""
        ...

    def remove(self, table: str, **match: Any) -> int:
        """Remove the rows matching; returns how many."""
        ...


class BackpackStore(Protocol):
    """A backpack: its tables, its badges as typed records, its blobs and its secrets (the holder key, the web
    secret), each behind one method so the wallet never knows where or how they are kept."""

    def exists(self) -> bool: ...

    def transaction(self, *, write: bool = False) -> AbstractContextManager[Transaction]: ...

    def locked(self) -> AbstractContextManager[None]:
        """The store's exclusive lock without the tables: for read-check-repair of a secret by one process only."""
        ...

    # -- blobs: content-addressed, written once
    def put_blob(self, data: bytes) -> str:
        """Write a blob and make it durable; returns its id (the SHA-256 of ``data``, hex)."""
        ...

    def stage_blob(self, data: bytes) -> str:
        """Write a blob, durable only after :meth:`sync_blobs` (or the :meth:`upsert_badges` of a record naming it):
        many blobs then cost one wait for the disk, not one each."""
        ...

    def sync_blobs(self, digests: Iterable[str]) -> None: ...

    def read_blob(self, digest: str) -> bytes: ...

    # -- badges
    def upsert_badge(self, record: BadgeRecord) -> tuple[BadgeRecord, bool]: ...

    def upsert_badges(self, records: Sequence[BadgeRecord]) -> list[tuple[BadgeRecord, bool]]:
        """``upsert_badge`` of each record in turn, in one write: all stored or none, their blobs durable first."""
        ...

    def save_reports(self, reports: dict[str, dict[str, Any]]) -> list[BadgeRecord]: ...

    def list_badges(self) -> list[BadgeRecord]: ...

    def get_badge(self, badge_id: str) -> BadgeRecord: ...

    def remove_badge(self, badge_id: str) -> BadgeRecord: ...

    # -- secrets: small values that never leave the backpack (not in the tables, so not in an export of them)
    def secret_location(self, name: str) -> str: ...

    def read_secret(self, name: str) -> bytes | None: ...

    def create_secret_once(self, name: str, data: bytes) -> bool: ...

    def replace_secret(self, name: str, data: bytes) -> None: ...
