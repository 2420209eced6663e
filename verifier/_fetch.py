"""The one module that talks to the network: fetching badge documents by URL, safely.

Untrusted URLs come from badges and from users, so every request is guarded: http/https only, connect/read
timeouts, a total deadline, a body size cap, a bounded number of redirects, and an SSRF guard that refuses loopback,
private, link-local, multicast and reserved addresses after DNS resolution, on every redirect hop.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from ._errors import BlockedAddress, FetchError

__all__ = ["FetchPolicy", "FetchResult", "fetch_url", "check_destination"]

_ACCEPT = (
    "application/ld+json, application/json;q=0.9, application/vc+ld+json;q=0.9, "
    "image/png;q=0.8, image/svg+xml;q=0.8, text/plain;q=0.5, */*;q=0.1"
)
_USER_AGENT = "openbadges-backpack/0.1 (+https://github.com/openbadges-backpack)"


def _env_allows_private() -> bool:
    return os.environ.get("BACKPACK_ALLOW_PRIVATE_NETWORK", "").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 20.0
    """Seconds for the whole fetch, redirects included."""
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    allow_private_network: bool = False
    """Lift the SSRF guard (local development, tests against loopback issuers)."""

    @classmethod
    def from_env(cls, **overrides: object) -> FetchPolicy:
        values: dict[str, object] = {"allow_private_network": _env_allows_private()}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes


def _blocked(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_destination(url: str, policy: FetchPolicy) -> None:
    """Refuse non-HTTP schemes and, unless allowed, hosts that resolve to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not {parts.scheme or 'a relative URL'}", url=url)
    host = parts.hostname
    if not host:
        raise FetchError("the URL has no host", url=url)
    if policy.allow_private_network:
        return
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host!r}", url=url) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if _blocked(address):
            raise BlockedAddress(
                f"refused to fetch from a private or local address ({address}); "
                "use --allow-private-network to allow it",
                url=url,
            )


def fetch_url(url: str, *, policy: FetchPolicy | None = None, client: httpx.Client | None = None) -> FetchResult:
    """GET ``url`` under ``policy``. Raises ``FetchError`` for network failures, limits and non-2xx answers."""
    policy = policy or FetchPolicy.from_env()
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    own_client = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": _USER_AGENT})
    started = time.monotonic()
    current = url
    try:
        for _hop in range(policy.max_redirects + 1):
            check_destination(current, policy)
            try:
                with http.stream("GET", current, headers={"Accept": _ACCEPT}, timeout=timeout) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"redirect {response.status_code} without a Location", url=current)
                        current = urljoin(current, location)
                        continue
                    if not response.is_success:
                        raise FetchError(f"the server answered {response.status_code}", url=current)
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > policy.max_body_bytes:
                        raise FetchError(f"response larger than {policy.max_body_bytes} bytes", url=current)
                    body = bytearray()
                    for piece in response.iter_bytes():
                        body += piece
                        if len(body) > policy.max_body_bytes:
                            raise FetchError(f"response larger than {policy.max_body_bytes} bytes", url=current)
                        if time.monotonic() - started > policy.deadline:
                            raise FetchError(f"gave up after {policy.deadline:g} s", url=current)
                    return FetchResult(
                        url=url,
                        final_url=current,
                        status=response.status_code,
                        content_type=response.headers.get("content-type", ""),
                        body=bytes(body),
                    )
            except httpx.TimeoutException as exc:
                raise FetchError("timed out", url=current) from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"network error: {exc}", url=current) from exc
        raise FetchError(f"more than {policy.max_redirects} redirects", url=url)
    finally:
        if own_client:
            http.close()
