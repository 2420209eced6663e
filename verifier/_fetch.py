"""The one module that talks to the network: fetching badge documents by URL, safely and once.

Untrusted URLs come from badges and from users, so every request is guarded: http/https only, connect/read
timeouts, a body size cap by kind of document, a bounded number of redirects (loops refused), and an SSRF guard that
refuses loopback, private, link-local, multicast and reserved addresses after DNS resolution, on every redirect hop.

One ``Fetcher`` is shared by every badge of a run: one connection pool, a per-host concurrency limit, one
request in flight per URL (two badges of one issuer share one fetch), and a cache keyed by URL that honours
``Cache-Control`` and ``ETag``. The cache is pluggable (``ResponseCache``) so the wallet can persist it, which is what
makes ``--offline`` and cheap rechecks work.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import ipaddress
import re
import socket
import ssl
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Hashable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast
from urllib.parse import urljoin, urlsplit

from ._errors import BlockedAddress, FetchError
from ._fetch_policy import DocumentKind, FetchPolicy

if TYPE_CHECKING:
    import httpx


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
    """The host and port of an http(s) URL; refuse any other scheme, a missing host, an invalid port, and what no
    HTTP client should be asked to guess at (control characters, spaces, a host that is not a valid name)."""
    if any(ord(char) <= 32 or ord(char) == 127 for char in url):
        raise FetchError("the URL is not valid: it contains spaces or control characters", url=url)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise FetchError(f"the URL is not valid: {exc}", url=url) from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not {parts.scheme or 'a relative URL'}", url=url)
    if not host:
        raise FetchError("the URL has no host", url=url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError("the URL has an invalid port", url=url) from exc
    if _ip_literal(host) is None:
        try:
            host.encode("idna")
        except UnicodeError:
            raise FetchError("the URL is not valid: its host is not a valid name", url=url) from None
    return host, port


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


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


class _GuardedResolver:
    """aiohttp's resolver hook: one lookup per new connection, made here, and only public addresses returned, so the
    address connected to is the address checked (a second lookup could answer differently: DNS rebinding)."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        try:
            address = await asyncio.to_thread(resolve_public, host, port)
        except FetchError as exc:
            reason = str(exc).removesuffix(f" ({host})")
            raise _Refused(reason, blocked=isinstance(exc, BlockedAddress)) from None
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


@functools.cache
def _ssl_context(ca_file: str | None = None, for_aiohttp: bool = False) -> ssl.SSLContext:
    """One TLS context per set of roots and client (loading a CA bundle costs ~20 ms each time): certifi's roots
    unless told. Not one for both clients: httpx sets the protocols it offers (h2) on the context it is given, and
    aiohttp, which speaks only HTTP/1.1, must never offer h2."""
    if ca_file is None:
        import certifi

        ca_file = certifi.where()
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise FetchError(f"cannot read the certificate authorities in {ca_file}: {exc}", url=ca_file) from None
    if for_aiohttp:
        context.set_alpn_protocols(["http/1.1"])
    return context


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _max_age(headers: Mapping[str, str]) -> tuple[float | None, bool]:
    """Freshness lifetime from Cache-Control, and whether the response may be stored at all."""
    directives = headers.get("cache-control", "").lower()
    if "no-store" in directives:
        return None, False
    if "no-cache" in directives:
        return 0.0, True
    match = re.search(r"max-age\s*=\s*(\d+)", directives)
    return (float(match.group(1)) if match else None), True


