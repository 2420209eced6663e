"""How the fetcher may fetch: timeouts, size caps, concurrency, the SSRF guard. Apart from the fetcher itself so that
a caller can build a policy (the wallet's settings do, for every command) without loading the HTTP client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DocumentKind", "FetchPolicy"]

DocumentKind = Literal["json", "image", "any"]
_MB = 1024 * 1024


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 20.0
    """Seconds allowed for verifying one badge, every fetch it needs included."""
    max_json_bytes: int = 8 * _MB
    """Real credentials with inline images reach a few MB; the body is read in a bounded buffer, never beyond this."""
    max_image_bytes: int = 10 * _MB
    max_redirects: int = 5
    per_host_limit: int = 24
    """HTTP/1.1 connections to one origin at once (an HTTP/2 origin gets one connection, many streams). A platform
    serves all its badges from one origin: at 50 ms a round trip, a 1,000-badge recheck needs ~20 requests in flight
    to take a few round trips, not hundreds (docs/performance.md). An origin that answers 429 or 503 gets two."""
    max_connections: int = 100
    max_in_flight: int = 32
    max_open_origins: int = 128
    """HTTP/2 connections (one per origin) kept open beyond this many: the least recently used idle ones are closed.
    HTTP/1.1 connections are bounded by ``max_connections`` and closed after 15 s idle."""
    allow_private_network: bool = False
    """Lift the SSRF guard (local development, tests against loopback issuers). Off unless the caller says so: the
    library reads no environment variable."""
    offline: bool = False
    """Never touch the network: answer from the cache, or fail."""
    ca_file: str | None = None
    """PEM file of the certificate authorities https servers are checked against (default: certifi's bundle) — a
    company's own CA, or a test's."""

    def max_bytes(self, kind: DocumentKind) -> int:
        return self.max_json_bytes if kind == "json" else self.max_image_bytes
