"""Open Badges extraction and verification: a library with no storage and no UI.

>>> from verifier import verify, VerifierPolicy
>>> policy = VerifierPolicy(recipients=("ada@example.com",))
>>> report = verify(open("badge.png", "rb").read(), policy=policy)  # doctest: +SKIP
>>> report.status, [check.id for check in report.checks]  # doctest: +SKIP
('valid', ['extracted', 'fetched', ...])

The façade holds what most callers need. Public sub-modules hold the rest: ``verifier.extraction`` (finding and
baking badges in images, QR codes and text), ``verifier.http`` (the fetcher, its cache protocol), ``verifier.portfolio``
(the holder-signed portfolio format) and ``verifier.signing`` (signing the wallet's own documents). Modules whose name
starts with an underscore are private.

Errors form one tree::

    VerifierError
    ├── ExtractionError          no badge could be read from the input
    │   ├── InputTooLarge
    │   ├── MalformedInput
    │   ├── UnsafeInput
    │   └── NoBadgeFound
    └── FetchError               a document could not be fetched
        └── BlockedAddress       the destination is a private or loopback address

A badge that is not valid raises nothing: the report says why.
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
from ._extract import Extraction, bake, extract
from ._fetch import FetchPolicy
from ._limits import Limits
from ._payload import Payload, classify_payload
from ._policy import VerifierPolicy
from ._registry import IssuerRegistry, parse_registry
from ._report import CHECK_IDS, BadgeDisplay, CheckResult, Report
from ._summary import BadgeSummary, summarize
from ._verify import Source, verify, verify_async, verify_many, verify_many_async

__all__ = [
    "CHECK_IDS",
    "BadgeDisplay",
    "BadgeSummary",
    "BlockedAddress",
    "CheckResult",
    "Extraction",
    "ExtractionError",
    "FetchError",
    "FetchPolicy",
    "InputTooLarge",
    "IssuerRegistry",
    "Limits",
    "MalformedInput",
    "NoBadgeFound",
    "Payload",
    "Report",
    "Source",
    "UnsafeInput",
    "VerifierError",
    "VerifierPolicy",
    "bake",
    "classify_payload",
    "extract",
    "parse_registry",
    "summarize",
    "verify",
    "verify_async",
    "verify_many",
    "verify_many_async",
]
