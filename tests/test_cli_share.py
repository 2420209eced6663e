"""``backpack share``, ``backpack shares``, ``backpack unshare`` and ``backpack serve``, end to end."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import assert_quiet_error as assert_one_line_error
from cli_helpers import ok, run
from click.testing import CliRunner
from PIL import Image
from pyzbar import pyzbar

from wallet import badge_collections as collections
from wallet import shares
from wallet.demo import seed_demo
from wallet.store import Store

URL = re.compile(r"^(http://127\.0\.0\.1:8000/s/([A-Za-z0-9_-]{43,}))$", re.MULTILINE)


@pytest.fixture(autouse=True)
def _no_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKPACK_PUBLIC_URL", raising=False)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli-share-demo") / "home"
    store = Store(home)
    assert seed_demo(store) == 8
    collections.create_collection(store, "Job profile", description="For recruiters")
    ids = {str(r.summary["name"]): r.id for r in store.list_badges()}
    collections.add_badges(store, "Job profile", [ids["Python Foundations"], ids["Git Essentials"]])
    return home


@pytest.fixture
def demo_home(demo_template: Path, tmp_path: Path) -> Path:
    home = tmp_path / "demo-home"
    shutil.copytree(demo_template, home)
    return home


def terminal_qr(output: str) -> str | None:
    """Decode the QR code printed with half blocks (each character is two modules; a block is a light module)."""
    lines = [line for line in output.splitlines() if line and set(line) <= set("█▀▄ ")]
    if not lines:
        return None
    width = max(len(line) for line in lines)
    top, bottom = {"█", "▀"}, {"█", "▄"}
    scale, image = 8, Image.new("L", (width * 8, len(lines) * 16), 255)
    for y, line in enumerate(lines):
        for x, char in enumerate(line.ljust(width, "█")):
            for half, lit in ((0, char in top), (1, char in bottom)):
                if not lit:
                    image.paste(0, (x * scale, (2 * y + half) * scale, (x + 1) * scale, (2 * y + half + 1) * scale))
    found = pyzbar.decode(image)
    return found[0].data.decode() if found else None


LOCAL_ONLY = "This link works only on this machine, while `backpack serve` runs; for one that works everywhere: "


def test_share_without_a_public_url_says_the_link_is_local_and_prints_no_qr_code(
    runner: CliRunner, demo_home: Path
) -> None:
    output = ok(run(runner, demo_home, "share", "job profile"))
    (match,) = URL.findall(output)
    url, token = match
    # The link, then one line on where it works and how to get one that works everywhere; no QR code of a loopback
    # address, which would only lead a phone to itself.
    assert output == (f"shared the collection 'Job profile':\n{url}\n{LOCAL_ONLY}backpack publish 'Job profile'\n")
    assert terminal_qr(output) is None
    (share,) = shares.list_shares(Store(demo_home))
    assert (share.token, share.kind, share.label, share.expires_at) == (token, "collection", "Job profile", None)


def test_share_prints_a_qr_code_of_a_local_link_when_asked(runner: CliRunner, demo_home: Path) -> None:
    output = ok(run(runner, demo_home, "share", "Job profile", "--qr"))
    (match,) = URL.findall(output)
    assert terminal_qr(output) == match[0]
    assert output.rstrip("\n").splitlines()[-1] == f"{LOCAL_ONLY}backpack publish 'Job profile'"


def test_sharing_a_badge_locally_says_to_publish_a_collection_holding_it(runner: CliRunner, demo_home: Path) -> None:
    badge = next(r for r in Store(demo_home).list_badges() if r.summary["name"] == "Data Literacy")
    output = ok(run(runner, demo_home, "share", badge.id))
    assert output.splitlines()[-1] == f"{LOCAL_ONLY}publish a collection holding it (backpack publish COLLECTION)"
    assert terminal_qr(output) is None


def test_a_saved_public_url_on_this_machine_is_still_local(runner: CliRunner, demo_home: Path) -> None:
    ok(run(runner, demo_home, "settings", "set", "public-url", "http://localhost:9000"))
    output = ok(run(runner, demo_home, "share", "Job profile"))
    assert "http://localhost:9000/s/" in output and LOCAL_ONLY in output and terminal_qr(output) is None


def test_share_a_single_badge_behind_a_public_url(
    runner: CliRunner, demo_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    badge = next(r for r in Store(demo_home).list_badges() if r.summary["name"] == "Data Literacy")
    monkeypatch.setenv("BACKPACK_PUBLIC_URL", "https://badges.example.org/")
    output = ok(run(runner, demo_home, "share", badge.id[:6]))
    assert output.startswith("shared the badge 'Data Literacy':\nhttps://badges.example.org/s/")
    (share,) = shares.list_shares(Store(demo_home))
    assert (share.kind, share.target) == ("badge", badge.id)
    assert terminal_qr(output) == f"https://badges.example.org/s/{share.token}"
    assert "BACKPACK_PUBLIC_URL" not in output and "only on this machine" not in output


def test_share_with_an_expiry(runner: CliRunner, demo_home: Path) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    output = ok(run(runner, demo_home, "share", "Job profile", "--expires", "90d"))
    (share,) = shares.list_shares(Store(demo_home))
    assert share.expires_at is not None
    assert output.startswith(f"shared the collection 'Job profile', until {share.expires_at}:\n")
    expires = datetime.fromisoformat(share.expires_at.replace("Z", "+00:00"))
    assert before + timedelta(days=90) <= expires <= datetime.now(UTC) + timedelta(days=90)
    ok(run(runner, demo_home, "share", "Job profile", "--expires", "2w"))
    (weeks,) = [s for s in shares.list_shares(Store(demo_home)) if s.token != share.token]
    assert weeks.expires_at is not None
    expires = datetime.fromisoformat(weeks.expires_at.replace("Z", "+00:00"))
    assert before + timedelta(days=14) <= expires <= datetime.now(UTC) + timedelta(days=14)


@pytest.mark.parametrize("duration", ["soon", "90x", "-3d", ""])
def test_a_bad_duration_is_a_usage_error(runner: CliRunner, demo_home: Path, duration: str) -> None:
    result = run(runner, demo_home, "share", "Job profile", "--expires", duration)
    assert result.exit_code == 2, result.output
    assert "--expires" in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""
    assert shares.list_shares(Store(demo_home)) == []


def test_an_expiry_of_zero_days_is_refused(runner: CliRunner, demo_home: Path) -> None:
    assert_one_line_error(run(runner, demo_home, "share", "Job profile", "--expires", "0d"), "future")


@pytest.mark.parametrize("ref", ["No such collection", "ffffffffff"])
def test_sharing_something_unknown_is_one_line_exit_2(runner: CliRunner, demo_home: Path, ref: str) -> None:
    assert_one_line_error(run(runner, demo_home, "share", ref), repr(ref), "collection")
    assert shares.list_shares(Store(demo_home)) == []


def test_shares_lists_every_link_and_its_state(runner: CliRunner, demo_home: Path) -> None:
    assert ok(run(runner, demo_home, "shares")) == "Nothing is shared. Share a collection with: backpack share NAME\n"
    assert json.loads(ok(run(runner, demo_home, "shares", "--json"))) == []
    store = Store(demo_home)
    badge = next(r for r in store.list_badges() if r.summary["name"] == "Git Essentials")
    active = shares.create_share(store, "Job profile", expires_in=timedelta(days=30))
    revoked = shares.create_share(store, badge.id)
    shares.revoke_share(store, revoked.token)
    expired = shares.create_share(store, "Job profile", expires_in=timedelta(days=1))
    with store.transaction(write=True) as db:
        db.update("shares", {"expires_at": "2020-01-01T00:00:00Z"}, token=expired.token)

    output = ok(run(runner, demo_home, "shares"))
    lines = output.splitlines()
    assert len(lines) == 6
    assert lines[0] == f"active   collection Job profile until {active.expires_at}"
    assert lines[1].strip() == f"http://127.0.0.1:8000/s/{active.token}"
    assert lines[2] == "revoked  badge      Git Essentials"
    assert lines[3].strip() == f"http://127.0.0.1:8000/s/{revoked.token}"
    assert lines[4] == "expired  collection Job profile"

    rows = {row["token"]: row for row in json.loads(ok(run(runner, demo_home, "shares", "--json")))}
    assert {token: row["state"] for token, row in rows.items()} == {
        active.token: "active",
        revoked.token: "revoked",
        expired.token: "expired",
    }
    assert rows[active.token]["url"] == f"http://127.0.0.1:8000/s/{active.token}"
    assert (rows[revoked.token]["kind"], rows[revoked.token]["target"]) == ("badge", badge.id)
    assert rows[revoked.token]["revoked_at"] and rows[active.token]["revoked_at"] is None


def test_unshare_revokes_at_once(runner: CliRunner, demo_home: Path) -> None:
    first = URL.findall(ok(run(runner, demo_home, "share", "Job profile")))[0]
    second = URL.findall(ok(run(runner, demo_home, "share", "Job profile")))[0]
    third = URL.findall(ok(run(runner, demo_home, "share", "Job profile")))[0]

    assert ok(run(runner, demo_home, "unshare", first[0])) == f"revoked the share of 'Job profile' ({first[1][:8]}…)\n"
    assert (
        ok(run(runner, demo_home, "unshare", second[1])) == f"revoked the share of 'Job profile' ({second[1][:8]}…)\n"
    )
    states = {s.token: s.state() for s in shares.list_shares(Store(demo_home))}
    assert states == {first[1]: "revoked", second[1]: "revoked", third[1]: "active"}
    # By what is shared: every active share of it.
    assert ok(run(runner, demo_home, "unshare", "job profile")).splitlines() == [
        f"revoked the share of 'Job profile' ({third[1][:8]}…)"
    ]
    assert {s.state() for s in shares.list_shares(Store(demo_home))} == {"revoked"}
    assert_one_line_error(run(runner, demo_home, "unshare", "Job profile"), "no share matches")


def test_deleting_a_collection_revokes_its_links_as_the_tui_does(runner: CliRunner, demo_home: Path) -> None:
    first = URL.findall(ok(run(runner, demo_home, "share", "Job profile")))[0]
    second = URL.findall(ok(run(runner, demo_home, "share", "Job profile")))[0]
    badge_id = next(r.id for r in Store(demo_home).list_badges() if r.summary["name"] == "Git Essentials")
    badge_link = URL.findall(ok(run(runner, demo_home, "share", badge_id)))[0]
    assert ok(run(runner, demo_home, "collection", "delete", "Job profile")).splitlines() == [
        "deleted collection 'Job profile'",
        f"revoked its 2 share links: {first[1][:8]}…, {second[1][:8]}…",
    ]
    states = {s.token: s.state() for s in shares.list_shares(Store(demo_home))}
    assert states == {first[1]: "revoked", second[1]: "revoked", badge_link[1]: "active"}  # the badge's own stays


@pytest.mark.parametrize("ref", ["nothing-shared", "http://127.0.0.1:8000/s/" + "A" * 43])
def test_unshare_of_something_unknown_is_one_line_exit_2(runner: CliRunner, demo_home: Path, ref: str) -> None:
    assert_one_line_error(run(runner, demo_home, "unshare", ref), "no share matches")


def test_serve_runs_the_web_view_of_this_backpack(
    runner: CliRunner, demo_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask import Flask

    started: list[dict[str, Any]] = []

    def fake_run(self: Flask, **options: Any) -> None:
        started.append({"home": self.config["BACKPACK_HOME"], "open": self.config["OWNER_OPEN_ON_LOOPBACK"], **options})

    monkeypatch.setattr(Flask, "run", fake_run)
    # Bound to every interface: the owner's view needs its key, printed in the link (as Jupyter does).
    output = ok(run(runner, demo_home, "serve", "--host", "0.0.0.0", "--port", "8123"))
    key = (demo_home / "owner-token").read_text("ascii").strip()
    assert output == (
        f"Serving {demo_home} on http://0.0.0.0:8123/ (public URL: http://127.0.0.1:8000)\n"
        f"Your backpack (keep this link private, it opens your backpack): http://127.0.0.1:8123/?token={key}\n"
    )
    assert started == [
        {"home": str(demo_home), "open": False, "host": "0.0.0.0", "port": 8123, "debug": False, "use_reloader": False}
    ]
    # On loopback, with no public URL: open on this machine, no key printed.
    output = ok(run(runner, demo_home, "serve"))
    assert output.splitlines()[1] == "Your backpack: http://127.0.0.1:8000/" and key not in output
    assert started[1]["open"] is True
    # A public URL makes even a loopback server a deployment (behind a proxy): the key is needed.
    monkeypatch.setenv("BACKPACK_PUBLIC_URL", "https://badges.example.org")
    output = ok(run(runner, demo_home, "serve"))
    assert output.splitlines()[1].endswith(f"http://127.0.0.1:8000/?token={key}")
    result = run(runner, demo_home, "serve", "--port", "70000")
    assert result.exit_code == 2 and started[3:] == []
