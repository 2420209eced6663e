"""A local world of OB 2.0 issuers for the benchmarks: hosted assertions, badge classes and profiles on 127.0.0.1.

    .venv/bin/python bench/world.py --badges 1000 --issuers 50 [--delay-ms 50] [--one-origin]

Prints one JSON line (``{"sources": [...], "issuers": [...]}``), then serves until its standard input closes. The
server is a minimal asyncio HTTP/1.1 server with keep-alive (a thread per connection would measure the issuers, not
the verifier), run in its own process so that serving does not compete with verifying for the interpreter lock.

* each issuer serves ``/issuer.json``, ``/badge.json`` (five badge classes per issuer: ``/badge-N.json``) and its
  assertions; badge ``n`` belongs to issuer ``n % issuers``;
* ``--one-origin``: every issuer under one host and port (``/i<k>/…``), as a platform (Badgr, Credly, Open Badge
  Factory) serves all its assertions from one origin — the per-host connection limit then decides;
* ``--delay-ms``: every answer waits that long before it is written (a network round trip), without holding the event
  loop, so concurrent requests wait concurrently as they would on a real link;
* ``--h2 CA_FILE``: the one-origin world over TLS, offering HTTP/2 (Hypercorn; its test CA written to CA_FILE, for
  the backpack to trust through ``SSL_CERT_FILE``);
* ``GET /__requests`` (any issuer) answers the request counts per path of the whole world; ``X-Reset: 1`` clears them.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import struct
import sys
import urllib.request
import warnings
import zlib
from collections import Counter

EMAIL = "learner@example.com"
SALT = "bench"
BADGE_CLASSES_PER_ISSUER = 5


def _tiny_png() -> bytes:
    """A 1×1 PNG: the badge classes' image (the reference validator fetches and checks it; the backpack does not)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0\0\0\0")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


BADGE_PNG = _tiny_png()


def _issuer_documents(base: str, index: int) -> dict[str, bytes]:
    issuer_id = f"{base}/issuer.json"
    documents = {
        "/issuer.json": {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Issuer",
            "id": issuer_id,
            "name": f"Issuer {index}",
            "url": base,
            "email": f"badges{index}@example.org",
        }
    }
    for number in range(BADGE_CLASSES_PER_ISSUER):
        documents[f"/badge-{number}.json"] = {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "BadgeClass",
            "id": f"{base}/badge-{number}.json",
            "name": f"Skill {index}.{number}",
            "description": "A benchmark badge.",
            "image": f"{base}/badge.png",
            "criteria": {"narrative": "Do the thing."},
            "issuer": issuer_id,
        }
    return {path: json.dumps(document).encode() for path, document in documents.items()} | {"/badge.png": BADGE_PNG}


def _assertion(base: str, number: int) -> tuple[str, bytes]:
    url = f"{base}/assertions/{number}.json"
    digest = hashlib.sha256((EMAIL + SALT).encode()).hexdigest()
    document = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": url,
        "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": f"sha256${digest}"},
        "badge": f"{base}/badge-{number % BADGE_CLASSES_PER_ISSUER}.json",
        "verification": {"type": "hosted"},
        "issuedOn": "2026-01-15T10:00:00Z",
    }
    return url, json.dumps(document).encode()


