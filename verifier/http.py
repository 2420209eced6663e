"""The verifier's one door to the network: a guarded, pooled, cached fetcher, and the cache protocol to plug a store
into it. Its policy is safe by default (no private addresses, timeouts, size caps) and reads no environment."""

from __future__ import annotations

from ._fetch import (
    CachedResponse,
    DocumentKind,
    Fetcher,
    FetchPolicy,
    FetchResult,
    MemoryCache,
    ResponseCache,
    check_destination,
    fetch_url,
    run_sync,
)

__all__ = [
    "CachedResponse",
    "DocumentKind",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "MemoryCache",
    "ResponseCache",
    "check_destination",
    "fetch_url",
    "run_sync",
]
