"""The persistent layer of the verifier's HTTP cache: documents fetched during verification, kept in the backpack.

Entries live in the ``http_cache`` table (metadata) and in ``blobs/`` (bodies). They are loaded once per run and
written back in one transaction at the end, because tinydb rewrites its whole file on every write.
"""

from __future__ import annotations

from dataclasses import asdict

from verifier.http import CachedResponse

from .storage import BackpackStore

__all__ = ["StoreResponseCache"]

_FIELDS = frozenset(CachedResponse.__dataclass_fields__) - {"body"}
"""A stored row's columns that are a ``CachedResponse``'s, the body aside (it is in a blob)."""


class StoreResponseCache:
    """A ``verifier.ResponseCache`` backed by the wallet store. Call ``flush()`` after the run."""

    def __init__(self, store: BackpackStore) -> None:
        self._store = store
        self._entries: dict[str, dict[str, object]] = {}
        self._pending: dict[str, dict[str, object]] = {}
        with store.transaction() as db:
            for row in db.all("http_cache"):
                self._entries[str(row["url"])] = dict(row)

    def get(self, url: str) -> CachedResponse | None:
        row = self._pending.get(url) or self._entries.get(url)
        if row is None:
            return None
        try:
            body = self._store.read_blob(str(row["body_blob"]))
        except Exception:  # noqa: BLE001 - a lost blob is a cache miss, not an error
            return None
        fields = {k: v for k, v in row.items() if k in _FIELDS}
        return CachedResponse(body=body, **fields)  # type: ignore[arg-type]

    def put(self, entry: CachedResponse) -> None:
        row = {k: v for k, v in asdict(entry).items() if k != "body"}
        row["body_blob"] = self._store.put_blob(entry.body)
        self._pending[entry.url] = row

    def flush(self) -> None:
        if not self._pending:
            return
        with self._store.transaction(write=True) as db:
            existing = {str(row["url"]) for row in db.all("http_cache")}
            # Two writes in all, not one per URL: tinydb rewrites the whole file on each.
            db.update_each("http_cache", "url", {url: row for url, row in self._pending.items() if url in existing})
            db.insert("http_cache", *(row for url, row in self._pending.items() if url not in existing))
        self._entries.update(self._pending)
        self._pending.clear()
