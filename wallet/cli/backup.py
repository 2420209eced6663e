"""``backpack backup`` and ``backpack restore``: the whole backpack in one encrypted file (``wallet.backup``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._common import fail, store_of

if TYPE_CHECKING:
    from ..backup import BackupSummary

__all__ = ["COMMANDS", "PASSPHRASE_ENV"]

PASSPHRASE_ENV = "BACKPACK_BACKUP_PASSPHRASE"

passphrase_file_option = click.option(
    "--passphrase-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Read the passphrase from the first line of this file (for scripts; or set {PASSPHRASE_ENV}).",
)


def _in_terminal() -> bool:
    return sys.stdin.isatty()


def _passphrase(passphrase_file: Path | None, *, confirm: bool) -> str:
    """From the file, else the environment, else asked (hidden; twice for a new backup) in a terminal."""
    if passphrase_file is not None:
        try:
            lines = passphrase_file.read_text("utf-8").splitlines()
        except OSError as exc:
            fail(f"cannot read the passphrase file {passphrase_file}: {exc.strerror or exc}")
        except UnicodeDecodeError:
            fail(f"the passphrase file {passphrase_file} is not UTF-8 text")
        if not lines or not lines[0]:
            fail(f"the passphrase file {passphrase_file} is empty")
        return lines[0]
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    if not _in_terminal():
        fail(f"no passphrase: give --passphrase-file FILE or set {PASSPHRASE_ENV} (or run in a terminal)")
    value: str = click.prompt(
        "Passphrase", hide_input=True, confirmation_prompt="Repeat the passphrase" if confirm else False
    )
    return value


def _described(summary: BackupSummary) -> str:

    counts = summary.counts
    parts = [f"{counts.get(name, 0)} {name}" for name in ("badges", "collections", "identities", "shares")]
    parts.append(f"{counts.get('publications', 0)} publications")
    parts.append("the holder key" if summary.holder_key else "no holder key")
    return ", ".join(parts)


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Backup file.")
@passphrase_file_option
@click.pass_context
def backup_command(ctx: click.Context, output: Path, passphrase_file: Path | None) -> None:
    """Write the whole backpack (badges, reports, collections, identities, settings, links, publications and the
    holder key) to one file encrypted with a passphrase. Keep the passphrase: nobody can open the file without it."""
    from ..backup import write_backup

    store = store_of(ctx)
    summary = write_backup(store, output, _passphrase(passphrase_file, confirm=True))
    click.echo(f"backed up to {output}: {_described(summary)}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@passphrase_file_option
@click.option("--replace", is_flag=True, help="Replace a backpack that is not empty (its old files are kept aside).")
@click.option("--check", "check_only", is_flag=True, help="Only check the backup (passphrase, integrity).")
@click.pass_context
def restore_command(
    ctx: click.Context, file: Path, passphrase_file: Path | None, replace: bool, check_only: bool
) -> None:
    """Restore a backup made with `backpack backup`. The whole file is checked before anything is changed: a wrong
    passphrase, a damaged or truncated file leave the backpack as it was."""
    from ..backup import read_backup, restore_backup

    passphrase = _passphrase(passphrase_file, confirm=False)
    if check_only:
        summary = read_backup(file, passphrase)
        click.echo(f"{file} is a whole backup from {summary.created_at}: {_described(summary)}")
        return
    store = store_of(ctx)
    summary = restore_backup(store, file, passphrase, replace=replace)
    click.echo(f"restored {file} (made {summary.created_at}) into {store.home}: {_described(summary)}")


COMMANDS = [backup_command, restore_command]
