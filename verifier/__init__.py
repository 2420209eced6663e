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

import importlib as _importlib
import typing as _typing

# The names as type checkers and IDEs see them; at run time each loads on first use (``__getattr__`` below).
if _typing.TYPE_CHECKING:
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
    from ._fetch_policy import FetchPolicy
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

# Where each public name lives. Importing ``verifier`` loads none of them: a command that only lists the backpack must
# not pay for the HTTP client, the image decoder or the JSON-LD processor (``backpack --help`` in 150 ms).
_HOME = {
    **dict.fromkeys(
        (
            "BlockedAddress",
            "ExtractionError",
            "FetchError",
            "InputTooLarge",
            "MalformedInput",
            "NoBadgeFound",
            "UnsafeInput",
            "VerifierError",
        ),
        "_errors",
    ),
    **dict.fromkeys(("Extraction", "bake", "extract"), "_extract"),
    "FetchPolicy": "_fetch_policy",
    "Limits": "_limits",
    **dict.fromkeys(("Payload", "classify_payload"), "_payload"),
    "VerifierPolicy": "_policy",
    **dict.fromkeys(("IssuerRegistry", "parse_registry"), "_registry"),
    **dict.fromkeys(("CHECK_IDS", "BadgeDisplay", "CheckResult", "Report"), "_report"),
    **dict.fromkeys(("BadgeSummary", "summarize"), "_summary"),
    **dict.fromkeys(("Source", "verify", "verify_async", "verify_many", "verify_many_async"), "_verify"),
}


def __getattr__(name: str) -> _typing.Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
