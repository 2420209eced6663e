"""Open Badges extraction and verification: a library with no storage and no UI.

>>> from verifier import extract
>>> extraction = extract(open("badge.png", "rb").read())   # doctest: +SKIP
>>> extraction.payload.kind, extraction.payload.version     # doctest: +SKIP
('json', 'ob3')
"""

from __future__ import annotations

from ._errors import (
    BlockedAddress,
    ExtractionError,
    FetchError,
    InputTooLarge,
    MalformedInput,
    NoBadgeFound,
    UnsafeInput,
    VerifierError,
)
from ._extract import Extraction, FoundPayload, bake, extract
from ._fetch import CachedResponse, Fetcher, FetchPolicy, FetchResult, MemoryCache, ResponseCache, fetch_url
from ._limits import DEFAULT_LIMITS, Limits
from ._payload import Payload, classify_payload
from ._policy import VerifierPolicy
from ._report import CHECK_IDS, BadgeDisplay, CheckResult, Report
from ._summary import BadgeSummary, summarize
from ._verify import Source, verify, verify_async, verify_many, verify_many_async

__all__ = [
    "CHECK_IDS",
    "DEFAULT_LIMITS",
    "BadgeDisplay",
    "BadgeSummary",
    "BlockedAddress",
    "CachedResponse",
    "CheckResult",
    "Extraction",
    "ExtractionError",
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "FoundPayload",
    "InputTooLarge",
    "Limits",
    "MalformedInput",
    "MemoryCache",
    "NoBadgeFound",
    "Payload",
    "Report",
    "ResponseCache",
    "Source",
    "UnsafeInput",
    "VerifierError",
    "VerifierPolicy",
    "bake",
    "classify_payload",
    "extract",
    "fetch_url",
    "summarize",
    "verify",
    "verify_async",
    "verify_many",
    "verify_many_async",
]
