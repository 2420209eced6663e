"""The store under real concurrency: two processes writing at once, and processes killed in the middle of a write."""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from wallet import badge_collections as collections
from wallet.shares import create_share
from wallet.store import Store

pytestmark = pytest.mark.slow

_IMPORTER = r"""
import io, json, sys, time
from pathlib import Path
from PIL import Image
from verifier import bake, classify_payload
from wallet.importer import LoadedSource, import_bytes
from wallet.store import Store

home, prefix, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
out = io.BytesIO()
Image.new("RGB", (16, 16), "teal").save(out, "PNG")
images = []
for n in range(15):
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"https://issuer.example/{prefix}/{n}.json",
        "recipient": {"type": "email", "hashed": False, "identity": "ada@example.com"},
        "badge": {"type": "BadgeClass", "name": f"{prefix} badge {n}"},
        "verification": {"type": "hosted"},
    }
    images.append(bake(out.getvalue(), classify_payload(json.dumps(assertion))))
store = Store(home)
print("ready", flush=True)
deadline = time.monotonic() + 20
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("no go signal")
    time.sleep(0.002)
started = time.time()
for n, image in enumerate(images):
    [(record, created)] = import_bytes(store, LoadedSource("file", f"{prefix}-{n}.png", image))
    assert created, record
print(started, time.time(), flush=True)
"""

_WRITER = r"""
import os, sys, time
from wallet.store import BadgeRecord, SourceRef, Store, badge_id_for_key, now_iso

# Widen the window between "temporary file written" and "renamed over the database", so that most kills land in
# the middle of a write (the code path is the real one, only slower).
_replace = os.replace
def slow_replace(src, dst):
    time.sleep(0.02)
    _replace(src, dst)
os.replace = slow_replace

store = Store(sys.argv[1])
n = start = int(sys.argv[2])
source = SourceRef("file", "/tmp/x.png", "1" * 64, "image/png", "png", "PNG iTXt 'openbadges'")
while True:
    key = f"id:urn:kill:{n}" if n % 3 else "id:urn:kill:shared"
    stamp = now_iso()
    record = BadgeRecord(
        id=badge_id_for_key(key), key=key, version="ob2", payload_kind="json", payload_blob="0" * 64,
        summary={"name": f"Badge {n}", "description": "lorem ipsum " * 40}, source=source,
        imported_at=stamp, updated_at=stamp,
    )
    store.upsert_badge(record)
    if n == start:
        print("ready", flush=True)
    n += 1
"""


def test_two_processes_importing_at_once_lose_nothing(home: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _IMPORTER, str(home), prefix, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("alpha", "beta")
    ]
    outputs = []
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        go.touch()
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=30)
            assert proc.returncode == 0, stderr
            outputs.append(stdout)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()

    # The two runs really overlapped in time, so the lock (not luck) is what kept every write.
    spans = [tuple(float(v) for v in out.split()) for out in outputs]
    assert max(start for start, _end in spans) < min(end for _start, end in spans)

    records = Store(home).list_badges()
    expected = {f"id:https://issuer.example/{p}/{n}.json" for p in ("alpha", "beta") for n in range(15)}
    assert len(records) == 30
    assert {r.key for r in records} == expected
    assert len({r.id for r in records}) == 30
    blobs = [p for p in (home / "blobs").iterdir() if not p.name.startswith(".")]
    assert len(blobs) == 60  # each badge: its PNG and its payload text


def _check_tinydb_shape(data: object) -> None:
    assert isinstance(data, dict)
    for table, rows in data.items():
        assert isinstance(table, str) and isinstance(rows, dict)
        for doc_id, row in rows.items():
            assert doc_id.isdigit() and isinstance(row, dict)
    assert data["_meta"]["1"]["schema_version"] == 1


