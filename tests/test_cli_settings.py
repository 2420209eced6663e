"""``backpack settings show|set``: the settings of ``wallet.settings`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, ok, run
from click.testing import CliRunner

from wallet.store import Store


def test_show_lists_every_setting_with_its_default(runner: CliRunner, home: Path) -> None:
    assert ok(run(runner, home, "settings", "show")).splitlines() == [
        "offline                false",
        "allow-private-network  false",
        "public-url             (not set)  (share links use http://127.0.0.1:8000)",
        "display-name           (not set)",
        "publish-host           (not set)",
        "registries             (not set)",
    ]
    assert not home.exists()  # showing creates nothing


def test_set_saves_a_checked_value_and_show_reads_it_back(runner: CliRunner, home: Path) -> None:
    assert ok(run(runner, home, "settings", "set", "allow-private-network", "yes")) == "allow-private-network = true\n"
    assert ok(run(runner, home, "settings", "set", "public-url", "https://badges.example.org/")) == (
        "public-url = https://badges.example.org\n"
    )
    assert (
        ok(run(runner, home, "settings", "set", "display-name", "  Ada   Lovelace ")) == "display-name = Ada Lovelace\n"
    )
    assert Store(home).get_setting("allow_private_network") is True
    shown = json.loads(ok(run(runner, home, "settings", "show", "--json")))
    assert shown == {
        "offline": False,
        "allow-private-network": True,
        "public-url": "https://badges.example.org",
        "display-name": "Ada Lovelace",
        "publish-host": "",
        "registries": "",
        "effective": {"allow-private-network": True, "public-url": "https://badges.example.org"},
    }
    assert ok(run(runner, home, "settings", "set", "public-url", "")) == "public-url = (not set)\n"


def test_show_says_what_the_environment_overrides(
    runner: CliRunner, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKPACK_ALLOW_PRIVATE_NETWORK", "1")
    monkeypatch.setenv("BACKPACK_PUBLIC_URL", "https://env.example.net")
    lines = ok(run(runner, home, "settings", "show")).splitlines()
    assert (
        lines[1]
        == "allow-private-network  false  (BACKPACK_ALLOW_PRIVATE_NETWORK is set: private addresses are allowed)"
    )
    assert (
        lines[2]
        == "public-url             (not set)  (BACKPACK_PUBLIC_URL overrides it: share links use https://env.example.net)"
    )


def test_bad_values_are_one_line_errors_and_unknown_keys_usage_errors(runner: CliRunner, home: Path) -> None:
    assert_one_line_error(run(runner, home, "settings", "set", "offline", "maybe"), "offline is on or off")
    assert_one_line_error(run(runner, home, "settings", "set", "public-url", "ftp://x.example"), "not an http(s) URL")
    unknown = run(runner, home, "settings", "set", "colour", "blue")
    assert unknown.exit_code == 2 and "Invalid value for" in unknown.stderr
    assert not home.exists()
