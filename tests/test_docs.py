"""The documentation keeps up with the command line (sqlite-utils' ``test_docs.py`` shape): every command and
subcommand has help text and a place in the README's command table, and every ``console`` block of the README runs as
written.

The convention of a ``console`` block, as a reader sees it and as this test checks it:

* ``$ backpack …`` is a command. Text after two spaces and ``#`` is a comment for the reader, not an argument. The
  arguments are split as a POSIX shell would (``shlex``).
* The lines up to the next ``$`` are its output (standard output and standard error as a terminal shows them). Runs
  of spaces count as one space, and trailing spaces are ignored, so that tables can be aligned either way.
* ``…`` stands for any text: alone on a line, for any number of lines (none included); inside a line, for any text
  within that line (a time, a folder, the rest of the line). Badge ids are not placeholders: the demo's are fixed.
* A command with no output lines shown is not checked for output, only for its exit status.
* ``[exit N]`` as the last output line says the command exits with status N; without it, the status must be 0.

The blocks run in order, in one fresh backpack (``BACKPACK_HOME`` in a temporary folder), from the repository's folder
(the README's paths, such as ``demo-files/``, are relative to it), with a terminal 120 columns wide and no network:
the demo issuers' documents come from the backpack's cache.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from wallet.cli import cli

REPOSITORY = Path(__file__).resolve().parent.parent
README = (REPOSITORY / "README.md").read_text(encoding="utf-8")
# Code spans of the README that show a backpack command line: `backpack collection create|list …`.
COMMAND_SPANS = [span.replace("\\|", "|") for span in re.findall(r"`(backpack [^`]+)`", README)]


def command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
    return paths


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def test_the_walk_sees_groups_and_their_subcommands() -> None:
    paths = command_paths()
    assert ("import",) in paths and ("collection", "create") in paths and ("settings", "set") in paths


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    command = command_at(path)
    assert (command.help or "").strip(), f"backpack {' '.join(path)} has no help text"
    assert command.get_short_help_str().strip()


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_is_in_the_readme_table(path: tuple[str, ...]) -> None:
    *group, name = path
    head = " ".join(("backpack", *group))
    # A subcommand is one of the words (alternatives split by |) after its group's name; a command starts a span.
    pattern = re.compile(rf"^{re.escape(head)} (?:\S*\|)?{re.escape(name)}(?:\||\s|$)")
    assert any(pattern.match(span) for span in COMMAND_SPANS), f"backpack {' '.join(path)} is not in README.md"


# -- the README's console blocks run as written ------------------------------------------------------------------------

CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)
EXIT_LINE = re.compile(r"^\[exit (\d+)\]$")


@dataclass
class Example:
    line: str
    """The command line as the README shows it (comment included)."""
    argv: list[str]
    expected: list[str] = field(default_factory=list)
    exit_code: int = 0


def examples(text: str) -> list[Example]:
    found: list[Example] = []
    for block in CONSOLE_BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                command = re.split(r"\s{2,}#", line[2:], maxsplit=1)[0]
                argv = shlex.split(command)
                assert argv[0] == "backpack", f"a README example runs something else than backpack: {line}"
                found.append(Example(line, argv[1:]))
            elif (match := EXIT_LINE.match(line.strip())) is not None:
                found[-1].exit_code = int(match.group(1))
            else:
                assert found, f"output before any command in a console block: {line!r}"
                found[-1].expected.append(line)
    return found


def _normal(line: str) -> str:
    return " ".join(line.split())


def _line_pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in _normal(expected).split("…")))


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` lines are what ``expected`` shows, ``…`` lines standing for any number of lines."""
    while expected and not expected[-1].strip():
        expected = expected[:-1]
    while actual and not actual[-1].strip():
        actual = actual[:-1]
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if _normal(head) == "…":
        return any(output_matches(rest, actual[start:]) for start in range(len(actual) + 1))
    return (
        bool(actual)
        and _line_pattern(head).fullmatch(_normal(actual[0])) is not None
        and output_matches(rest, actual[1:])
    )


def test_the_convention_of_console_blocks() -> None:
    block = "$ backpack list --wide   # all of it\nID  NAME\n…\n2 badges\n$ backpack verify 'a b'\n[exit 1]\n"
    [first, second] = examples(f"```console\n{block}```\n")
    assert (first.argv, first.expected, first.exit_code) == (["list", "--wide"], ["ID  NAME", "…", "2 badges"], 0)
    assert (second.argv, second.expected, second.exit_code) == (["verify", "a b"], [], 1)
    assert output_matches(["ID NAME", "…", "2 badges"], ["ID    NAME", "a", "b", "2 badges", ""])
    assert output_matches(["…", "done"], ["done"])
    assert output_matches(["checked …"], ["checked 2026-12-06 11:37"])
    assert not output_matches(["ID NAME"], ["ID NAME", "an extra line"])
    assert not output_matches(["2 badges"], ["3 badges"])


def test_every_readme_console_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = examples(README)
    assert len(found) >= 10 and any(example.argv[:1] == ["import"] for example in found)
    monkeypatch.chdir(REPOSITORY)
    home = tmp_path / "fresh-backpack"
    env = {"BACKPACK_HOME": str(home), "COLUMNS": "120"}
    runner = CliRunner()
    for example in found:
        result = runner.invoke(cli, example.argv, env=env, catch_exceptions=False)
        assert result.exit_code == example.exit_code, f"{example.line}\nexited {result.exit_code}:\n{result.output}"
        if example.expected:
            assert output_matches(example.expected, result.output.splitlines()), (
                f"{example.line}\nshows:\n" + "\n".join(example.expected) + f"\n\nbut printed:\n{result.output}"
            )
    assert os.path.isdir(home)
