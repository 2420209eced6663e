"""What the TUI shows, computed from the store without Textual: rows, the summary line, filters and sorting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..badge_collections import Collection
from ..status_words import STATUSES, words_for
from ..store import BadgeRecord

__all__ = ["STATUSES", "Row", "filter_rows", "rows", "sort_rows", "status_cell", "summary_line"]

_EXPIRY_WINDOW = timedelta(days=30)


def status_cell(status: str) -> str:
    """``⊘ revoked``: the status as the TUI lists it."""
    return f"{words_for(status).icon} {status}"


def _parse(moment: str | None) -> datetime | None:
    if not moment:
        return None
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.fromisoformat(moment[:10])
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    id: str
    status: str
    name: str
    issuer: str
    issued: str
    expires: str
    checked: str
    version: str
    collections: tuple[str, ...]

    @property
    def status_cell(self) -> str:
        return status_cell(self.status)


def rows(records: list[BadgeRecord], collections: list[Collection] | None = None) -> list[Row]:
    member: dict[str, list[str]] = {}
    for collection in collections or []:
        for badge_id in collection.badge_ids:
            member.setdefault(badge_id, []).append(collection.name)
    result = []
    for record in records:
        info = record.info
        checked = record.checked_at
        result.append(
            Row(
                id=record.id,
                status=record.status,
                name=record.display_name,
                issuer=info.issuer,
                issued=info.issued_date,
                expires=info.expires_date,
                checked=checked[:16].replace("T", " ") if checked else "never",
                version={"ob0": "OB 0.5", "ob1": "OB 1", "ob2": "OB 2.0", "ob3": "OB 3.0"}.get(record.version, "?"),
                collections=tuple(member.get(record.id, [])),
            )
        )
    return result


def filter_rows(
    all_rows: list[Row],
    *,
    text: str = "",
    status: str | None = None,
    issuer: str | None = None,
    collection: str | None = None,
) -> list[Row]:
    needle = text.strip().casefold()
    kept = []
    for row in all_rows:
        if status and row.status != status:
            continue
        if issuer and row.issuer != issuer:
            continue
        if collection and collection not in row.collections:
            continue
        haystack = " ".join((row.name, row.issuer, row.id, row.status, *row.collections)).casefold()
        if needle and not all(word in haystack for word in needle.split()):
            continue
        kept.append(row)
    return kept


SORT_KEYS = ("status", "name", "issuer", "issued", "expires", "checked")


def sort_rows(all_rows: list[Row], key: str, *, reverse: bool = False) -> list[Row]:
    if key == "status":
        order = {
            status: index
            for index, status in enumerate(("revoked", "invalid", "expired", "unverifiable", "unchecked", "valid"))
        }
        return sorted(all_rows, key=lambda r: (order.get(r.status, 9), r.name.casefold()), reverse=reverse)
    return sorted(all_rows, key=lambda r: (str(getattr(r, key)).casefold(), r.name.casefold()), reverse=reverse)


def summary_line(records: list[BadgeRecord], *, now: datetime | None = None) -> str:
    """``23 badges · 21 valid · 1 expiring in 12 days · 1 revoked``."""
    if not records:
        return "No badges yet: press i to import"
    now = now or datetime.now(UTC)
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    parts = [f"{len(records)} badge{'s' if len(records) != 1 else ''}"]
    if counts.get("valid"):
        parts.append(f"{counts['valid']} valid")
    soon = []
    for record in records:
        expires = _parse(record.info.expires)
        if expires is not None and now < expires <= now + _EXPIRY_WINDOW and record.status == "valid":
            soon.append((expires - now).days)
    if soon:
        days = min(soon)
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        parts.append(f"{len(soon)} expiring {when}" if len(soon) == 1 else f"{len(soon)} expiring within 30 days")
    for status in ("expired", "revoked", "invalid", "unverifiable", "unchecked"):
        if counts.get(status):
            parts.append(f"{counts[status]} {'not checked' if status == 'unchecked' else status}")
    return " · ".join(parts)
