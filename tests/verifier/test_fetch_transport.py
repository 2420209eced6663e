"""How the fetcher carries its requests: HTTP/2 over one connection where an https origin offers it, aiohttp's
HTTP/1.1 pool otherwise, a per-host limit, and fewer requests at once to an origin that answers 429 or 503. Real
servers on loopback: Hypercorn with a test CA (trustme) for TLS and HTTP/2, the standard library's for HTTP/1.1."""

from __future__ import annotations

import asyncio
import json
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import trustme
from hypercorn.asyncio import serve
from hypercorn.config import Config

from verifier import FetchError, FetchPolicy
from verifier.http import Fetcher

LOOPBACK = FetchPolicy(allow_private_network=True)


@dataclass
class Seen:
    """What a test server saw: each request's protocol and client port, and the most requests it held at once."""

    versions: list[str] = field(default_factory=list)
    client_ports: set[int] = field(default_factory=set)
    busy: int = 0
    most_at_once: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, version: str, port: int) -> None:
        with self.lock:
            self.versions.append(version)
            self.client_ports.add(port)
            self.busy += 1
            self.most_at_once = max(self.most_at_once, self.busy)

    def leave(self) -> None:
        with self.lock:
            self.busy -= 1


@dataclass
class TLSServer:
    base_url: str
    seen: Seen
    trust: FetchPolicy
    """A policy that trusts the test CA."""


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server(ca: trustme.CA, alpn: list[str]) -> Iterator[TLSServer]:
    seen = Seen()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        seen.enter(scope["http_version"], scope["client"][1])
        try:
            await asyncio.sleep(0.05)  # long enough for requests to overlap
            body = json.dumps({"path": scope["path"]}).encode()
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": body})
        finally:
            seen.leave()

    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.certfile, config.keyfile = _pem_files(ca.issue_cert("127.0.0.1", "localhost"))
    config.alpn_protocols = alpn
    config.accesslog = config.errorlog = None
    sockets = config.create_sockets()  # bound here, so the port is known before serving
    port = sockets.secure_sockets[0].getsockname()[1]
    config.create_sockets = lambda: sockets  # type: ignore[method-assign]
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(
        target=loop.run_until_complete,
        args=(serve(app, config, shutdown_trigger=stop.wait),),
        daemon=True,  # type: ignore[arg-type]
    )
    thread.start()
    _wait_until_listening(port)
    ca_file = tempfile.mktemp(suffix=".pem")
    ca.cert_pem.write_to_path(ca_file)
    trust = FetchPolicy(allow_private_network=True, ca_file=ca_file)
    try:
        yield TLSServer(f"https://localhost:{port}", seen, trust)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def _wait_until_listening(port: int) -> None:
    """Hypercorn listens once its loop has started: until then a connection is refused."""
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _pem_files(certificate: trustme.LeafCert) -> tuple[str, str]:
    folder = tempfile.mkdtemp(prefix="tls-")
    chain, key = f"{folder}/chain.pem", f"{folder}/key.pem"
    certificate.private_key_and_cert_chain_pem.write_to_path(chain)
    certificate.private_key_pem.write_to_path(key)
    return chain, key


@pytest.fixture
def h2_server(ca: trustme.CA) -> Iterator[TLSServer]:
    yield from _tls_server(ca, ["h2", "http/1.1"])


@pytest.fixture
def h1_tls_server(ca: trustme.CA) -> Iterator[TLSServer]:
    yield from _tls_server(ca, ["http/1.1"])


async def _fetch_all(fetcher: Fetcher, urls: list[str]) -> list[Any]:
    return await asyncio.gather(*(fetcher.fetch(url) for url in urls))


def test_an_origin_that_offers_http2_gets_every_request_over_one_connection(h2_server: TLSServer) -> None:
    urls = [f"{h2_server.base_url}/doc-{n}.json" for n in range(60)]

    async def run() -> list[Any]:
        async with Fetcher(h2_server.trust) as fetcher:
            return await _fetch_all(fetcher, urls)

    results = asyncio.run(run())
    assert [json.loads(r.body)["path"] for r in results] == [f"/doc-{n}.json" for n in range(60)]
    assert set(h2_server.seen.versions) == {"2"}
    assert len(h2_server.seen.client_ports) == 1  # one connection, many streams
    assert h2_server.seen.most_at_once > 1  # several requests at once on that one connection: multiplexed


def test_an_https_origin_that_speaks_only_http1_takes_the_pooled_connections(h1_tls_server: TLSServer) -> None:
    urls = [f"{h1_tls_server.base_url}/doc-{n}.json" for n in range(40)]

    async def run() -> list[Any]:
        async with Fetcher(replace(h1_tls_server.trust, per_host_limit=8)) as f:
            return await _fetch_all(f, urls)

    results = asyncio.run(run())
    assert all(r.status == 200 for r in results)
    assert set(h1_tls_server.seen.versions) == {"1.1"}
    assert 1 < h1_tls_server.seen.most_at_once <= 8


def test_a_certificate_from_an_unknown_authority_is_refused(h2_server: TLSServer) -> None:
    async def run() -> Any:
        async with Fetcher(LOOPBACK) as fetcher:  # the default roots: the test CA is not among them
            return await fetcher.fetch(f"{h2_server.base_url}/doc.json")

    with pytest.raises(FetchError, match="network error") as raised:
        asyncio.run(run())
    assert "TLS certificate" in str(raised.value)
    assert h2_server.seen.versions == []


