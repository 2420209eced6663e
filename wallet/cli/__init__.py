"""``backpack``: the command line, a thin layer over the wallet and verifier libraries.

One module per command group — ``badges`` (import, verify, recheck, list, show, remove, extract, bake), ``collection``,
``sharing`` (export, share, unshare, shares), ``publishing`` (publish, unpublish, published), ``identities`` (identity,
settings), ``backup`` (backup, restore), ``serving`` (serve, demo), ``hosting`` (host serve, host migrate) — each
command parsing its arguments, calling one wallet function and rendering the result.

Exit codes: 0 success, 1 verified but not valid (verification commands) or refused by a share host, 2 unreadable
input or usage error.
Every error is one line on stderr, written here and nowhere else; ``BACKPACK_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from verifier import VerifierError

from ..errors import WalletError
from ..listing import sort_badges
from . import backup, badges, collection, hosting, identities, publishing, serving, sharing
from ._common import EXIT_INVALID_INPUT, EXIT_NOT_VALID, CliContext, print_table, run_tui

__all__ = ["cli", "main"]


def _error_line(message: str, code: int = EXIT_INVALID_INPUT) -> NoReturn:
    click.echo(f"backpack: error: {message}", err=True)
    raise click.exceptions.Exit(code)


class _BackpackGroup(click.Group):
    """Turns library errors into one line on stderr and exit code 2 (1 when a share host refuses), never a
    traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (WalletError, VerifierError) as exc:
            _error_line(str(exc), EXIT_NOT_VALID if _refused_by_a_host(exc) else EXIT_INVALID_INPUT)
        except OSError as exc:
            _error_line(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}")
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
            if os.environ.get("BACKPACK_DEBUG"):
                traceback.print_exc()
            _error_line(f"internal error ({type(exc).__name__}: {exc}); rerun with BACKPACK_DEBUG=1 and report it")


def _refused_by_a_host(exc: Exception) -> bool:
    # Only a command that loaded the publishing module can have raised its error: the others never import it.
    publishing = sys.modules.get("wallet.publishing")
    return publishing is not None and isinstance(exc, publishing.PublishError)


@click.group(cls=_BackpackGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Backpack folder (default: $BACKPACK_HOME, else ~/.local/share/openbadges-backpack).",
)
@click.version_option(package_name="openbadges-backpack", prog_name="backpack")
@click.pass_context
def cli(ctx: click.Context, home: Path | None) -> None:
    """Your Open Badges backpack: import, verify, organise and share your badges.

    Run without a command to open your backpack (with the demo badges in it the first time).
    """
    ctx.obj = CliContext(home)
    if ctx.invoked_subcommand is None:
        _open_backpack(ctx.obj)


def _open_backpack(context: CliContext) -> None:
    """The main job: the TUI in a terminal, the badge table otherwise (pipes, scripts). A backpack opened for the
    first time, with no badge yet, gets the demo badges (its "Demo" collection), removable at once."""
    store = context.store
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("BACKPACK_NO_TUI")
    from ..demo import offer_demo  # Pillow, the QR encoder and signing keys: only when the backpack is empty

    if offer_demo(store) and not interactive:
        click.echo(f"Your backpack ({store.home}) had no badges yet, so it now holds the demo badges.")
        click.echo("Import your own with: backpack import FILE|URL …   Remove the demo with: backpack demo remove\n")
    if interactive:
        run_tui(store)
    else:
        print_table(sort_badges(store.list_badges()))


for _group in (badges, collection, sharing, publishing, identities, backup, serving, hosting):
    for _command in _group.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    # Piped into `head` and the like: stop quietly when the reader goes away, as Unix tools do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        cli.main(prog_name="backpack")
    except KeyboardInterrupt:
        click.echo("backpack: interrupted", err=True)
        sys.exit(130)
