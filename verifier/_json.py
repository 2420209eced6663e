"""Readers of untrusted JSON shared by every format: lists, node ids, text, dates and hashed identities.

Pure functions, each the one copy in the package: spec modules import them from here, never from each other.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from typing import Any

from ._errors import JSONTooDeep

__all__ = [
    "MAX_JSON_DEPTH",
    "as_list",
    "as_object",
    "hash_matches",
    "iso_datetime",
    "parse_json",
    "nested_deeper_than",
    "node_id",
    "shown_date",
    "parse_datetime",
    "text_of",
    "utc_iso",
]

MAX_JSON_DEPTH = 100
"""Deepest nesting of arrays and objects accepted in a document from outside. Real badges, portfolios and contexts
nest about ten levels; every reader after the parser (JSON-LD expansion, copying, canonicalization) recurses once or
more per level, and Python's stack is about a thousand calls deep, so this limit is what keeps them all bounded."""


def parse_json(data: str | bytes | bytearray, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for text from outside, refusing nesting deeper than ``max_depth`` (``JSONTooDeep``) so that
    neither the parser nor any reader of the result recurses without bound. Raises ``ValueError`` (``JSONTooDeep``
    is one), whatever the input."""
    try:
        document = json.loads(data)
    except RecursionError:
        # The parser's own recursion guard tripped: nested far deeper than the limit.
        raise JSONTooDeep(max_depth) from None
    # A text with fewer brackets in all than the limit cannot nest deeper: most documents need no walk.
    text = data if isinstance(data, str) else bytes(data)
    brackets = text.count("[") + text.count("{") if isinstance(text, str) else text.count(b"[") + text.count(b"{")
    if brackets > max_depth and nested_deeper_than(document, max_depth):
        raise JSONTooDeep(max_depth)
    return document


# Exact types, not isinstance: several times faster over millions of items, and JSON gives exactly these.
_CONTAINERS = frozenset((dict, list, tuple))


def nested_deeper_than(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed document (dicts and lists, from any caller) nests more than ``limit`` levels: checked level by
    level without recursion, for readers given a document rather than text (a classified payload, a Python caller)."""
    level = [value] if isinstance(value, dict | list | tuple) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below: list[Any] = []
        for container in level:
            items = container.values() if isinstance(container, dict) else container
            below.extend([item for item in items if type(item) in _CONTAINERS])
        level = below
    return False


def as_list(value: Any) -> list[Any]:
    """JSON-LD's "one or many": a list as it is, nothing as ``[]``, anything else as a list of one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_object(value: Any) -> dict[str, Any]:
    """A JSON object as it is; anything else (nothing, a string, a list) as ``{}``, so its properties read as absent."""
    return value if isinstance(value, dict) else {}


def node_id(value: Any) -> str | None:
    """The IRI of a node given as a string or as an object with ``id``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(identifier := value.get("id"), str):
        return identifier
    return None


def text_of(value: Any) -> str | None:
    """A non-empty string, stripped; anything else is None."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 date or date-time (a missing zone means UTC), or a Unix timestamp as OB 1.0 allowed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_datetime(value: Any) -> str | None:
    """An OB 0.5/1.0 date as the ISO 8601 date-time OB 2.0 requires: a Unix time (a number, or digits in a string),
    a ``YYYY-MM-DD`` day or an ISO date-time, in UTC when no zone is given. None when it is none of these."""
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            parsed = parse_datetime(text)
        else:
            parsed = parse_datetime(number) if text.replace(".", "", 1).isdigit() else None
    else:
        parsed = parse_datetime(value)
    return parsed.isoformat().replace("+00:00", "Z") if parsed is not None else None


def shown_date(value: Any) -> str | None:
    """A date to show as the badge gives it; a Unix time (OB 1.0 allowed them) as an ISO date-time."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()):
        return iso_datetime(value)
    return text_of(value)


def utc_iso(timestamp: float) -> str:
    """A Unix time as the ISO 8601 UTC date-time of its second (``2026-01-15T10:00:00Z``), as reports write times."""
    whole = int(timestamp)
    if 0 <= timestamp - whole < 0.999:  # far from rounding up to the next second: that second's text, made once
        return _utc_second(whole)
    return datetime.fromtimestamp(timestamp, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@functools.lru_cache(maxsize=256)
def _utc_second(second: int) -> str:
    # Thousands of reports share a few seconds: their checked_at, and the fetch times of their cached documents.
    return datetime.fromtimestamp(second, UTC).isoformat().replace("+00:00", "Z")


def hash_matches(expected: str, candidate: str, salt: str) -> bool:
    """Whether ``expected`` (``sha256$…`` or ``md5$…``) is the hash of ``candidate`` followed by ``salt``."""
    algorithm, _, digest = expected.partition("$")
    algorithm = algorithm.lower()
    if algorithm not in ("sha256", "md5") or not digest:
        return False
    computed = hashlib.new(algorithm, (candidate + salt).encode("utf-8")).hexdigest()
    return hmac.compare_digest(computed, digest.lower())
