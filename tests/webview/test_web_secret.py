"""The web view's secret key and health check: one secret per backpack however many workers start at once (real
processes racing on fresh backpacks), never an empty file after a kill, a damaged file repaired, and /healthz
failing when the app cannot serve."""

from __future__ import annotations

import os
import random
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from webview import create_app

pytestmark = pytest.mark.slow

_SECRET = re.compile(r"[A-Za-z0-9_-]{32,}")

# The disk made slow where it matters (the real code, paused right after it creates a file for the secret), so that
# the other processes and the kills land while the file is being made.
_SLOW_DISK = r"""
import os, time
_open = os.open
def slow_open(path, flags, mode=0o777, *args, **kwargs):
    fd = _open(path, flags, mode, *args, **kwargs)
    if flags & os.O_CREAT and "web-secret" in os.fspath(path):
        time.sleep(0.02)
    return fd
os.open = slow_open
"""

# A gunicorn worker's start-up, many times over: each round, every process builds the app for a fresh backpack at the
# same instant (a go file per round) and prints the secret it got.
_STARTER = (
    _SLOW_DISK
    + r"""
import sys, time
from pathlib import Path
from webview import create_app

root, rounds = Path(sys.argv[1]), int(sys.argv[2])
for n in range(rounds):
    print("ready", flush=True)
    go = root / f"go-{n}"
    deadline = time.monotonic() + 30
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("no go signal")
        time.sleep(0.0005)
    app = create_app({"BACKPACK_HOME": str(root / f"home-{n}")})
    print(n, app.config["SECRET_KEY"] or "<empty>", flush=True)
"""
)

# Creating the secret on the slow disk, then waiting to be killed.
_SLOW_STARTER = (
    _SLOW_DISK
    + r"""
import sys, time
from webview import create_app
print("ready", flush=True)
create_app({"BACKPACK_HOME": sys.argv[1]})
print("done", flush=True)
time.sleep(30)
"""
)


def test_workers_starting_at_once_share_one_secret(tmp_path: Path) -> None:
    rounds, workers = 12, 4
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _STARTER, str(tmp_path), str(rounds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    seen: dict[int, set[str]] = {n: set() for n in range(rounds)}
    try:
        for n in range(rounds):
            for proc in procs:
                assert proc.stdout is not None
                line = proc.stdout.readline().strip()
                if n:
                    number, secret = line.split()
                    seen[int(number)].add(secret)
                    line = proc.stdout.readline().strip()
                assert line == "ready", proc.stderr.read() if proc.stderr else line
            (tmp_path / f"go-{n}").touch()
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=60)
            assert proc.returncode == 0, stderr
            number, secret = stdout.split()
            seen[int(number)].add(secret)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()

    for n in range(rounds):
        assert len(seen[n]) == 1, f"round {n}: the workers got different keys {seen[n]}"
        [secret] = seen[n]
        assert _SECRET.fullmatch(secret)
        path = tmp_path / f"home-{n}" / "web-secret"
        assert path.read_text("ascii") == secret
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_kill_while_the_secret_is_created_never_leaves_an_empty_file(tmp_path: Path) -> None:
    rng = random.Random(16)
    outcomes = {"absent": 0, "complete": 0}
    for trial in range(6):
        home = tmp_path / f"home-{trial}"
        with subprocess.Popen(
            [sys.executable, "-c", _SLOW_STARTER, str(home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as proc:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.04))
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
        path = home / "web-secret"
        if path.exists():
            assert _SECRET.fullmatch(path.read_text("ascii")), "a partial secret was left"
            outcomes["complete"] += 1
        else:
            outcomes["absent"] += 1
        # The next start works and keeps (or makes) one good secret; the killed writer's temporary file goes.
        app = create_app({"BACKPACK_HOME": str(home)})
        assert _SECRET.fullmatch(app.config["SECRET_KEY"])
        assert app.test_client().get("/healthz").status_code == 200
        assert not [p.name for p in home.iterdir() if p.name.endswith(".tmp")]
    assert outcomes["absent"] > 0  # kills did land before the file was complete


@pytest.mark.parametrize("damage", [b"", b"\n", b"short", b"\xff\xfe" * 40, b"has spaces " * 8])
def test_a_damaged_secret_is_replaced_and_the_verify_page_serves(tmp_path: Path, damage: bytes) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "web-secret").write_bytes(damage)
    app = create_app({"BACKPACK_HOME": str(home)})
    secret = app.config["SECRET_KEY"]
    assert _SECRET.fullmatch(secret)
    assert (home / "web-secret").read_text("ascii") == secret
    client = app.test_client()
    assert client.get("/verify").status_code == 200
    assert client.get("/healthz").status_code == 200
    # A second worker started afterwards reads the same key.
    assert create_app({"BACKPACK_HOME": str(home)}).config["SECRET_KEY"] == secret


def test_health_fails_when_the_backpack_is_unreadable(tmp_path: Path) -> None:
    home = tmp_path / "home"
    app = create_app({"BACKPACK_HOME": str(home)})
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    (home / "backpack.json").write_text("{not json")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "cannot be read" in response.get_json()["problem"]


def test_health_fails_when_the_secret_file_is_gone_or_changed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    app = create_app({"BACKPACK_HOME": str(home)})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    os.unlink(home / "web-secret")
    assert client.get("/healthz").status_code == 503
    # Another worker started now would make a different key: this one must be restarted, and says so.
    create_app({"BACKPACK_HOME": str(home)})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "restart" in response.get_json()["problem"]


def test_health_with_a_configured_secret_does_not_need_the_file(tmp_path: Path) -> None:
    app = create_app({"BACKPACK_HOME": str(tmp_path / "home"), "SECRET_KEY": "configured"})
    assert app.test_client().get("/healthz").status_code == 200
    assert not (tmp_path / "home" / "web-secret").exists()