@dataclass(frozen=True)
class _Answer:
    """One HTTP response, whichever client carried it; ``body`` is empty for a redirect or a 304."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    http_version: str = "HTTP/1.1"


_REDIRECTS = (301, 302, 303, 307, 308)
_NETWORK_WORDS = {
    "ClientConnectorDNSError": "cannot resolve the host",
    "ClientConnectorCertificateError": "the server's TLS certificate is not valid",
    "ClientConnectorSSLError": "the TLS handshake failed",
    "ClientSSLError": "the TLS handshake failed",
    "ClientConnectorError": "cannot connect to the server",
    "ConnectError": "cannot connect to the server",
    "ServerDisconnectedError": "the server closed the connection",
    "RemoteProtocolError": "the server closed the connection or answered malformed HTTP",
    "ClientPayloadError": "the response was cut short or malformed",
    "ClientResponseError": "the server answered malformed HTTP",
    "InvalidURL": "the URL is not valid",
    "InvalidUrlClientError": "the URL is not valid",
}


def _network_words(exc: BaseException) -> str:
    reason: BaseException | None = exc
    for _depth in range(8):  # the clients wrap the TLS error once or twice: httpx's ConnectError, aiohttp's own
        if reason is None:
            break
        if isinstance(reason, ssl.SSLCertVerificationError):
            return "network error: the server's TLS certificate is not valid or not from a trusted authority"
        reason = reason.__cause__ or reason.__context__
    for kind in type(exc).__mro__:
        if kind.__name__ in _NETWORK_WORDS:
            return f"network error: {_NETWORK_WORDS[kind.__name__]}"
    return f"network error: {type(exc).__name__}"


class Fetcher:
    """Shared, cached, guarded HTTP fetching for one verification run. Use as an async context manager.

    The bytes travel through aiohttp (HTTP/1.1; about a fifth of httpx's CPU per request, which was most of a large
    run's time), except towards an https origin that offers HTTP/2: there httpx with ``h2`` multiplexes every request
    over one connection. An injected ``transport`` (httpx's interface, for tests and in-process servers) carries
    everything instead. docs/performance.md has the figures behind this choice.
    """

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
        self._injected_client: httpx.AsyncClient | None = None
        self._session: Any = None  # aiohttp.ClientSession, created inside the running loop on first use
        self._h2_clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()  # least recently used first
        self._h2_busy: dict[str, int] = {}
        self._h2_probes: dict[str, asyncio.Future[bool]] = {}
        self._inflight: dict[str, asyncio.Future[FetchResult]] = {}
        self._host_limits: dict[str, asyncio.Semaphore] = {}
        self._slowed: dict[str, asyncio.Semaphore] = {}
        """Origins that answered 429 or 503: at most two requests at once to them for the rest of the run."""
        self._connection_slots = asyncio.Semaphore(self.policy.max_in_flight)
        self.requests_made = 0
        """Network requests actually sent (cache hits and shared in-flight fetches not counted)."""
        self.memo: dict[Hashable, Any] = {}
        """What the verifier derived from a fetched document, for the other badges of this run (never another run):
        a badge class or issuer shared by thousands of badges is parsed and checked once. Each reader keys its own
        entries and keeps the body it read, to tell that the document is the same one."""

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients = list(self._h2_clients.values())
        if self._injected_client is not None:
            clients.append(self._injected_client)
        self._h2_clients, self._injected_client = OrderedDict(), None
        for client in clients:
            await client.aclose()
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _tls_context(self, *, for_aiohttp: bool = False) -> ssl.SSLContext:
        return _ssl_context(self.policy.ca_file, for_aiohttp)

    # -- clients ------------------------------------------------------------------------------------------------

    def _aiohttp_session(self) -> Any:
        if self._session is None:
            aiohttp = _import_aiohttp()
            policy = self.policy
            connector = aiohttp.TCPConnector(
                limit=policy.max_connections,
                limit_per_host=policy.per_host_limit,
                resolver=aiohttp.ThreadedResolver()
                if policy.allow_private_network
                else cast(Any, _GuardedResolver()),  # an AbstractResolver in all but name: the same two methods
                use_dns_cache=False,  # one lookup per new connection, by the guard: never an address it did not check
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": _USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),  # a badge's issuer sets no state in the verifier
                trust_env=False,  # no proxy from the environment: the address connected to is the one checked
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=policy.connect_timeout, sock_read=policy.read_timeout
                ),
                auto_decompress=True,  # aiohttp bounds each decompression step; the body limit applies after it
            )
        return self._session

    def _httpx_client(self, *, connections: int, http2: bool) -> httpx.AsyncClient:
        from ._fetch_httpx import new_client

        return new_client(self.policy, self._transport, self._tls_context(), connections=connections, http2=http2)

    # -- fetching -----------------------------------------------------------------------------------------------

    async def fetch(self, url: str, *, kind: DocumentKind = "json") -> FetchResult:
        """The response for ``url``, of any status. Raises ``FetchError`` when there is no response at all."""
        url = url.split("#", 1)[0]
        future = self._inflight.get(url)
        if future is None:
            future = self._inflight[url] = self._start(url, kind)
        try:
            if future.done():
                # Answered already, or by the cache just now: nothing to wait for, so no shield, and no turn of the
                # loop (a recheck of cached documents asks for three per badge).
                return future.result()
            # Shielded: one badge giving up (its deadline) must not cancel a fetch other badges share.
            return await asyncio.shield(future)
        except FetchError as kept:
            # The run keeps one failure per URL, as its message only; each badge raises a copy, so that no badge's
            # frames hang on the kept one (re-raised, it takes the frames of the badge that awaited it: 10,000 badges
            # of an unreachable issuer held all theirs, +100 MB).
            copy = _copy_of(kept)
            kept.__traceback__ = kept.__cause__ = kept.__context__ = None
            raise copy from None

    def _start(self, url: str, kind: DocumentKind) -> asyncio.Future[FetchResult]:
        """The answer for ``url``, asked once per run: already settled when the cache (or being offline) decides it,
        otherwise the request under way."""
        cached = self.cache.get(url)
        if not self.policy.offline and (cached is None or not cached.fresh(time.time())):
            return asyncio.ensure_future(self._request(url, kind, cached))
        answer: asyncio.Future[FetchResult] = asyncio.get_running_loop().create_future()
        if cached is None:
            answer.set_exception(FetchError("offline, and this document was never fetched before", url=url))
        else:
            answer.set_result(self._from_cache(cached))
        return answer

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

    @contextlib.asynccontextmanager
    async def _slot(self, origin: str) -> AsyncIterator[None]:
        """Room for one request: under the origin's limit, the slowed-down limit if it asked for less, and the run's."""
        limit = self._host_limits.get(origin)
        if limit is None:
            limit = self._host_limits[origin] = asyncio.Semaphore(self.policy.per_host_limit)
        slowed = self._slowed.get(origin)
        async with limit, slowed or contextlib.nullcontext(), self._connection_slots:
            yield

    async def _request(self, url: str, kind: DocumentKind, cached: CachedResponse | None) -> FetchResult:
        policy = self.policy
        current = url
        visited: set[str] = set()
        retried = False
        while True:
            if current in visited:
                raise FetchError("redirect loop", url=url)
            if len(visited) > policy.max_redirects:
                raise FetchError(f"more than {policy.max_redirects} redirects", url=url)
            visited.add(current)
            await self._check_hop(current)
            headers = {"Accept": _ACCEPT[kind]}
            if cached is not None and cached.etag and current == url:
                headers["If-None-Match"] = cached.etag
            answer = await self._send(current, headers, policy.max_bytes(kind))
            self.requests_made += 1
            if answer.status in (429, 503) and not retried:
                # The server asks for less: two requests at once from now on, and this one again after its wait.
                retried = True
                visited.discard(current)
                self._slowed.setdefault(_origin(current), asyncio.Semaphore(2))
                await asyncio.sleep(_retry_after(answer.headers.get("retry-after", "")))
                continue
            if answer.status == 304 and cached is not None:
                max_age, _storable = _max_age(answer.headers)
                refreshed = replace(cached, fetched_at=time.time(), max_age=max_age)
                self.cache.put(refreshed)
                return self._from_cache(refreshed)
            if answer.status in _REDIRECTS:
                location = answer.headers.get("location")
                if not location:
                    raise FetchError(f"redirect {answer.status} without a Location", url=current)
                current = urljoin(current, location)
                continue
            fetched_at = time.time()
            max_age, storable = _max_age(answer.headers)
            content_type = answer.headers.get("content-type", "")
            if storable and answer.status in (200, 410):
                self.cache.put(
                    CachedResponse(
                        url=url,
                        status=answer.status,
                        content_type=content_type,
                        body=answer.body,
                        fetched_at=fetched_at,
                        etag=answer.headers.get("etag"),
                        max_age=max_age,
                        final_url=current,
                    )
                )
            return FetchResult(url, current, answer.status, content_type, answer.body, fetched_at)

    async def _check_hop(self, url: str) -> None:
        """Every hop's destination, before any byte is sent to it. A name is checked when its connection is made
        (the resolver hooks); an address written in the URL never goes through a resolver, so it is checked here."""
        host, _port = _check_shape(url)
        if self.policy.allow_private_network:
            return
        if self._transport is not None:
            # An injected transport connects its own way: check the name's addresses beforehand at least.
            await asyncio.to_thread(check_destination, url, self.policy)
            return
        address = _ip_literal(host)
        if address is not None and _blocked(address):
            raise BlockedAddress(f"refused to fetch from a private or local address ({address})", url=url)

    async def _send(self, url: str, headers: dict[str, str], limit: int) -> _Answer:
        try:
            return await self._send_once(url, headers, limit)
        except FetchError as exc:
            if not isinstance(exc.__cause__, Exception) or type(exc.__cause__).__name__ not in _CLOSED_UNDER_US:
                raise
        # A server closes a kept-alive connection when it likes (nginx after 1,000 requests, HTTP/2 GOAWAY included);
        # the requests caught on it were never answered, and a GET may be sent again: once, on a new connection.
        return await self._send_once(url, headers, limit)

    async def _send_once(self, url: str, headers: dict[str, str], limit: int) -> _Answer:
        origin = _origin(url)
        try:
            if self._transport is not None:
                if self._injected_client is None:
                    self._injected_client = self._httpx_client(connections=self.policy.max_connections, http2=False)
                async with self._slot(origin):
                    return await self._send_httpx(self._injected_client, url, headers, limit)
            if url.startswith("https:") and _h2_available():
                return await self._send_https(origin, url, headers, limit)
            async with self._slot(origin):
                return await self._send_aiohttp(url, headers, limit)
        except _Refused as exc:
            raise (BlockedAddress if exc.blocked else FetchError)(exc.reason, url=url) from None
        except TimeoutError as exc:
            raise FetchError("timed out", url=url) from exc
        except FetchError:
            raise
        except Exception as exc:
            if _is_network_error(exc):
                raise FetchError(_network_words(exc), url=url) from exc
            raise

    async def _send_https(self, origin: str, url: str, headers: dict[str, str], limit: int) -> _Answer:
        """Whether ``origin`` speaks HTTP/2 is asked once, by its first request, made over httpx with h2 offered in
        the TLS handshake (ALPN). Its other requests wait for that answer rather than open more connections; then
        they share the HTTP/2 connection, or take aiohttp's HTTP/1.1 pool when the server chose HTTP/1.1."""
        probe = self._h2_probes.get(origin)
        if probe is None:
            probe = self._h2_probes[origin] = asyncio.get_running_loop().create_future()
            client = self._httpx_client(connections=1, http2=True)
            try:
                async with self._slot(origin):
                    answer = await self._send_httpx(client, url, headers, limit)
            except BaseException:
                await client.aclose()
                del self._h2_probes[origin]  # the origin's next request asks again
                probe.set_result(False)
                raise
            if answer.http_version == "HTTP/2":
                self._h2_clients[origin] = client
                self._host_limits[origin] = asyncio.Semaphore(_H2_STREAMS)
                probe.set_result(True)
                await self._close_idle_http2()
            else:
                await client.aclose()
                probe.set_result(False)
            return answer
        shared = self._h2_clients.get(origin) if await asyncio.shield(probe) else None
        if shared is not None:
            self._h2_clients.move_to_end(origin)
            self._h2_busy[origin] = self._h2_busy.get(origin, 0) + 1
            try:
                async with self._slot(origin):
                    return await self._send_httpx(shared, url, headers, limit)
            finally:
                self._h2_busy[origin] -= 1
        # HTTP/1.1, or an HTTP/2 connection closed for being idle among too many: aiohttp's pool.
        async with self._slot(origin):
            return await self._send_aiohttp(url, headers, limit)

    async def _close_idle_http2(self) -> None:
        """Each HTTP/2 origin keeps its connection for the run; beyond ``max_open_origins`` of them, the least
        recently used idle ones are closed (a recheck of badges from many platforms opens no unbounded number)."""
        excess = len(self._h2_clients) - self.policy.max_open_origins
        idle = [origin for origin in self._h2_clients if not self._h2_busy.get(origin)][: max(excess, 0)]
        for origin in idle:
            await self._h2_clients.pop(origin).aclose()

    @staticmethod
    async def _send_httpx(client: httpx.AsyncClient, url: str, headers: dict[str, str], limit: int) -> _Answer:
        from ._fetch_httpx import send

        return await send(client, url, headers, limit)

    async def _send_aiohttp(self, url: str, headers: dict[str, str], limit: int) -> _Answer:
        session = self._aiohttp_session()
        tls = self._tls_context(for_aiohttp=True) if url.startswith("https:") else None  # ours, never aiohttp's
        async with session.get(url, headers=headers, allow_redirects=False, ssl=tls or True) as response:
            status = response.status
            if status == 304 or status in _REDIRECTS:
                return _Answer(status, response.headers, b"")
            declared = response.content_length
            if declared is not None and declared > limit:
                raise _too_large(limit, url)
            body = bytearray()
            while piece := await response.content.readany():
                body += piece
                if len(body) > limit:
                    raise _too_large(limit, url)
            return _Answer(status, response.headers, bytes(body))


def _import_aiohttp() -> Any:
    """aiohttp, imported without loading the system's CA store for the two default TLS contexts it builds at import
    time (~80 ms, a third of its import, paid by every `backpack verify`). The fetcher passes its own context to every
    https request, so those defaults are never used; anything that did use them would trust no certificate (a refusal,
    never a silent pass). Only when this is the process's only thread: no other thread can be making a TLS context
    meanwhile (the web view and the TUI import aiohttp the ordinary way)."""
    if "aiohttp" in sys.modules or threading.active_count() > 1:
        import aiohttp

        return aiohttp
    load_defaults = ssl.SSLContext.set_default_verify_paths
    ssl.SSLContext.set_default_verify_paths = lambda self: None  # type: ignore[method-assign]
    try:
        import aiohttp
    finally:
        ssl.SSLContext.set_default_verify_paths = load_defaults  # type: ignore[method-assign]
    return aiohttp


_CLOSED_UNDER_US = frozenset({"RemoteProtocolError", "ServerDisconnectedError", "WriteError"})
"""The clients' words for "the connection closed before this request was answered"."""

_H2_STREAMS = 64
"""Requests in flight at once on one HTTP/2 connection (servers allow 100 or more concurrent streams)."""


_MAX_RETRY_WAIT = 5.0
"""Seconds a 429 or 503 may make a request wait before its one retry; a longer Retry-After is cut to this (each badge
has its deadline anyway)."""


def _retry_after(value: str) -> float:
    """The wait a Retry-After header asks for (seconds or an HTTP date), within 0–5 s; 1 s when absent or unreadable."""
    value = value.strip()
    if value.isdigit():
        return min(float(value), _MAX_RETRY_WAIT)
    import email.utils  # here: a tenth of the fetcher's import, for a header few servers send

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    return min(max(when.timestamp() - time.time(), 0.0), _MAX_RETRY_WAIT)


def _copy_of(exc: FetchError) -> FetchError:
    copy = type(exc).__new__(type(exc))
    copy.__dict__.update(exc.__dict__)
    copy.args = exc.args
    return copy


def _too_large(limit: int, url: str) -> FetchError:
    return FetchError(f"response larger than the {limit // 1024} KB allowed", url=url)


@functools.cache
def _h2_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("h2") is not None


def _is_network_error(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return True
    aiohttp, httpx = sys.modules.get("aiohttp"), sys.modules.get("httpx")
    return (aiohttp is not None and isinstance(exc, aiohttp.ClientError)) or (
        httpx is not None and isinstance(exc, httpx.HTTPError | httpx.InvalidURL)
    )


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
