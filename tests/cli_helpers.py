"""Helpers shared by the CLI tests: run a command in a backpack home, and the one-line error contract."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from wallet.cli import cli


def run(runner: CliRunner, home: Path, *args: str) -> Result:
    return runner.invoke(cli, ["--home", str(home), *args], catch_exceptions=False)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """Exit 2, one line on stderr starting "backpack: error:" with every fragment in it, and no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("backpack: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output


def assert_quiet_error(result: Result, *fragments: str) -> None:
    """A one-line error and nothing at all on stdout."""
    assert_one_line_error(result, *fragments)
    assert result.stdout == ""
