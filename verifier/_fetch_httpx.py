"""The fetcher's second carrier: httpx, for HTTP/2 (with ``h2``) and for injected transports (tests, in-process
servers). Apart from ``_fetch`` so that a run over plain HTTP/1.1 never imports it (httpx costs ~140 ms to import).
The guard is the same: every connection goes through ``_GuardedResolver``'s single, checked lookup."""

from __future__ import annotations

import ssl
import sys
from collections.abc import Iterable
from typing import Any

from ._fetch import _REDIRECTS, _USER_AGENT, _Answer, _GuardedResolver, _Refused, _too_large
from ._fetch_policy import FetchPolicy


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


class _PinnedNetwork(httpcore.AsyncNetworkBackend):
    """The same guard for httpx (HTTP/2): connections to the address the guard checked, one lookup per connection."""

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
        resolved = await _GuardedResolver().resolve(host, port)
        return await self._network.connect_tcp(
            resolved[0]["host"], port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise _Refused("refused to connect to a local socket", blocked=True)

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose every connection goes through ``_PinnedNetwork``."""

    def __init__(self, *, connections: int, tls: ssl.SSLContext, http2: bool) -> None:
        super().__init__(verify=tls, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls,
            max_connections=connections,
            max_keepalive_connections=connections,
            network_backend=_PinnedNetwork(),
            http2=http2,
        )


def new_client(
    policy: FetchPolicy,
    transport: httpx.AsyncBaseTransport | None,
    tls: ssl.SSLContext,
    *,
    connections: int,
    http2: bool,
) -> httpx.AsyncClient:
    if transport is None and not policy.allow_private_network:
        transport = _GuardedTransport(connections=connections, tls=tls, http2=http2)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        follow_redirects=False,
        headers={"User-Agent": _USER_AGENT},
        transport=transport,
        verify=tls,
        trust_env=False,  # no proxy from the environment: the address connected to is the one checked
        http2=http2,
    )


async def send(client: httpx.AsyncClient, url: str, headers: dict[str, str], limit: int) -> _Answer:
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 304 or response.status_code in _REDIRECTS:
            return _Answer(response.status_code, response.headers, b"", response.http_version)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(limit, url)
        body = bytearray()
        async for piece in response.aiter_bytes():
            body += piece
            if len(body) > limit:
                raise _too_large(limit, url)
        return _Answer(response.status_code, response.headers, bytes(body), response.http_version)
