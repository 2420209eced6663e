"""Expiry alerts: which badges expire soon, and the durations people type for "soon" (30d, 4w).

Apart from ``exporting`` (which re-exports these names) because ``backpack list`` needs them on every run and must
not load Pillow and the QR encoder to get them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from .store import BadgeRecord

__all__ = ["DEFAULT_EXPIRY_WINDOW", "aware", "describe_window", "expires_at", "expiring_within", "parse_window"]

DEFAULT_EXPIRY_WINDOW = timedelta(days=30)

_WINDOW = re.compile(r"(\d{1,5})\s*([dw]?)")


def parse_window(text: str) -> timedelta:
    """``30d``, ``4w`` or ``30`` (days) as a duration. Raises ``ValueError`` for anything else."""
    match = _WINDOW.fullmatch(text.strip().lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration: give days (30, 30d) or weeks (4w)")
    count = int(match.group(1))
    return timedelta(days=count * 7 if match.group(2) == "w" else count)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _parse_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return aware(datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


def expires_at(record: BadgeRecord) -> datetime | None:
    """When the badge expires, from its summary (``expires``: OB 2.0 ``expires``, OB 3.0 ``validUntil``)."""
    return _parse_instant(record.summary.get("expires"))


def expiring_within(records: Sequence[BadgeRecord], window: timedelta, *, now: datetime) -> list[BadgeRecord]:
    """The badges that have not expired at ``now`` but will within ``window``, soonest first."""
    now = aware(now)
    soon: list[tuple[datetime, BadgeRecord]] = []
    for record in records:
        expiry = expires_at(record)
        if expiry is not None and now < expiry <= now + window:
            soon.append((expiry, record))
    soon.sort(key=lambda item: item[0])
    return [record for _, record in soon]


def describe_window(window: timedelta) -> str:
    days = window.days
    return "1 day" if days == 1 else f"{days} days"
