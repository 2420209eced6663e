"""Share host benchmark: public page views and publishing, on SQLite and PostgreSQL, with 1 and 4 gunicorn workers.

    .venv/bin/python bench/host.py [--seconds 3] [--clients 8] [--badges 20] [--publish 100] [--no-postgres]

Not part of pytest. For each database (a SQLite file; a throwaway PostgreSQL server started here with Debian's
``initdb`` + ``pg_ctl`` in a temporary folder, as tests/host does — skipped when PostgreSQL is not installed) and each
worker count it starts ``gunicorn 'webview.host:create_host_app()'`` on 127.0.0.1 and measures, with ``--clients``
threads each driving its own ``httpx`` client for ``--seconds``:

* **page** — ``GET /p/<slug>`` of a portfolio of ``--badges`` OB 3.0 badges, the recheck results warm (published
  just before, ``RECHECK_SECONDS`` far above the run: no page waits for a recheck);
* **floor** — ``GET /static/style.css``, a static file served by the same app in the same workers: what the server,
  the network stack and this load generator cost without the host's work. Each row says its rate as a share of it.

Then **publish**: ``--publish`` holders (one wallet each, two badges each) publish concurrently through the wallet's
client (``wallet.publishing.publish``: challenge, holder signature, the host verifying every credential), once per
database with the most workers. The host's rate limits and quotas are lifted for the run.

The load generator runs in this process, on the same machine: read the ratios to the floor rather than the absolute
numbers, which say as much about the machine as about the host. A full run takes about a minute and a half.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing
import os
import pwd
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verifier import FetchPolicy  # noqa: E402 - after the path is set, so the bench runs from a checkout
from verifier.signing import did_key_for, sign_eddsa_rdfc_2022, verification_method_for  # noqa: E402
from wallet import badge_collections as collections  # noqa: E402
from wallet.holder import holder  # noqa: E402
from wallet.importer import LoadedSource, import_bytes  # noqa: E402
from wallet.publishing import publish  # noqa: E402
from wallet.store import Store  # noqa: E402
from webview.host import migrate  # noqa: E402

GUNICORN = Path(sys.executable).with_name("gunicorn")
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
OFFLINE = FetchPolicy(offline=True)
_ISSUER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"bench-host-issuer").digest())
_ISSUER = did_key_for(_ISSUER_KEY.public_key())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the portfolios --------------------------------------------------------------------------------------------------


def _credential(subject: str, index: int) -> bytes:
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Skill {index}",
        "issuer": {"id": _ISSUER, "type": ["Profile"], "name": "Bench Academy"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://academy.example/achievements/{index}",
                "type": ["Achievement"],
                "name": f"Skill {index}",
                "description": "A badge for the host benchmark.",
                "criteria": {"narrative": "Be benchmarked."},
            },
        },
    }
    signed = sign_eddsa_rdfc_2022(
        credential, _ISSUER_KEY, verification_method_for(_ISSUER), created="2025-01-01T00:00:00Z"
    )
    return json.dumps(signed).encode()


def make_wallet(home: Path, badges: int) -> tuple[Store, collections.Collection]:
    """A backpack whose collection "Portfolio" holds ``badges`` valid OB 3.0 badges issued to its holder."""
    store = Store(home)
    did = holder(store).did
    ids = []
    for index in range(badges):
        [(record, _created)] = import_bytes(store, LoadedSource(kind="text", ref="bench", data=_credential(did, index)))
        ids.append(record.id)
    collections.create_collection(store, "Portfolio")
    return store, collections.add_badges(store, "Portfolio", ids)


# -- servers -------------------------------------------------------------------------------------------------------


def _pg_binary(name: str) -> str | None:
    for folder in PG_BIN_DIRS:
        if (Path(folder) / name).exists():
            return str(Path(folder) / name)
    return shutil.which(name)


@contextlib.contextmanager
def postgres() -> Iterator[str | None]:
    """A throwaway PostgreSQL server (initdb + pg_ctl in a temporary folder): its URL, or None when not installed."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            user = "nobody"
        shutil.chown(folder, user)
        run_as = ["runuser", "-u", user, "--"]
    data, port = folder / "data", free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        env=env,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True, env=env)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int, log: Path) -> Iterator[str]:
    """The host under gunicorn on a free loopback port, its limits lifted; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "BACKPACK_HOST_DATABASE_URL": database_url,
        "BACKPACK_HOST_PUBLIC_URL": url,
        "BACKPACK_HOST_ALLOW_PRIVATE_NETWORK": "1",
        "BACKPACK_HOST_RECHECK_SECONDS": "86400",  # warm: no page view waits for, or starts, a recheck
        "BACKPACK_HOST_RATE_PER_ADDRESS": "1000000",
        "BACKPACK_HOST_RATE_PER_HOLDER": "1000000",
        "BACKPACK_HOST_MAX_PORTFOLIOS": "1000000",
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "webview.host:create_host_app()"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"gunicorn did not start: see {log}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- measuring ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[round(q) - 1]


def load(url: str, *, seconds: float, clients: int, expect: Callable[[httpx.Response], bool]) -> Result:
    """``clients`` threads GET ``url`` as fast as answers come back, for ``seconds``."""
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients

    def client(index: int) -> None:
        with httpx.Client(timeout=30) as http:
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    response = http.get(url)
                    ok = expect(response)
                except httpx.HTTPError:
                    ok = False
                latencies[index].append(time.perf_counter() - started)
                errors[index] += not ok

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    every = [latency for per_client in latencies for latency in per_client]
    return Result(len(every), elapsed, every, sum(errors))


def _publish_one(home: str, collection_id: str, url: str) -> tuple[float, str | None]:
    started = time.perf_counter()
    try:
        publish(Store(Path(home)), collection_id, url)
    except Exception as exc:  # noqa: BLE001 - counted and reported
        if os.environ.get("BENCH_TRACEBACK"):
            traceback.print_exc()
        return time.perf_counter() - started, f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - started, None


def publish_many(url: str, wallets: list[tuple[Store, collections.Collection]], clients: int) -> Result:
    """Every wallet publishes its collection, ``clients`` at a time.

    In processes, not threads: each publication canonicalizes JSON-LD (RDFC-1.0) to sign, and PyLD's context cache
    is not safe to share between threads (concurrent signing in one process fails now and then with a KeyError).
    """
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=clients, mp_context=multiprocessing.get_context("fork")) as pool:
        outcomes = list(
            pool.map(_publish_one, [str(s.home) for s, _ in wallets], [c.id for _, c in wallets], [url] * len(wallets))
        )
    failures = [failure for _, failure in outcomes if failure]
    return Result(
        len(outcomes),
        time.monotonic() - started,
        [latency for latency, _ in outcomes],
        len(failures),
        failures[0] if failures else "",
    )


_NAME = 44


def _row(name: str, result: Result, floor: Result | None) -> str:
    ratio = f"{result.rate / floor.rate:6.1%}" if floor and floor.rate else "     -"
    row = (
        f"{name:<{_NAME}} {result.rate:8.1f}/s {result.percentile(50) * 1000:8.1f} {result.percentile(95) * 1000:8.1f}"
        f"  {ratio}  {result.errors:>6}"
    )
    return row + (f"\n{'':<{_NAME}} first error: {result.first_error}" if result.first_error else "")


def _ok(response: httpx.Response) -> bool:
    return response.status_code == 200


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each load run (default 3)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--badges", type=int, default=20, help="badges in the viewed portfolio (default 20)")
    parser.add_argument("--publish", type=int, default=100, help="portfolios published (default 100)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="gunicorn worker counts (1 4)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    if not GUNICORN.exists():
        print("gunicorn is not installed: run scripts/setup", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-host-"))
    log = work / "gunicorn.log"
    begun = time.monotonic()
    print(f"Preparing wallets: one with {args.badges} badges, {args.publish} with 2 badges each…", flush=True)
    viewer = make_wallet(work / "viewer", args.badges)
    publishers = [make_wallet(work / f"holder-{i}", 2) for i in range(args.publish)]
    rows: list[str] = []
    with postgres() as pg_url:
        databases = [("SQLite", f"sqlite:///{work / 'host.sqlite3'}")]
        if pg_url and not args.no_postgres:
            databases.append(("PostgreSQL", pg_url))
        elif not args.no_postgres:
            print("PostgreSQL is not installed (initdb, pg_ctl): SQLite only", flush=True)
        for label, database_url in databases:
            migrate(database_url)
            for workers in args.workers:
                with gunicorn(database_url, workers, log) as url:
                    page = publish(viewer[0], viewer[1], url).url  # re-publishing updates the same page
                    warm = httpx.get(page, timeout=60)  # the results are there: the host verified at publish
                    assert warm.status_code == 200 and warm.text.count('class="badge"') == args.badges, warm.text
                    expect_page: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200  # noqa: E731
                    floor = load(
                        url + "/static/style.css", seconds=args.seconds, clients=args.clients, expect=expect_page
                    )
                    views = load(page, seconds=args.seconds, clients=args.clients, expect=expect_page)
                    name = f"{label}, {workers} worker{'s' if workers > 1 else ''}"
                    rows.append(_row(f"{name}: static file (floor)", floor, None))
                    rows.append(_row(f"{name}: page, {args.badges} badges", views, floor))
                    if workers == max(args.workers) and args.publish:
                        published = publish_many(url, publishers, args.clients)
                        rows.append(_row(f"{name}: publish ({args.publish}, 2 badges)", published, floor))
                    print(f"  measured {name}", flush=True)
    print()
    print(f"{'':<{_NAME}} {'rate':>10} {'p50 ms':>8} {'p95 ms':>8}  {'floor':>6}  {'errors':>6}")
    for row in rows:
        print(row)
    print(f"\n{args.clients} client threads, {args.seconds:g} s per run; whole run {time.monotonic() - begun:.0f} s")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
