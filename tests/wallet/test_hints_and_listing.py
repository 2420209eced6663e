"""What the earner is told about a badge issued to someone else, and the order and width of ``backpack list``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from verifier import Report
from wallet.cli import cli
from wallet.hints import recipient_hint
from wallet.listing import SORT_KEYS, sort_badges
from wallet.store import Store

HINT = "issued to someone else — if it is yours, add that identity: backpack identity add "


def report_with(*checks: tuple[str, str]) -> Report:
    report = Report(source="badge.png", checked_at="2026-12-06T00:00:00Z")
    for check_id, outcome in checks:
        report.add(check_id, outcome, f"{check_id} {outcome}")  # type: ignore[arg-type]
    return report


def test_a_badge_issued_to_another_identity_says_how_to_claim_it() -> None:
    report = report_with(("signature", "passed"), ("recipient", "failed"))
    assert report.status == "invalid"  # the status is not softened
    assert recipient_hint(report, "ada@example.com") == HINT + "ada@example.com"
    assert recipient_hint(report, "sha256$0f1e2d") == HINT + "EMAIL"  # a hash cannot name the address
    assert recipient_hint(report, "hashed url") == HINT + "URL"


def test_no_hint_when_something_else_is_wrong_or_nothing_is() -> None:
    assert recipient_hint(report_with(("signature", "failed"), ("recipient", "failed")), "ada@example.com") is None
    assert recipient_hint(report_with(("recipient", "passed")), "ada@example.com") is None
    assert recipient_hint(report_with(("recipient", "warning")), None) is None
    assert recipient_hint(None) is None


def test_import_and_show_give_the_hint_and_verify_does_not(runner: CliRunner, badge_files: dict[str, Path]) -> None:
    # The demo, removed: its identity goes, its issuers' documents stay in the cache.
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    assert runner.invoke(cli, ["demo", "remove"]).exit_code == 0
    runner.invoke(cli, ["identity", "add", "someone@example.org"])
    path = str(badge_files["git-essentials.svg"])
    imported = runner.invoke(cli, ["import", path])
    assert imported.exit_code == 1
    assert f"    {HINT}EMAIL" in imported.stdout.splitlines()
    shown = runner.invoke(cli, ["show", "2278"])
    assert HINT + "EMAIL" in shown.stdout and "✘ invalid" in shown.stdout
    verified = runner.invoke(cli, ["verify", path])  # a check of someone's badge: no advice to claim it
    assert verified.exit_code == 1 and "add that identity" not in verified.stdout


# -- backpack list ---------------------------------------------------------------------------------------------------


def test_every_sort_key_orders_the_demo(demo: Store) -> None:
    records = demo.list_badges()
    names = {key: [r.display_name for r in sort_badges(records, key)] for key in SORT_KEYS}
    assert names["issued"][:2] == ["Data Literacy", "Python Foundations"]  # newest first
    assert names["issued"][-1] == "Community Mentor"  # no issue date: last
    assert names["name"] == sorted(names["name"], key=str.casefold)
    assert names["status"][:2] == ["Community Mentor", "Team Leadership"]  # revoked first, then by name
    assert names["issuer"][0] == "Accessible Web Design"  # European Skills Academy, then Open Learning Lab
    with pytest.raises(ValueError, match="cannot sort by 'size'"):
        sort_badges(records, "size")


@pytest.mark.parametrize("columns", [72, 80, 100, 120, 160])
def test_the_table_fits_the_terminal_and_wide_shows_every_name(
    runner: CliRunner, demo: Store, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("BACKPACK_HOME", str(demo.home))
    monkeypatch.setenv("COLUMNS", str(columns))
    lines = runner.invoke(cli, ["list"]).stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    if columns <= 80:
        assert "Accessible Web Design" not in "\n".join(lines)
        assert any(line.startswith("a276e4ce46") and "Accessib" in line and "…" in line for line in lines)
    wide = runner.invoke(cli, ["list", "--wide"]).stdout
    assert "Accessible Web Design" in wide and "European Skills Academy" in wide and "…" not in wide


def test_list_sort_option_is_a_choice(runner: CliRunner, demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPACK_HOME", str(demo.home))
    by_name = runner.invoke(cli, ["list", "--sort", "name"]).stdout.splitlines()
    assert "Accessible Web Design" in by_name[1]
    bad = runner.invoke(cli, ["list", "--sort", "size"])
    assert bad.exit_code == 2 and "'size' is not one of" in bad.output
