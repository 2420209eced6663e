"""The CLI, the TUI and the web view build their fetch policy from the same settings, so they give the same verdict.

One badge hosted by the real local issuer (127.0.0.1: a private address, refused unless the backpack's settings or
``BACKPACK_ALLOW_PRIVATE_NETWORK`` allow it), one backpack, and each front end rechecking it the way a user would:
``backpack recheck``, ``R`` on the TUI's home screen, a share page whose results are stale.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import *  # noqa: F403 - the issuer_server and issuer fixtures
from cli_fixtures import EARNER, ISSUED_ON
from click.testing import CliRunner
from issuer import IssuerFixture, bake_png, json_text

from wallet import shares
from wallet.cli import cli
from wallet.importer import LoadedSource, import_bytes
from wallet.settings import set_setting
from wallet.store import Store
from wallet.tui import make_app

VERDICTS = {True: "valid", False: "unverifiable"}
PILLS = {"valid": "pill-valid", "unverifiable": "pill-unverifiable"}


@pytest.fixture
def backpack(issuer: IssuerFixture, tmp_path: Path) -> tuple[Store, str]:
    """A backpack holding one hosted badge of the local issuer, never verified yet."""
    store = Store(tmp_path / "backpack")
    store.add_identity("email", EARNER)
    assertion = issuer.hosted_assertion("shared", issued_on=ISSUED_ON)
    data = bake_png(json_text(assertion))
    [(record, _new)] = import_bytes(store, LoadedSource("file", "badge.png", data))
    return store, record.id


def via_cli(store: Store, badge_id: str) -> str:
    result = CliRunner().invoke(cli, ["--home", str(store.home), "recheck", badge_id], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return store.get_badge(badge_id).status


def via_tui(store: Store, badge_id: str) -> str:
    async def scenario() -> None:
        app = make_app(store)  # no explicit policy: the app reads the backpack's settings
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("R")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    asyncio.run(scenario())
    return store.get_badge(badge_id).status


def via_web(store: Store, badge_id: str) -> str:
    from webview import create_app

    share = shares.create_share(store, badge_id)
    app = create_app(
        {
            "BACKPACK_HOME": str(store.home),
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "VERIFY_TTL_SECONDS": 0,  # every result is stale: the page rechecks
            "VERIFY_WAIT_SECONDS": 15,  # and waits for it
        }
    )
    page = app.test_client().get(f"/s/{share.token}")
    assert page.status_code == 200
    status = store.get_badge(badge_id).status
    assert PILLS[status] in page.get_data(as_text=True)
    return status


def reset(store: Store, badge_id: str) -> None:
    store.save_reports({badge_id: {"status": "invalid", "checked_at": "2000-01-01T00:00:00Z", "checks": []}})


@pytest.mark.parametrize("allowed", [True, False], ids=["private-network-allowed", "private-network-refused"])
def test_the_saved_setting_gives_one_verdict_everywhere(
    backpack: tuple[Store, str], allowed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, badge_id = backpack
    set_setting(store, "allow-private-network", allowed)
    verdicts: dict[str, Any] = {}
    for name, front_end in (("cli", via_cli), ("tui", via_tui), ("web", via_web)):
        reset(store, badge_id)
        verdicts[name] = front_end(store, badge_id)
    assert verdicts == dict.fromkeys(("cli", "tui", "web"), VERDICTS[allowed])


def test_the_environment_switch_gives_one_verdict_everywhere(
    backpack: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, badge_id = backpack
    monkeypatch.setenv("BACKPACK_ALLOW_PRIVATE_NETWORK", "1")
    verdicts = {}
    for name, front_end in (("cli", via_cli), ("tui", via_tui), ("web", via_web)):
        reset(store, badge_id)
        verdicts[name] = front_end(store, badge_id)
    assert verdicts == {"cli": "valid", "tui": "valid", "web": "valid"}
