"""``backpack backup`` and ``backpack restore``: the passphrase from a file, the environment or a hidden prompt
asked twice; one-line refusals that leave the backpack as it was."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, ok, run
from click.testing import CliRunner

import wallet.cli.backup as backup_cli
from wallet.cli import cli
from wallet.holder import holder
from wallet.store import Store

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase.txt"
    path.write_text(PASSPHRASE + "\n")
    return path


def test_backup_then_restore_into_a_new_backpack(
    runner: CliRunner, demo: Store, tmp_path: Path, passphrase_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    did = holder(demo).did
    backup = tmp_path / "ada.backpack"
    out = ok(run(runner, demo.home, "backup", "-o", str(backup), "--passphrase-file", str(passphrase_file)))
    assert out == (
        f"backed up to {backup}: 8 badges, 0 collections, 1 identities, 0 shares, 0 publications, the holder key\n"
    )
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    monkeypatch.setenv("BACKPACK_BACKUP_PASSPHRASE", PASSPHRASE)
    checked = ok(run(runner, tmp_path / "new", "restore", str(backup), "--check"))
    assert checked.startswith(f"{backup} is a whole backup from ")
    assert not (tmp_path / "new").exists()  # checking touches no backpack
    restored = ok(run(runner, tmp_path / "new", "restore", str(backup)))
    assert restored.startswith(f"restored {backup} (made ")
    assert len(Store(tmp_path / "new").list_badges()) == 8
    assert holder(Store(tmp_path / "new")).did == did


def test_a_wrong_passphrase_is_one_line_and_changes_nothing(
    runner: CliRunner, demo: Store, tmp_path: Path, passphrase_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "ada.backpack"
    ok(run(runner, demo.home, "backup", "-o", str(backup), "--passphrase-file", str(passphrase_file)))
    monkeypatch.setenv("BACKPACK_BACKUP_PASSPHRASE", "not the passphrase")
    assert_one_line_error(run(runner, tmp_path / "new", "restore", str(backup)), "wrong passphrase for this backup")
    assert not (tmp_path / "new").exists()
    backup.write_bytes(backup.read_bytes()[:-10])
    monkeypatch.setenv("BACKPACK_BACKUP_PASSPHRASE", PASSPHRASE)
    assert_one_line_error(run(runner, demo.home, "restore", str(backup), "--replace"), "damaged or truncated")
    assert len(demo.list_badges()) == 8


def test_a_backpack_that_is_not_empty_needs_replace(
    runner: CliRunner, demo: Store, tmp_path: Path, passphrase_file: Path
) -> None:
    backup = tmp_path / "ada.backpack"
    ok(run(runner, demo.home, "backup", "-o", str(backup), "--passphrase-file", str(passphrase_file)))
    args = ("restore", str(backup), "--passphrase-file", str(passphrase_file))
    assert_one_line_error(run(runner, demo.home, *args), "not empty", "--replace")
    assert ok(run(runner, demo.home, *args, "--replace")).startswith("restored")


def test_without_a_terminal_the_passphrase_must_be_given(runner: CliRunner, demo: Store, tmp_path: Path) -> None:
    assert_one_line_error(
        run(runner, demo.home, "backup", "-o", str(tmp_path / "b")), "--passphrase-file", "BACKPACK_BACKUP_PASSPHRASE"
    )
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert_one_line_error(run(runner, demo.home, "backup", "-o", str(tmp_path / "b"), "--passphrase-file", str(empty)))
    short = tmp_path / "short.txt"
    short.write_text("abc\n")
    assert_one_line_error(
        run(runner, demo.home, "backup", "-o", str(tmp_path / "b"), "--passphrase-file", str(short)), "too short"
    )
    assert not (tmp_path / "b").exists()


def test_in_a_terminal_the_passphrase_is_asked_twice_hidden(
    runner: CliRunner, demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_cli, "_in_terminal", lambda: True)  # CliRunner's input stands in for the keyboard
    backup = tmp_path / "ada.backpack"
    args = ["--home", str(demo.home), "backup", "-o", str(backup)]
    result = runner.invoke(cli, args, input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert result.exit_code == 0, result.output
    assert "Passphrase: \nRepeat the passphrase: \n" in result.output  # asked twice, the answers not echoed
    assert PASSPHRASE not in result.output
    mismatch = runner.invoke(cli, args, input=f"{PASSPHRASE}\nsomething else\n{PASSPHRASE}\n{PASSPHRASE}\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()
    restored = runner.invoke(cli, ["--home", str(tmp_path / "new"), "restore", str(backup)], input=f"{PASSPHRASE}\n")
    assert restored.exit_code == 0 and restored.output.count("Passphrase") == 1  # asked once to restore
