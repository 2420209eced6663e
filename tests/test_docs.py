"""The documentation keeps up with the command line: every command and subcommand has help text and a place in the
README's command table (sqlite-utils' ``test_docs.py`` shape)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from wallet.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
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
