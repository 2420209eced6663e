"""Portfolio benchmark: N hosted OB 2.0 badges from K issuers, verified together vs one by one.

    .venv/bin/python bench/portfolio.py [--badges 1000] [--issuers 50] [--baseline-sample 200]

Each issuer is a real HTTP server on 127.0.0.1 (its own port, so its own host for per-host limits) serving its
profile, one badge class and its hosted assertions. The issuers run in a separate process, so that serving does not
compete with verifying for the interpreter lock. The same run measures:

* together: ``verify_many`` over all badges (one shared fetcher: documents fetched once, concurrency across hosts);
* one by one: ``verify`` per badge with no shared cache, on a sample of the badges (extrapolated per badge), warm
  (the process keeps its TLS context between calls) and cold (nothing kept, as with one validator call per badge).

It prints badges/s for both, network requests per badge, and the speed ratio. Target: >= 20x, and no document
fetched twice in the shared run.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import subprocess
import sys
import time
import urllib.request
from collections import Counter

from verifier import FetchPolicy, VerifierPolicy, verify, verify_many
from verifier._fetch import _ssl_context

EMAIL = "learner@example.com"
SALT = "bench"


class _Issuer:
    def __init__(self, index: int, port: int) -> None:
        self.documents: dict[str, bytes] = {}
        self.requests: Counter[str] = Counter()
        self.port = port
        self.base = f"http://127.0.0.1:{self.port}"
        issuer_id = f"{self.base}/issuer.json"
        self._publish(
            "/issuer.json",
            {
                "@context": "https://w3id.org/openbadges/v2",
                "type": "Issuer",
                "id": issuer_id,
                "name": f"Issuer {index}",
                "url": self.base,
                "email": f"badges{index}@example.org",
            },
        )
        self._publish(
            "/badge.json",
            {
                "@context": "https://w3id.org/openbadges/v2",
                "type": "BadgeClass",
                "id": f"{self.base}/badge.json",
                "name": f"Skill {index}",
                "description": "A benchmark badge.",
                "image": f"{self.base}/badge.png",
                "criteria": {"narrative": "Do the thing."},
                "issuer": issuer_id,
            },
        )

    def _publish(self, path: str, document: dict[str, object]) -> None:
        self.documents[path] = json.dumps(document).encode()

    def add_assertion(self, number: int) -> str:
        url = f"{self.base}/assertions/{number}.json"
        digest = hashlib.sha256((EMAIL + SALT).encode()).hexdigest()
        self._publish(
            f"/assertions/{number}.json",
            {
                "@context": "https://w3id.org/openbadges/v2",
                "type": "Assertion",
                "id": url,
                "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": f"sha256${digest}"},
                "badge": f"{self.base}/badge.json",
                "verification": {"type": "hosted"},
                "issuedOn": "2026-01-15T10:00:00Z",
            },
        )
        return url


def serve(issuer_count: int, badge_count: int) -> None:
    """Child process: start the issuers, print the badge URLs as one JSON line, serve until stdin closes.

    The issuers are minimal asyncio HTTP/1.1 servers with keep-alive: a thread per connection (http.server) would make
    the benchmark measure the issuers instead of the verifier.
    """
    issuers: list[_Issuer] = []

    async def handle(issuer: _Issuer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                path = request_line.split(" ")[1]
                reset = any(line.lower().startswith("x-reset:") for line in header_lines)
                if path == "/__requests":
                    body = json.dumps(issuer.requests).encode()
                    if reset:
                        issuer.requests.clear()
                else:
                    issuer.requests[path] += 1
                    body = issuer.documents.get(path, b"")
                status = "200 OK" if body else "404 Not Found"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/ld+json\r\n"
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
        for index in range(issuer_count):
            slot: list[_Issuer] = []
            server = await asyncio.start_server(lambda r, w, slot=slot: handle(slot[0], r, w), "127.0.0.1", 0)
            slot.append(_Issuer(index, server.sockets[0].getsockname()[1]))
            issuers.append(slot[0])
            servers.append(server)
        sources = [issuers[n % issuer_count].add_assertion(n) for n in range(badge_count)]
        print(json.dumps({"sources": sources, "issuers": [i.base for i in issuers]}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        for server in servers:
            server.close()

    asyncio.run(main())


def _requests(issuer_bases: list[str], *, reset: bool) -> Counter[str]:
    total: Counter[str] = Counter()
    for base in issuer_bases:
        request = urllib.request.Request(f"{base}/__requests", headers={"X-Reset": "1"} if reset else {})
        with urllib.request.urlopen(request) as response:
            total.update({f"{base}{path}": count for path, count in json.load(response).items()})
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--badges", type=int, default=1000)
    parser.add_argument("--issuers", type=int, default=50)
    parser.add_argument("--baseline-sample", type=int, default=200, help="badges verified one by one")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.issuers, args.badges)
        return 0

    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--issuers", str(args.issuers), "--badges", str(args.badges)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        setup = json.loads(child.stdout.readline())
        sources, bases = setup["sources"], setup["issuers"]
        policy = VerifierPolicy(fetch=FetchPolicy(allow_private_network=True), recipients=(EMAIL,))

        started = time.perf_counter()
        reports = verify_many(sources, policy=policy)
        together = time.perf_counter() - started
        counts = _requests(bases, reset=True)
        shared_requests = sum(counts.values())
        repeated = sum(count - 1 for count in counts.values() if count > 1)
        statuses = Counter(r.status for r in reports)

        sample = sources[: args.baseline_sample]
        started = time.perf_counter()
        for source in sample:
            verify(source, policy=policy)
        one_by_one_per_badge = (time.perf_counter() - started) / len(sample)
        baseline_requests = sum(_requests(bases, reset=True).values())
        started = time.perf_counter()
        for source in sample:
            _ssl_context.cache_clear()  # nothing kept between verifications, as with one validator call per badge
            verify(source, policy=policy)
        cold_per_badge = (time.perf_counter() - started) / len(sample)
    finally:
        child.communicate("")

    together_rate = args.badges / together
    baseline_rate = 1 / one_by_one_per_badge
    cold_rate = 1 / cold_per_badge
    ratio = together_rate / baseline_rate
    print(f"badges: {args.badges} from {args.issuers} issuers; statuses: {dict(statuses)}")
    print(
        f"together (verify_many): {together_rate:8.1f} badges/s, {shared_requests / args.badges:.2f} requests/badge,"
        f" documents fetched twice: {repeated}"
    )
    print(
        f"one by one (no cache):  {baseline_rate:8.1f} badges/s, {baseline_requests / len(sample):.2f} requests/badge"
        f" (sample of {len(sample)})"
    )
    print(f"one by one, cold:       {cold_rate:8.1f} badges/s (a new TLS context per badge, as a per-badge call pays)")
    print(f"ratio vs one by one: {ratio:.1f}x; vs cold one by one: {together_rate / cold_rate:.1f}x (target >= 20x)")
    ok = statuses == Counter({"valid": args.badges}) and repeated == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
