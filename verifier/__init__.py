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
from ._fetch import FetchPolicy, FetchResult, fetch_url
from ._limits import DEFAULT_LIMITS, Limits
from ._payload import Payload, classify_payload
from ._summary import BadgeSummary, summarize

__all__ = [
    "DEFAULT_LIMITS",
    "BadgeSummary",
    "BlockedAddress",
    "Extraction",
    "ExtractionError",
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "FoundPayload",
    "InputTooLarge",
    "Limits",
    "MalformedInput",
    "NoBadgeFound",
    "Payload",
    "UnsafeInput",
    "VerifierError",
    "bake",
    "classify_payload",
    "extract",
    "fetch_url",
    "summarize",
]