def serve(issuer_count: int, badge_count: int, *, delay: float = 0.0, one_origin: bool = False) -> None:
    documents: dict[tuple[int, str], bytes] = {}  # (port, path) -> body
    requests: Counter[str] = Counter()

    async def handle(port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lock = asyncio.Lock()  # answers on one connection go out in request order (no pipelining by clients anyway)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                path = request_line.split(" ")[1]
                if path == "/__requests":
                    body = json.dumps(requests).encode()
                    if any(line.lower().startswith("x-reset:") for line in header_lines):
                        requests.clear()
                else:
                    requests[f"{port}{path}"] += 1
                    body = documents.get((port, path), b"")
                    if delay:
                        await asyncio.sleep(delay)
                status = "200 OK" if body else "404 Not Found"
                media_type = "image/png" if path.endswith(".png") else "application/ld+json"
                async with lock:
                    writer.write(
                        f"HTTP/1.1 {status}\r\nContent-Type: {media_type}\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = []
        bases: list[tuple[int, str]] = []
        shared_port = 0
        for index in range(issuer_count):
            if one_origin and servers:
                port = shared_port
            else:
                slot: list[int] = []
                server = await asyncio.start_server(lambda r, w, slot=slot: handle(slot[0], r, w), "127.0.0.1", 0)
                port = server.sockets[0].getsockname()[1]
                slot.append(port)
                servers.append(server)
                shared_port = port
            prefix = f"/i{index}" if one_origin else ""
            base = f"http://127.0.0.1:{port}{prefix}"
            bases.append((port, base))
            for path, body in _issuer_documents(base, index).items():
                documents[(port, prefix + path)] = body
        sources = []
        for number in range(badge_count):
            port, base = bases[number % issuer_count]
            url, body = _assertion(base, number)
            documents[(port, url.removeprefix(f"http://127.0.0.1:{port}"))] = body
            sources.append(url)
        print(json.dumps({"sources": sources, "issuers": sorted({b for _p, b in bases})}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        for server in servers:
            server.close()

    asyncio.run(main())


def serve_h2(issuer_count: int, badge_count: int, *, delay: float, ca_file: str) -> None:
    """The one-origin world over TLS with HTTP/2 offered (Hypercorn, a test CA from trustme written to ``ca_file``
    for the client to trust, ``SSL_CERT_FILE``): a platform behind a CDN, as real ones are."""
    import tempfile

    import trustme
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    authority = trustme.CA()
    authority.cert_pem.write_to_path(ca_file)
    folder = tempfile.mkdtemp(prefix="world-tls-")
    leaf = authority.issue_cert("localhost")
    leaf.private_key_and_cert_chain_pem.write_to_path(f"{folder}/chain.pem")
    leaf.private_key_pem.write_to_path(f"{folder}/key.pem")
    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.certfile, config.keyfile = f"{folder}/chain.pem", f"{folder}/key.pem"
    config.alpn_protocols = ["h2", "http/1.1"]
    config.accesslog = config.errorlog = None
    sockets = config.create_sockets()
    port = sockets.secure_sockets[0].getsockname()[1]
    config.create_sockets = lambda: sockets  # type: ignore[method-assign]  # the port chose above, known to the URLs
    documents: dict[str, bytes] = {}
    requests: Counter[str] = Counter()
    sources = []
    bases = [f"https://localhost:{port}/i{index}" for index in range(issuer_count)]
    for index, base in enumerate(bases):
        documents |= {f"/i{index}{path}": body for path, body in _issuer_documents(base, index).items()}
    for number in range(badge_count):
        url, body = _assertion(bases[number % issuer_count], number)
        documents[url.removeprefix(f"https://localhost:{port}")] = body
        sources.append(url)

    async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/__requests":
            body = json.dumps(requests).encode()
            if any(name == b"x-reset" for name, _value in scope["headers"]):
                requests.clear()
        else:
            requests[f"{port}{path}"] += 1
            body = documents.get(path, b"")
            if delay:
                await asyncio.sleep(delay)
        media_type = b"image/png" if path.endswith(".png") else b"application/ld+json"
        headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200 if body else 404, "headers": headers})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": body})  # type: ignore[operator]

    async def main() -> None:
        # Clients closing TLS connections abruptly make asyncio log tracebacks here: noise in the bench's table.
        asyncio.get_running_loop().set_exception_handler(lambda _loop, _context: None)
        warnings.simplefilter("ignore", RuntimeWarning)  # Hypercorn's idle timers at shutdown
        stop = asyncio.Event()
        server = asyncio.ensure_future(hypercorn_serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
        while True:  # listening only once Hypercorn has started
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            break
        print(json.dumps({"sources": sources, "issuers": bases}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        stop.set()
        await server

    asyncio.run(main())


def request_counts(any_issuer: str, *, reset: bool, ca_file: str | None = None) -> Counter[str]:
    """Requests per document since the last reset, for the whole world."""
    origin = "/".join(any_issuer.split("/")[:3])
    request = urllib.request.Request(f"{origin}/__requests", headers={"X-Reset": "1"} if reset else {})
    context = None
    if ca_file is not None:
        import ssl

        context = ssl.create_default_context(cafile=ca_file)
    with urllib.request.urlopen(request, context=context) as response:
        return Counter(json.load(response))


def documents_needed(badge_count: int, issuer_count: int) -> int:
    """Distinct documents the badges need: each assertion, each badge class used, each issuer used."""
    issuers_used = min(issuer_count, badge_count)
    classes = sum(
        len({n % BADGE_CLASSES_PER_ISSUER for n in range(i, badge_count, issuer_count)}) for i in range(issuers_used)
    )
    return badge_count + classes + issuers_used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=1000)
    parser.add_argument("--issuers", type=int, default=50)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--one-origin", action="store_true")
    parser.add_argument("--h2", metavar="CA_FILE", help="one origin over TLS offering HTTP/2; its test CA goes here")
    args = parser.parse_args()
    if args.h2:
        serve_h2(args.issuers, args.badges, delay=args.delay_ms / 1000, ca_file=args.h2)
    else:
        serve(args.issuers, args.badges, delay=args.delay_ms / 1000, one_origin=args.one_origin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