# -- HTTP/1.1: the per-host limit, and slowing down when asked ----------------------------------------------------


class _Plain(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: Seen
    refuse_first: list[int]
    """Answer 429 to this many requests first (a list: shared, mutable)."""

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.seen.enter("1.1", self.client_address[1])
        try:
            time.sleep(0.1)  # long enough for requests to overlap, even on a loaded machine
            with self.seen.lock:
                refuse = self.refuse_first[0] > 0
                self.refuse_first[0] -= refuse
            body = b"{}" if not refuse else b"slow down"
            self.send_response(429 if refuse else 200)
            if refuse:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            self.seen.leave()

    def log_message(self, *args: Any) -> None:
        pass


class _Listening(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # not the default 5: every connection the client opens is accepted at once


@pytest.fixture
def plain_server() -> Iterator[tuple[str, Seen, list[int]]]:
    seen, refuse = Seen(), [0]
    handler = type("Handler", (_Plain,), {"seen": seen, "refuse_first": refuse})
    server = _Listening(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen, refuse
    finally:
        server.shutdown()
        server.server_close()


def test_requests_to_one_origin_stay_within_the_per_host_limit(plain_server: tuple[str, Seen, list[int]]) -> None:
    base, seen, _refuse = plain_server
    urls = [f"{base}/doc-{n}.json" for n in range(50)]

    async def run() -> list[Any]:
        async with Fetcher(FetchPolicy(allow_private_network=True, per_host_limit=10)) as fetcher:
            return await _fetch_all(fetcher, urls)

    assert all(r.status == 200 for r in asyncio.run(run()))
    assert 6 < seen.most_at_once <= 10


def test_an_origin_that_answers_429_is_retried_once_then_asked_two_at_a_time(
    plain_server: tuple[str, Seen, list[int]],
) -> None:
    base, seen, refuse = plain_server
    refuse[0] = 1

    async def run() -> tuple[Any, list[Any], int]:
        async with Fetcher(LOOPBACK) as fetcher:
            first = await fetcher.fetch(f"{base}/first.json")
            seen.most_at_once = 0
            rest = await _fetch_all(fetcher, [f"{base}/doc-{n}.json" for n in range(20)])
            return first, rest, fetcher.requests_made

    first, rest, requests = asyncio.run(run())
    assert first.status == 200  # the retry, after the 429
    assert all(r.status == 200 for r in rest)
    assert requests == 22
    assert seen.most_at_once <= 2


def test_a_second_429_is_the_answer(plain_server: tuple[str, Seen, list[int]]) -> None:
    base, _seen, refuse = plain_server
    refuse[0] = 2

    async def run() -> Any:
        async with Fetcher(LOOPBACK) as fetcher:
            return await fetcher.fetch(f"{base}/busy.json")

    assert asyncio.run(run()).status == 429  # one retry only: the badge's check reports the server's answer


def test_idle_http2_connections_beyond_the_limit_are_closed_and_their_origins_still_answer(ca: trustme.CA) -> None:
    first_server, second_server = _tls_server(ca, ["h2", "http/1.1"]), _tls_server(ca, ["h2", "http/1.1"])
    first, second = next(first_server), next(second_server)
    try:

        async def run() -> list[int]:
            async with Fetcher(replace(first.trust, max_open_origins=1)) as fetcher:
                statuses = [(await fetcher.fetch(f"{first.base_url}/a.json")).status]
                statuses.append((await fetcher.fetch(f"{second.base_url}/a.json")).status)  # first's closed here
                statuses.append((await fetcher.fetch(f"{first.base_url}/b.json")).status)
                return statuses

        assert asyncio.run(run()) == [200, 200, 200]
        assert first.seen.versions == ["2", "1.1"]  # its HTTP/2 connection was closed: the pooled HTTP/1.1 path
        assert second.seen.versions == ["2"]
    finally:
        first_server.close()
        second_server.close()


def test_a_failed_fetch_is_kept_once_without_its_frames_and_each_caller_gets_its_own_copy() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/gone.json"  # bound, never listening: refused

    async def run() -> tuple[list[FetchError], BaseException | None]:
        async with Fetcher(LOOPBACK) as fetcher:
            raised: list[FetchError] = []
            for _attempt in range(2):
                with pytest.raises(FetchError) as caught:
                    await fetcher.fetch(url)
                raised.append(caught.value)
            return raised, fetcher._inflight[url].exception()

    (first, second), kept = asyncio.run(run())
    assert str(first) == str(second) and "network error" in str(first) and first is not second
    assert kept is not None and kept.__traceback__ is None and kept.__cause__ is None
    assert first is not kept and second is not kept  # no caller's frames ever hang on the one the run keeps


def test_importing_aiohttp_without_its_default_ca_loading_leaves_tls_as_it_was() -> None:
    """The fetcher skips aiohttp's import-time loading of the system's CA store (its default contexts are never used):
    afterwards every other TLS context loads its roots as before, and aiohttp's own default trusts nothing."""
    import subprocess
    import sys

    program = (
        "import ssl, threading\n"
        "from verifier._fetch import _import_aiohttp\n"
        "assert threading.active_count() == 1\n"
        "_import_aiohttp()\n"
        "import aiohttp.connector as c\n"
        "print(ssl.create_default_context().cert_store_stats()['x509_ca'] > 0,"
        " c._SSL_CONTEXT_VERIFIED.cert_store_stats()['x509_ca'])\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["True", "0"]
