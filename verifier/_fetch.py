"""The one module that talks to the network: fetching badge documents by URL, safely and once.

Untrusted URLs come from badges and from users, so every request is guarded: http/https only, connect/read
timeouts, a body size cap by kind of document, a bounded number of redirects (loops refused), and an SSRF guard that
refuses loopback, private, link-local, multicast and reserved addresses after DNS resolution, on every redirect hop.

One ``Fetcher`` is shared by every badge of a run: one ``httpx.AsyncClient``, a per-host concurrency limit, one
request in flight per URL (two badges of one issuer share one fetch), and a cache keyed by URL that honours
``Cache-Control`` and ``ETag``. The cache is pluggable (``ResponseCache``) so the wallet can persist it, which is what
makes ``--offline`` and cheap rechecks work.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import ipaddress
import re
import socket
import ssl
import sys
import time
from collections import OrderedDict
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

from ._errors import BlockedAddress, FetchError
from ._fetch_policy import DocumentKind, FetchPolicy


def _import_httpx_without_its_command_line() -> None:
    """httpx's ``__init__`` imports its own command line (``httpx._main``: click, rich, pygments — a third of the
    verifier's start-up) whenever click is installed, as it is for the backpack. The verifier never runs it: hide it
    for the one import, so httpx falls back to its stub ``main``, then let a later explicit import load it."""
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    sys.modules["httpx._main"] = None  # type: ignore[assignment]  # None in sys.modules: that import fails
    try:
        import httpx  # noqa: F401
    finally:
        del sys.modules["httpx._main"]


_import_httpx_without_its_command_line()

import httpcore  # noqa: E402
import httpx  # noqa: E402

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
    "resolve_public",
]

_ACCEPT: dict[DocumentKind, str] = {
    "json": "application/ld+json, application/json;q=0.9, application/vc+ld+json;q=0.9, */*;q=0.1",
    "image": "image/png, image/svg+xml;q=0.9, image/*;q=0.5",
    "any": "application/ld+json, application/json;q=0.9, image/png;q=0.8, image/svg+xml;q=0.8, */*;q=0.1",
}
_USER_AGENT = "openbadges-backpack/0.1"
T = TypeVar("T")


@dataclass(frozen=True)
class CachedResponse:
    url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: float
    etag: str | None = None
    max_age: float | None = None
    final_url: str | None = None

    def fresh(self, now: float) -> bool:
        return self.max_age is not None and now < self.fetched_at + self.max_age


class ResponseCache(Protocol):
    def get(self, url: str) -> CachedResponse | None: ...

    def put(self, entry: CachedResponse) -> None: ...


class MemoryCache:
    def __init__(self) -> None:
        self.entries: dict[str, CachedResponse] = {}

    def get(self, url: str) -> CachedResponse | None:
        return self.entries.get(url)

    def put(self, entry: CachedResponse) -> None:
        self.entries[entry.url] = entry


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: float
    from_cache: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _blocked(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one (mapped, or 6to4) is judged as the IPv4 address it reaches.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return _blocked(embedded)
        if address.is_site_local:  # fec0::/10: deprecated, still routed inside some networks
            return True
    elif address in _SHARED_ADDRESS_SPACE:  # 100.64.0.0/10: carrier NAT, and some clouds' metadata services
        return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")


def _check_shape(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; refuse any other scheme, a missing host, an invalid port, and what the
    HTTP client could not parse (``http://0177.0.0.1/``: an octal address it refuses to guess at)."""
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise FetchError(f"the URL is not valid: {exc}", url=url) from None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not {parts.scheme or 'a relative URL'}", url=url)
    host = parts.hostname
    if not host:
        raise FetchError("the URL has no host", url=url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError("the URL has an invalid port", url=url) from exc
    return host, port


class _Refused(Exception):
    """A connection the guard refused, raised inside httpcore; the fetcher turns it into a FetchError with the URL."""

    def __init__(self, reason: str, *, blocked: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.blocked = blocked


def resolve_public(host: str, port: int, *, url: str = "") -> str:
    """One lookup of ``host``: the address to connect to, provided every address it resolves to is public.

    The fetcher connects to exactly this address (the TLS name is still the host's), so a name that answers a public
    address to the guard and a private one to a second lookup (DNS rebinding) never reaches the private one.
    """
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host!r}", url=url or host) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        if _blocked(address):
            raise BlockedAddress(f"refused to fetch from a private or local address ({address})", url=url or host)
    if not addresses:
        raise FetchError(f"cannot resolve host {host!r}", url=url or host)
    return str(addresses[0])


def check_destination(url: str, policy: FetchPolicy) -> None:
    """Refuse non-HTTP schemes and, unless allowed, hosts that resolve to a non-public address (a pre-check for
    callers; the fetcher itself checks the address it connects to, at connection time)."""
    host, port = _check_shape(url)
    if not policy.allow_private_network:
        resolve_public(host, port, url=url)


class _PinnedNetwork(httpcore.AsyncNetworkBackend):
    """Connections to the address the guard checked: one DNS lookup per connection, made here, never again."""

    def __init__(self) -> None:
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            address = await asyncio.to_thread(resolve_public, host, port)
        except FetchError as exc:
            reason = str(exc).removesuffix(f" ({host})")
            raise _Refused(reason, blocked=isinstance(exc, BlockedAddress)) from None
        return await self._network.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise _Refused("refused to connect to a local socket", blocked=True)

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose every connection goes through ``_PinnedNetwork``."""

    def __init__(self, *, connections: int) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=connections,
            max_keepalive_connections=connections,
            network_backend=_PinnedNetwork(),
        )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle costs ~20 ms each time."""
    return httpx.create_ssl_context()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _max_age(headers: httpx.Headers) -> tuple[float | None, bool]:
    """Freshness lifetime from Cache-Control, and whether the response may be stored at all."""
    directives = headers.get("cache-control", "").lower()
    if "no-store" in directives:
        return None, False
    if "no-cache" in directives:
        return 0.0, True
    match = re.search(r"max-age\s*=\s*(\d+)", directives)
    return (float(match.group(1)) if match else None), True


class Fetcher:
    """Shared, cached, guarded HTTP fetching for one verification run. Use as an async context manager."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        cache: ResponseCache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self.cache: ResponseCache = cache if cache is not None else MemoryCache()
        self._transport = transport
        self._clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()
        self._in_flight: dict[str, int] = {}
        self._inflight: dict[str, asyncio.Future[FetchResult]] = {}
        self._host_limits: dict[str, asyncio.Semaphore] = {}
        # Never hand httpx's pool more requests than it has connections: its scheduling is linear in both.
        self._connection_slots = asyncio.Semaphore(self.policy.max_in_flight)
        self.requests_made = 0
        """Network requests actually sent (cache hits and shared in-flight fetches not counted)."""

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await client.aclose()

    def _new_client(self, connections: int) -> httpx.AsyncClient:
        policy = self.policy
        transport = self._transport
        if transport is None and not policy.allow_private_network:
            transport = _GuardedTransport(connections=connections)
        return httpx.AsyncClient(
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            follow_redirects=False,
            headers={"User-Agent": _USER_AGENT},
            transport=transport,
            verify=_ssl_context(),
            trust_env=False,  # no proxy from the environment: the address connected to is the one checked
        )

    async def _http(self, origin: str) -> httpx.AsyncClient:
        """The client for ``origin``. One small connection pool per origin, not one big pool for all: httpx's
        scheduling scans every connection of a pool for every queued request, which dominated verify_many."""
        if self._transport is not None:  # an injected transport is shared: one client, closed once
            origin = ""
        client = self._clients.get(origin)
        if client is not None:
            self._clients.move_to_end(origin)
            return client
        client = self._new_client(self.policy.max_connections if not origin else self.policy.per_host_limit)
        self._clients[origin] = client
        for idle_origin in list(self._clients)[: max(len(self._clients) - self.policy.max_open_origins, 0)]:
            if self._in_flight.get(idle_origin, 0) == 0:
                await self._clients.pop(idle_origin).aclose()
        return client

    async def fetch(self, url: str, *, kind: DocumentKind = "json") -> FetchResult:
        """The response for ``url``, of any status. Raises ``FetchError`` when there is no response at all."""
        url = url.split("#", 1)[0]
        future = self._inflight.get(url)
        if future is None:
            future = asyncio.ensure_future(self._fetch(url, kind))
            self._inflight[url] = future
        # Shielded: one badge giving up (its deadline) must not cancel a fetch other badges share.
        return await asyncio.shield(future)

    async def _fetch(self, url: str, kind: DocumentKind) -> FetchResult:
        cached = self.cache.get(url)
        now = time.time()
        if self.policy.offline:
            if cached is None:
                raise FetchError("offline, and this document was never fetched before", url=url)
            return self._from_cache(cached)
        if cached is not None and cached.fresh(now):
            return self._from_cache(cached)
        return await self._request(url, kind, cached)

    @staticmethod
    def _from_cache(entry: CachedResponse) -> FetchResult:
        return FetchResult(
            entry.url,
            entry.final_url or entry.url,
            entry.status,
            entry.content_type,
            entry.body,
            entry.fetched_at,
            True,
        )

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        if host not in self._host_limits:
            self._host_limits[host] = asyncio.Semaphore(self.policy.per_host_limit)
        return self._host_limits[host]

    async def _request(self, url: str, kind: DocumentKind, cached: CachedResponse | None) -> FetchResult:
        policy = self.policy
        current = url
        visited: set[str] = set()
        for _hop in range(policy.max_redirects + 1):
            if current in visited:
                raise FetchError("redirect loop", url=url)
            visited.add(current)
            if self._transport is not None and not policy.allow_private_network:
                # An injected transport connects its own way: check the name's addresses beforehand at least.
                await asyncio.to_thread(check_destination, current, policy)
            else:
                _check_shape(current)  # the address itself is checked when connecting (_PinnedNetwork)
            headers = {"Accept": _ACCEPT[kind]}
            if cached is not None and cached.etag and current == url:
                headers["If-None-Match"] = cached.etag
            origin = _origin(current)
            async with self._host_limit(current), self._connection_slots:
                self._in_flight[origin] = self._in_flight.get(origin, 0) + 1
                try:
                    self.requests_made += 1
                    client = await self._http(origin)
                    async with client.stream("GET", current, headers=headers) as response:
                        if response.status_code == 304 and cached is not None:
                            max_age, _storable = _max_age(response.headers)
                            refreshed = replace(cached, fetched_at=time.time(), max_age=max_age)
                            self.cache.put(refreshed)
                            return self._from_cache(refreshed)
                        if response.status_code in (301, 302, 303, 307, 308):
                            location = response.headers.get("location")
                            if not location:
                                raise FetchError(f"redirect {response.status_code} without a Location", url=current)
                            current = urljoin(current, location)
                            continue
                        body = await self._read_body(response, policy.max_bytes(kind), current)
                except _Refused as exc:
                    raise (BlockedAddress if exc.blocked else FetchError)(exc.reason, url=current) from None
                except httpx.TimeoutException as exc:
                    raise FetchError("timed out", url=current) from exc
                except httpx.HTTPError as exc:
                    raise FetchError(f"network error: {type(exc).__name__}", url=current) from exc
                finally:
                    self._in_flight[origin] -= 1
            fetched_at = time.time()
            max_age, storable = _max_age(response.headers)
            content_type = response.headers.get("content-type", "")
            if storable and response.status_code in (200, 410):
                self.cache.put(
                    CachedResponse(
                        url=url,
                        status=response.status_code,
                        content_type=content_type,
                        body=body,
                        fetched_at=fetched_at,
                        etag=response.headers.get("etag"),
                        max_age=max_age,
                        final_url=current,
                    )
                )
            return FetchResult(url, current, response.status_code, content_type, body, fetched_at)
        raise FetchError(f"more than {policy.max_redirects} redirects", url=url)

    @staticmethod
    async def _read_body(response: httpx.Response, limit: int, url: str) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"response larger than the {limit // 1024} KB allowed", url=url)
        body = bytearray()
        async for piece in response.aiter_bytes():
            body += piece
            if len(body) > limit:
                raise FetchError(f"response larger than the {limit // 1024} KB allowed", url=url)
        return bytes(body)


def run_sync(awaitable: Awaitable[T]) -> T:
    """Run a coroutine from synchronous code (the CLI, the importer), even when the calling thread already runs an
    event loop (a Textual handler, Playwright's sync API): then in a thread of its own."""

    async def _wrapper() -> T:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_wrapper())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _wrapper()).result()


def fetch_url(url: str, *, policy: FetchPolicy | None = None, kind: DocumentKind = "any") -> FetchResult:
    """Fetch one URL synchronously. Raises ``FetchError`` for network failures, limits and non-2xx answers."""

    async def _one() -> FetchResult:
        async with Fetcher(policy) as fetcher:
            async with asyncio.timeout(fetcher.policy.deadline):
                return await fetcher.fetch(url, kind=kind)

    try:
        result = run_sync(_one())
    except TimeoutError as exc:
        raise FetchError(f"gave up after {(policy or FetchPolicy()).deadline:g} s", url=url) from exc
    if not result.ok:
        raise FetchError(f"the server answered {result.status}", url=url)
    return result