def test_a_process_killed_while_writing_never_leaves_a_torn_database(home: Path) -> None:
    rng = random.Random(20260314)
    killed_pids: set[int] = set()
    leftovers_seen = 0
    previous = 0
    for round_number in range(8):
        start = (round_number + 1) * 3000 + 1  # not a multiple of 3: the first write is a new badge
        with subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(home), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                proc.kill()
                pytest.fail(f"writer did not start: {proc.communicate()[1]}")
            time.sleep(rng.uniform(0.05, 0.3))
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            assert proc.returncode == -signal.SIGKILL  # killed by us, not crashed on its own
            killed_pids.add(proc.pid)

        leftovers_seen += sum(1 for p in home.iterdir() if p.name.endswith(".tmp"))
        raw = (home / "backpack.json").read_bytes()
        data = json.loads(raw)
        _check_tinydb_shape(data)
        records = Store(home, lock_timeout=2).list_badges()
        keys = {r.key for r in records}
        assert len(records) == len(data["badges"])
        assert f"id:urn:kill:{start}" in keys  # acknowledged before the kill, so it must be there
        assert len(records) > previous  # old state or newer, never older
        previous = len(records)

    # Kills did land mid-write, and the next opening cleared what the killed writers left.
    assert leftovers_seen > 0
    assert {p.name for p in home.iterdir()} == {"backpack.json", "backpack.lock", "blobs"}

    # No lock is left behind and the store keeps working.
    survivor = Store(home, lock_timeout=2)
    survivor.add_identity("email", "ada@example.com")
    assert len(survivor.list_badges()) == previous
    _check_tinydb_shape(json.loads((home / "backpack.json").read_bytes()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The command line, the TUI (headless, driven by Pilot) and the web server, each its own process, on one backpack.
_CLI = r"""
import sys
from wallet.cli import cli
home, count = sys.argv[1], int(sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
for n in range(count):
    cli.main(["--home", home, "identity", "add", f"cli-{n}@example.org"], standalone_mode=False)
    cli.main(["--home", home, "collection", "create", f"CLI {n}"], standalone_mode=False)
"""

_TUI = r"""
import asyncio, sys
from textual.widgets import Input
from verifier import FetchPolicy
from wallet.store import Store
from wallet.tui import make_app

home, count = sys.argv[1], int(sys.argv[2])

async def main() -> None:
    app = make_app(Store(home), fetch_policy=FetchPolicy(offline=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        print("ready", flush=True)
        sys.stdin.readline()
        for n in range(count):
            await pilot.press("a")
            await pilot.pause()
            app.screen.query_one(Input).value = f"tui-{n}@example.org"
            await pilot.press("enter")
            await pilot.pause()

asyncio.run(main())
"""


def test_cli_tui_and_web_server_at_once_lose_nothing(demo: Store, tmp_path: Path) -> None:
    home = demo.home
    names = [record.display_name for record in demo.list_badges()]
    collections.create_collection(demo, "Everything")
    collections.add_badges(demo, "Everything", [record.id for record in demo.list_badges()])
    token = create_share(demo, "Everything").token
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("backpack")), "--home", str(home), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    count = 8
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(home), str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for script in (_CLI, _TUI)
    ]
    statuses: list[int] = []
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the web server did not start"
            time.sleep(0.2)
        for writer in writers:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        # Read the share page while both write: every read sees a whole backpack.
        while any(writer.poll() is None for writer in writers):
            page = httpx.get(f"{url}/s/{token}", timeout=30)
            statuses.append(page.status_code)
            assert all(name in page.text for name in names if not name.startswith("("))
        for writer in writers:
            _out, err = writer.communicate(timeout=120)
            assert writer.returncode == 0, err
    finally:
        for process in (*writers, server):
            if process.poll() is None:
                process.kill()
            process.communicate()

    assert statuses and set(statuses) == {200}
    identities = {row["value"] for row in Store(home).list_identities()}
    assert {f"cli-{n}@example.org" for n in range(count)} <= identities  # no lost update, from either side
    assert {f"tui-{n}@example.org" for n in range(count)} <= identities
    assert {f"CLI {n}" for n in range(count)} <= {c.name for c in collections.list_collections(Store(home))}
