"""Exceptions raised by the verifier library.

Badge problems found while *verifying* will be reported as check results, not raised. What raises is input
that cannot even be read, or a caller mistake::

    VerifierError
    ├── ExtractionError            the bytes hold no readable badge
    │   ├── InputTooLarge          a size limit was exceeded (file, chunk text, pixels)
    │   │   └── JSONTooDeep        JSON nested more deeply than any badge (also a ValueError)
    │   ├── MalformedInput         truncated or corrupt PNG, unparseable SVG/JSON/JWS
    │   ├── UnsafeInput            XML entities, DTDs, decompression bombs
    │   └── NoBadgeFound           a well-formed file with nothing baked or encoded in it
    └── FetchError                 a URL could not be fetched (network, status, policy)
        └── BlockedAddress         the SSRF guard refused the destination

Each class carries a stable ``code`` so callers (CLI, web view) can map errors without parsing messages.
"""

from __future__ import annotations

__all__ = [
    "BlockedAddress",
    "ExtractionError",
    "FetchError",
    "InputTooLarge",
    "JSONTooDeep",
    "MalformedInput",
    "NoBadgeFound",
    "UnsafeInput",
    "VerifierError",
]


class VerifierError(Exception):
    code = "verifier_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ExtractionError(VerifierError):
    code = "extraction_failed"


class InputTooLarge(ExtractionError):
    code = "input_too_large"


class JSONTooDeep(InputTooLarge, ValueError):
    """JSON nested more deeply than the limit. Also a ``ValueError``, as ``json.loads``'s own errors are, so every
    reader that refuses unparseable JSON refuses this too; its message says why."""

    code = "json_too_deep"

    def __init__(self, limit: int, what: str = "the JSON") -> None:
        super().__init__(f"{what} is nested more than {limit} levels deep")
        self.limit = limit


class MalformedInput(ExtractionError):
    code = "malformed_input"


class UnsafeInput(ExtractionError):
    code = "unsafe_input"


class NoBadgeFound(ExtractionError):
    code = "no_badge_found"


class FetchError(VerifierError):
    code = "fetch_failed"

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url


class BlockedAddress(FetchError):
    code = "blocked_address"
