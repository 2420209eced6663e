"""Collections: badges grouped into a stack that tells one story (a learning path, a job profile).

A collection keeps badge ids in order (the order of a learning path, or the order to present a profile in), a name,
a description, tags, and optionally planned steps: achievements of a learning path not earned yet, so that progress
reads "3 of 5 earned". A badge may be in any number of collections. Stored in the ``collections`` table.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from .errors import NotFound, WalletError
from .storage import BackpackStore, Transaction
from .store import BadgeRecord, now_iso

__all__ = [
    "Collection",
    "CollectionError",
    "add_badges",
    "create_collection",
    "delete_collection",
    "delete_collection_and_shares",
    "get_collection",
    "list_collections",
    "progress",
    "remove_badges",
    "remove_badge",
    "remove_badge_everywhere",
    "rename_collection",
    "reorder",
    "update_collection",
]

_MAX_NAME = 200
_MAX_DESCRIPTION = 5000


class CollectionError(WalletError):
    code = "collection_invalid"


@dataclass(frozen=True)
class Collection:
    id: str
    name: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    badge_ids: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)
    """Steps of a learning path not earned yet (achievement names), after the earned badges."""
    created_at: str = ""
    updated_at: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Collection:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise CollectionError("a collection needs a name")
    if len(cleaned) > _MAX_NAME:
        raise CollectionError(f"a collection name is at most {_MAX_NAME} characters")
    return cleaned


_Row = TypeVar("_Row", bound=Mapping[str, Any])


def _find(rows: Sequence[_Row], ref: str) -> _Row:
    wanted = " ".join(ref.split())  # as names are stored: whitespace collapsed
    for row in rows:  # exact name first, then id or id prefix
        if row["name"].casefold() == wanted.casefold():
            return row
    matches = [row for row in rows if len(wanted) >= 4 and row["id"].startswith(wanted.lower())]
    if len(matches) == 1:
        return matches[0]
    raise NotFound(f"no collection named {ref!r}" + (" (the id prefix is ambiguous)" if matches else ""))


def list_collections(store: BackpackStore) -> list[Collection]:
    with store.transaction() as db:
        return [Collection.from_dict(row) for row in db.all("collections")]


def get_collection(store: BackpackStore, ref: str) -> Collection:
    with store.transaction() as db:
        return Collection.from_dict(_find(db.all("collections"), ref))


def create_collection(
    store: BackpackStore,
    name: str,
    *,
    description: str = "",
    tags: list[str] | None = None,
    planned: list[str] | None = None,
) -> Collection:
    name = _clean_name(name)
    with store.transaction(write=True) as db:
        if any(row["name"].casefold() == name.casefold() for row in db.all("collections")):
            raise CollectionError(f"a collection named {name!r} already exists")
        timestamp = now_iso()
        collection = Collection(
            id=secrets.token_hex(5),
            name=name,
            description=description[:_MAX_DESCRIPTION],
            tags=sorted({t.strip() for t in tags or [] if t.strip()}),
            planned=[p.strip() for p in planned or [] if p.strip()],
            created_at=timestamp,
            updated_at=timestamp,
        )
        db.insert("collections", collection.to_dict())
        return collection


def _update(store: BackpackStore, ref: str, change: Any) -> Collection:
    with store.transaction(write=True) as db:
        row = _find(db.all("collections"), ref)
        updated = change(Collection.from_dict(row), db)
        updated = Collection.from_dict({**updated.to_dict(), "updated_at": now_iso()})
        db.update("collections", updated.to_dict(), id=row["id"])
        return updated


def rename_collection(store: BackpackStore, ref: str, new_name: str) -> Collection:
    new_name = _clean_name(new_name)

    def change(collection: Collection, db: Transaction) -> Collection:
        taken = [r for r in db.all("collections") if r["name"].casefold() == new_name.casefold()]
        if taken and taken[0]["id"] != collection.id:
            raise CollectionError(f"a collection named {new_name!r} already exists")
        return Collection.from_dict({**collection.to_dict(), "name": new_name})

    return _update(store, ref, change)


def update_collection(
    store: BackpackStore,
    ref: str,
    *,
    description: str | None = None,
    tags: list[str] | None = None,
    planned: list[str] | None = None,
) -> Collection:
    def change(collection: Collection, _db: Transaction) -> Collection:
        data = collection.to_dict()
        if description is not None:
            data["description"] = description[:_MAX_DESCRIPTION]
        if tags is not None:
            data["tags"] = sorted({t.strip() for t in tags if t.strip()})
        if planned is not None:
            data["planned"] = [p.strip() for p in planned if p.strip()]
        return Collection.from_dict(data)

    return _update(store, ref, change)


def _badge_ids(db: Transaction, refs: list[str]) -> list[str]:
    rows = db.all("badges")
    ids = []
    for ref in refs:
        wanted = ref.strip().lower()
        matches = [row["id"] for row in rows if len(wanted) >= 4 and row["id"].startswith(wanted)]
        if len(matches) != 1:
            raise NotFound(
                f"no badge with id {ref!r} in this backpack" if not matches else f"badge id {ref!r} is ambiguous"
            )
        ids.append(matches[0])
    return ids


def add_badges(store: BackpackStore, ref: str, badge_refs: list[str]) -> Collection:
    def change(collection: Collection, db: Transaction) -> Collection:
        new = [b for b in _badge_ids(db, badge_refs) if b not in collection.badge_ids]
        return Collection.from_dict(
            {**collection.to_dict(), "badge_ids": collection.badge_ids + list(dict.fromkeys(new))}
        )

    return _update(store, ref, change)


def remove_badges(store: BackpackStore, ref: str, badge_refs: list[str]) -> Collection:
    def change(collection: Collection, db: Transaction) -> Collection:
        gone = set(_badge_ids(db, badge_refs))
        missing = gone - set(collection.badge_ids)
        if missing:
            raise CollectionError(f"not in {collection.name!r}: {', '.join(sorted(missing))}")
        return Collection.from_dict(
            {**collection.to_dict(), "badge_ids": [b for b in collection.badge_ids if b not in gone]}
        )

    return _update(store, ref, change)


def reorder(store: BackpackStore, ref: str, badge_refs: list[str]) -> Collection:
    """Put the given badges first, in the given order; the others keep their relative order after them."""

    def change(collection: Collection, db: Transaction) -> Collection:
        first = list(dict.fromkeys(_badge_ids(db, badge_refs)))
        outside = [b for b in first if b not in collection.badge_ids]
        if outside:
            raise CollectionError(f"not in {collection.name!r}: {', '.join(outside)}")
        rest = [b for b in collection.badge_ids if b not in first]
        return Collection.from_dict({**collection.to_dict(), "badge_ids": first + rest})

    return _update(store, ref, change)


def delete_collection(store: BackpackStore, ref: str) -> Collection:
    """Delete a collection (its badges stay) and revoke its share links, in one transaction: a link never outlives
    what it shares. See :func:`delete_collection_and_shares` for the revoked links."""
    return delete_collection_and_shares(store, ref)[0]


def delete_collection_and_shares(store: BackpackStore, ref: str) -> tuple[Collection, list[str]]:
    """Delete a collection and revoke its active share links in one transaction. Returns the collection and the
    tokens of the links revoked."""
    with store.transaction(write=True) as db:
        row = _find(db.all("collections"), ref)
        db.remove("collections", id=row["id"])
        # The shares table is ``wallet.shares``'s; its rows are revoked here so that both changes are one write.
        shares = db.find("shares", kind="collection", target=row["id"])
        revoked = [r["token"] for r in shares if not r.get("revoked_at")]
        revoked_at = now_iso()
        db.update_each("shares", "token", {token: {"revoked_at": revoked_at} for token in revoked})
        return Collection.from_dict(row), revoked


def remove_badge_everywhere(store: BackpackStore, badge_id: str) -> list[str]:
    """Drop a removed badge from every collection; returns the names of the collections it was in."""
    with store.transaction(write=True) as db:
        return _drop_from_collections(db, badge_id)


def remove_badge(store: BackpackStore, badge_ref: str) -> tuple[BadgeRecord, list[str]]:
    """Remove a badge from the backpack and from every collection, in one transaction: no collection is ever left
    pointing at a badge that is gone. Returns the badge and the names of the collections it was taken out of."""
    with store.transaction(write=True) as db:
        [badge_id] = _badge_ids(db, [badge_ref])
        row = db.get("badges", id=badge_id)
        if row is None:
            raise NotFound(f"no badge with id {badge_ref!r} in this backpack")
        db.remove("badges", id=badge_id)
        return BadgeRecord.from_dict(row), _drop_from_collections(db, badge_id)


def _drop_from_collections(db: Transaction, badge_id: str) -> list[str]:
    touched = [row for row in db.all("collections") if badge_id in row["badge_ids"]]
    changed_at = now_iso()
    db.update_each(
        "collections",
        "id",
        {
            row["id"]: {"badge_ids": [b for b in row["badge_ids"] if b != badge_id], "updated_at": changed_at}
            for row in touched
        },
    )
    return [row["name"] for row in touched]


_NOT_EARNED_WORDS = {
    "expired": "expired",
    "revoked": "revoked",
    "invalid": "not valid",
    "unverifiable": "could not be checked",
    "unchecked": "not checked yet",
}


@dataclass(frozen=True)
class Progress:
    earned: int
    """Badges of the collection that are valid: an expired, revoked or unchecked badge is held, not earned."""
    total: int
    """Badges held and planned steps."""
    statuses: dict[str, int]
    """Badges of the collection by last verification status (``unchecked`` when never verified)."""

    @property
    def text(self) -> str:
        """``2 of 4 earned · 1 expired · 1 could not be checked``, or ``3 badges`` when all are valid and none is
        planned."""
        if self.earned == self.total:
            parts = [f"{self.earned} {'badge' if self.earned == 1 else 'badges'}"]
        else:
            parts = [f"{self.earned} of {self.total} earned"]
        known = [status for status in _NOT_EARNED_WORDS if self.statuses.get(status)]
        others = sorted(status for status in self.statuses if status != "valid" and status not in _NOT_EARNED_WORDS)
        parts += [f"{self.statuses[status]} {_NOT_EARNED_WORDS.get(status, status)}" for status in known + others]
        return " · ".join(parts)


def progress(collection: Collection, badges: dict[str, BadgeRecord]) -> Progress:
    held = [badges[b] for b in collection.badge_ids if b in badges]
    statuses: dict[str, int] = {}
    for record in held:
        statuses[record.status] = statuses.get(record.status, 0) + 1
    return Progress(earned=statuses.get("valid", 0), total=len(held) + len(collection.planned), statuses=statuses)
