"""A process that runs backpack operations in forked children and kills them with SIGKILL at a given moment.

Started by ``CrashHarness`` (the test side, below): it imports the backpack once, then reads one JSON command a
line on stdin (``{"op": …, "home": …, "delay": seconds, …}``), forks a child that repeats the operation on that
backpack as fast as it can, kills the child ``delay`` seconds later, and answers one JSON line:
``{"events": […], "killed": bool}``.

Forking keeps each trial to milliseconds (no interpreter start-up), so a test can kill hundreds of writers.

The child reports through a pipe, before and after each operation: ``{"pending": state}`` — the backpack's state
once the operation is applied, then ``{"done": state}`` once the call returned (the operation is committed). After
the kill, the backpack must hold the last ``done`` state or, when one follows it, the last ``pending`` state: the
old state or the new, nothing in between, nothing committed lost.

The child's disk is slowed down (a short random pause in each ``fsync``) so that kills often land inside a write.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

from PIL import Image

from verifier import FetchPolicy, bake, classify_payload
from wallet import badge_collections as collections
from wallet.holder import holder
from wallet.importer import LoadedSource, import_bytes
from wallet.publishing import publish
from wallet.store import Store
from wallet.verification import verify_records
from webview import _secret_key

_TESTS = Path(__file__).resolve().parent
_PNG = io.BytesIO()
Image.new("RGB", (24, 24), "teal").save(_PNG, "PNG")


def _emit(fd: int, **event: Any) -> None:
    os.write(fd, (json.dumps(event) + "\n").encode())


def badge_keys(store: Store) -> list[str]:
    return sorted(record.key for record in store.list_badges())


def collection_state(store: Store) -> dict[str, list[str]]:
    return {c.name: c.badge_ids for c in collections.list_collections(store)}


def _op_import(store: Store, fd: int, rng: random.Random, command: dict[str, Any]) -> None:
    keys = badge_keys(store)
    while True:
        n = rng.getrandbits(48)
        assertion = {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Assertion",
            "id": f"https://issuer.example/crash/{n}.json",
            "recipient": {"type": "email", "hashed": False, "identity": "ada@example.com"},
            "badge": {"type": "BadgeClass", "name": f"Crash badge {n}", "description": "x" * rng.randrange(2000)},
            "verification": {"type": "hosted"},
        }
        image = bake(_PNG.getvalue(), classify_payload(json.dumps(assertion)))
        keys = sorted({*keys, f"id:{assertion['id']}"})
        _emit(fd, pending=keys)
        import_bytes(store, LoadedSource("file", f"crash-{n}.png", image))
        _emit(fd, done=keys)


def _op_recheck(store: Store, fd: int, rng: random.Random, command: dict[str, Any]) -> None:
    while True:
        records = store.list_badges()
        rng.shuffle(records)
        verify_records(store, records[: rng.randrange(1, len(records) + 1)], fetch_policy=FetchPolicy(offline=True))
        _emit(fd, done=len(store.list_badges()))


def _op_collections(store: Store, fd: int, rng: random.Random, command: dict[str, Any]) -> None:
    """Random edits, each predicted before it runs (the model below mirrors wallet.badge_collections)."""
    ids = [record.id for record in store.list_badges()]
    state = collection_state(store)
    while True:
        names = sorted(state)
        choice = rng.choice(["create", "add", "add", "remove", "rename", "delete"] if names else ["create"])
        name = rng.choice(names) if names else ""
        expected = {key: list(value) for key, value in state.items()}
        if choice == "create":
            name = f"Collection {rng.getrandbits(32):08x}"
            expected[name] = []
            call: Any = partial(collections.create_collection, store, name, description="d" * rng.randrange(500))
        elif choice == "add":
            badge = rng.choice(ids)
            expected[name] = expected[name] + ([badge] if badge not in expected[name] else [])
            call = partial(collections.add_badges, store, name, [badge])
        elif choice == "remove":
            if not expected[name]:
                continue
            badge = rng.choice(expected[name])
            expected[name] = [b for b in expected[name] if b != badge]
            call = partial(collections.remove_badges, store, name, [badge])
        elif choice == "rename":
            new = f"Renamed {rng.getrandbits(32):08x}"
            expected[new] = expected.pop(name)
            call = partial(collections.rename_collection, store, name, new)
        else:
            del expected[name]
            call = partial(collections.delete_collection, store, name)
        _emit(fd, pending=expected)
        call()
        state = expected
        _emit(fd, done=state)


def _op_publish(store: Store, fd: int, rng: random.Random, command: dict[str, Any]) -> None:
    while True:
        slug = f"crash-{rng.getrandbits(40):010x}"
        publication = publish(store, command["collection"], command["host"], slug=slug)
        _emit(fd, done=publication.url)


def _op_holder_key(store: Store, fd: int, rng: random.Random, command: dict[str, Any]) -> None:
    _emit(fd, done=holder(store).did)


def _op_web_secret(store: Store, fd: int, rng: random.Random, command: dict[str, Any]) -> None:
    _emit(fd, done=_secret_key(store))


OPERATIONS = {
    "import": _op_import,
    "recheck": _op_recheck,
    "collections": _op_collections,
    "publish": _op_publish,
    "holder-key": _op_holder_key,
    "web-secret": _op_web_secret,
}


def _slow_disk(rng: random.Random) -> None:
    fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        # A disk slow enough that kills land while a temporary file is being flushed (imports batch their flushes:
        # a faster disk left the kills almost no such moment to land in).
        time.sleep(rng.uniform(0, 0.012))
        fsync(fd)

    os.fsync = slow_fsync


def _child(command: dict[str, Any], fd: int) -> None:
    rng = random.Random(command.get("seed"))
    _slow_disk(rng)
    try:
        OPERATIONS[command["op"]](Store(command["home"]), fd, rng, command)
    except BaseException as exc:  # noqa: BLE001 - reported to the test, which fails on it
        _emit(fd, error=f"{type(exc).__name__}: {exc}")
        os._exit(1)
    os._exit(0)


def run(command: dict[str, Any]) -> dict[str, Any]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(command, write_end)
    os.close(write_end)
    time.sleep(command["delay"])
    killed = True
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        killed = False
    _pid, status = os.waitpid(pid, 0)
    killed = killed and os.WIFSIGNALED(status)
    with os.fdopen(read_end, "rb") as pipe:
        lines = pipe.read().decode().splitlines()
    # A line cut by the kill is incomplete: the event it reported never reached the test, so it did not happen.
    events = []
    for line in lines:
        try:
            events.append(json.loads(line))
        except ValueError:
            break
    return {"events": events, "killed": killed}


# -- the test side ---------------------------------------------------------------------------------------------------


def crash_trials(default: int = 25) -> int:
    """Kills per operation: ``BACKPACK_CRASH_TRIALS``, else ``default`` (sized for CI)."""
    return int(os.environ.get("BACKPACK_CRASH_TRIALS", "") or default)


def leftovers(home: Path) -> list[str]:
    """The temporary files in a backpack home and its blob folder."""
    return [
        path.name
        for folder in (home, home / "blobs")
        if folder.is_dir()
        for path in folder.iterdir()
        if path.name.endswith(".tmp")
    ]


def check_files(home: Path) -> None:
    """No empty or partial file: the database parses as tinydb's, every blob matches its digest, the holder key
    and the web secret are whole. (Temporary files are not checked: nothing reads them.)"""
    database = home / "backpack.json"
    if database.exists():
        data = json.loads(database.read_bytes())
        assert isinstance(data, dict) and data["_meta"]["1"]["schema_version"] >= 1
        for rows in data.values():
            assert all(doc_id.isdigit() and isinstance(row, dict) for doc_id, row in rows.items())
    blobs = home / "blobs"
    for blob in blobs.iterdir() if blobs.is_dir() else ():
        if not blob.name.startswith("."):
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name, f"partial blob {blob.name}"
    key = home / "holder-key.pem"
    if key.exists():
        assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----") and key.read_bytes().rstrip().endswith(
            b"-----END PRIVATE KEY-----"
        ), "partial holder key"
    secret = home / "web-secret"
    if secret.exists():
        assert len(secret.read_bytes().strip()) >= 32, "empty or partial web secret"


class CrashHarness:
    """The harness as a running process (a context manager); ``run(op, home, delay=…, **options)``."""

    def __enter__(self) -> CrashHarness:
        self._process = subprocess.Popen(
            # Run from the repository (tests/ last on the path: its verifier/ test folder must not shadow the package).
            [
                sys.executable,
                "-c",
                f"import sys; sys.path.append({str(_TESTS)!r}); import crash_harness; crash_harness.main()",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=_TESTS.parent,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if line.strip() != "ready":
            self._process.kill()
            raise RuntimeError(f"the crash harness did not start: {self._process.communicate()[1]}")
        return self

    def run(self, op: str, home: Path, *, delay: float, **options: Any) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"op": op, "home": str(home), "delay": delay, **options}) + "\n")
        self._process.stdin.flush()
        answer: dict[str, Any] = json.loads(self._process.stdout.readline())
        errors = [event["error"] for event in answer["events"] if "error" in event]
        assert not errors, f"{op} failed on its own: {errors[0]}"
        return answer

    def __exit__(self, *_exc: object) -> None:
        try:
            self._process.communicate(timeout=10)  # closing its input ends the harness
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()


def main() -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)
