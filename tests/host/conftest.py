"""Fixtures for the share host: real databases (SQLite files, and a PostgreSQL server the suite starts itself), the
host served on loopback, and wallets holding credentials issued to their own holder key.

* ``postgres_server`` (session) — ``initdb`` + ``pg_ctl`` in a temporary folder on a free port (as the ``postgres``
  user when the suite runs as root: initdb refuses root). Skipped without PostgreSQL, failed when ``CI=true``.
* ``database_url`` — a fresh, empty database per test, parametrized over ``sqlite`` and ``postgresql``.
* ``host_server`` — the host app served by Werkzeug on 127.0.0.1 in a thread; ``.url``, ``.app``, ``.store``.
* ``make_wallet(name)`` — a backpack home whose holder holds a collection of two valid badges issued to its
  did:key; ``issuer`` signs more (``issue(wallet, **credential options)``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from host_helpers import HostServer, PostgresServer, Wallet, free_port, import_credential, issue
from ob3_issuer import OB3Issuer, ed25519_key
from werkzeug.serving import make_server

from wallet import badge_collections as collections
from wallet.holder import holder
from wallet.store import Store
from webview.host import SqlHostStore, create_host_app
from webview.store import get_rechecker

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/local/bin")


def _pg_binary(name: str) -> str | None:
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL (initdb, pg_ctl) is required on CI: install Debian's postgresql package")
        pytest.skip("PostgreSQL is not installed (initdb, pg_ctl): apt-get install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="backpack-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the postgres (or nobody) user
        user = "postgres" if _user_exists("postgres") else "nobody"
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
        yield PostgresServer(port)
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True, env=env)
        shutil.rmtree(folder, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'host-data' / 'host.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
def host_store(database_url: str) -> Iterator[SqlHostStore]:
    store = SqlHostStore(database_url)
    yield store
    store.close()


@pytest.fixture
def make_host(host_store: SqlHostStore) -> Iterator[Callable[..., HostServer]]:
    servers: list[Any] = []

    def make(**config: Any) -> HostServer:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        app = create_host_app(
            {"STORE": host_store, "PUBLIC_URL": url, "ALLOW_PRIVATE_NETWORK": True, "TESTING": True, **config}
        )
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread, app))
        return HostServer(url, app, host_store)

    yield make
    for server, thread, app in servers:
        server.shutdown()
        thread.join(timeout=10)
        get_rechecker(app).shutdown(wait=True)  # no recheck outlives its database


@pytest.fixture
def host_server(make_host: Callable[..., HostServer]) -> HostServer:
    return make_host()


@pytest.fixture(scope="session")
def issuer() -> OB3Issuer:
    return OB3Issuer.did_key(ed25519_key("host-tests-issuer"), name="Open Robotics Lab")


@pytest.fixture
def make_wallet(tmp_path: Path, issuer: OB3Issuer) -> Callable[..., Wallet]:
    def make(name: str = "ada", *, credentials: list[dict[str, Any]] | None = None) -> Wallet:
        store = Store(tmp_path / f"wallet-{name}")
        did = holder(store).did
        if credentials is None:
            credentials = [issue(issuer, did, f"{name}-robotics"), issue(issuer, did, f"{name}-welding")]
        ids = [import_credential(store, credential) for credential in credentials]
        collections.create_collection(store, "Job applications", description="Badges for my next job")
        collection = collections.add_badges(store, "Job applications", ids)
        return Wallet(store, did, collection)

    return make
