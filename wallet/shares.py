"""Share links: what the earner chose to make public — one collection or one badge, never the whole backpack.

A share is an unguessable token (256 bits from ``secrets``), optionally expiring, revocable at once. The public base
URL comes from the backpack's settings (``wallet.settings``: ``BACKPACK_PUBLIC_URL``, else the saved public URL, else
the local ``backpack serve`` address). Stored in the ``shares`` table.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from tinydb import Query

from . import badge_collections
from .errors import AmbiguousId, NotFound, WalletError
from .settings import DEFAULT_PUBLIC_URL
from .settings import public_url as _settings_public_url
from .store import Store, now_iso

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "Share",
    "ShareError",
    "active_share_for_badge",
    "create_share",
    "find_share",
    "list_shares",
    "public_url",
    "revoke_share",
    "share_url",
]

ShareKind = Literal["collection", "badge"]


class ShareError(WalletError):
    code = "share_invalid"


@dataclass(frozen=True)
class Share:
    token: str
    kind: ShareKind
    target: str
    """The collection id or the badge id."""
    label: str
    created_at: str
    expires_at: str | None = None
    revoked_at: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Share:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def state(self, now: datetime | None = None) -> Literal["active", "expired", "revoked"]:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and datetime.fromisoformat(self.expires_at.replace("Z", "+00:00")) <= (
            now or datetime.now(UTC)
        ):
            return "expired"
        return "active"


def _new_token() -> str:
    """256 random bits, url-safe; never starting with "-", which a command line would take for an option."""
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


def public_url(store: Store | None = None) -> str:
    """The web view's public base URL: ``BACKPACK_PUBLIC_URL``, else the backpack's setting, else the local one."""
    return _settings_public_url(store)


def share_url(store: Store, share: Share) -> str:
    return f"{public_url(store)}/s/{share.token}"


def create_share(store: Store, ref: str, *, expires_in: timedelta | None = None) -> Share:
    """Share a collection (by name or id) or a single badge (by id)."""
    kind: ShareKind
    try:
        collection = badge_collections.get_collection(store, ref)
        kind, target, label = "collection", collection.id, collection.name
    except NotFound:
        try:
            record = store.get_badge(ref)
        except AmbiguousId:
            raise
        except NotFound:
            raise NotFound(f"no collection named {ref!r} and no badge with that id in this backpack") from None
        kind, target, label = "badge", record.id, str(record.summary.get("name") or record.id)
    if expires_in is not None and expires_in <= timedelta(0):
        raise ShareError("the expiry must be in the future")
    expires_at = None
    if expires_in is not None:
        expires_at = (datetime.now(UTC) + expires_in).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    share = Share(
        token=_new_token(),
        kind=kind,
        target=target,
        label=label,
        created_at=now_iso(),
        expires_at=expires_at,
    )
    with store.transaction(write=True) as db:
        db.table("shares").insert(share.to_dict())
    return share


def list_shares(store: Store) -> list[Share]:
    with store.transaction() as db:
        return [Share.from_dict(row) for row in db.table("shares").all()]


def find_share(store: Store, token: str) -> Share | None:
    """The share with exactly this token (any state), or None. Tokens are compared in full, never by prefix."""
    if not token or len(token) > 100:
        return None
    with store.transaction() as db:
        rows = db.table("shares").search(Query().token == token)
    return Share.from_dict(rows[0]) if rows else None


def _token_of(ref: str) -> str:
    return ref.rstrip("/").rsplit("/s/", 1)[-1] if "/s/" in ref else ref.strip()


def revoke_share(store: Store, ref: str) -> list[Share]:
    """Revoke a share by token or URL, or every active share of a collection or badge (by name or id)."""
    token = _token_of(ref)
    with store.transaction(write=True) as db:
        table = db.table("shares")
        rows = table.search(Query().token == token)
        if not rows:
            wanted = ref.strip().casefold()
            rows = [
                row
                for row in table.all()
                if not row.get("revoked_at")
                and (row["label"].casefold() == wanted or (len(wanted) >= 4 and row["target"].startswith(wanted)))
            ]
        if not rows:
            raise NotFound(f"no share matches {ref!r} (give its URL, its token, or what it shares)")
        revoked_at = now_iso()
        for row in rows:
            table.update({"revoked_at": revoked_at}, Query().token == row["token"])
        return [Share.from_dict({**row, "revoked_at": revoked_at}) for row in rows]


def active_share_for_badge(store: Store, badge_id: str) -> Share | None:
    """The newest active single-badge share of a badge (what a printed card's QR code should point at)."""
    active = [s for s in list_shares(store) if s.kind == "badge" and s.target == badge_id and s.state() == "active"]
    return max(active, key=lambda s: s.created_at) if active else None
