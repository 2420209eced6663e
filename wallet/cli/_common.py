"""What every command group shares: the backpack of this run, the fetch policy, common options, and the rendering of
badges, reports and statuses on a terminal."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn

import click

from verifier import FetchPolicy, Report

from ..check_words import plain_words
from ..errors import WalletError
from ..expiry import parse_window
from ..hints import recipient_hint
from ..paths import default_home
from ..settings import fetch_policy, load_settings
from ..store import BadgeRecord, Store

__all__ = [
    "bulk_work",
    "EXIT_INVALID_INPUT",
    "EXIT_NOT_VALID",
    "ISSUER_NOTES",
    "STATUS_MARKS",
    "VERSION_LABELS",
    "CliContext",
    "CommandError",
    "clip",
    "duration",
    "fail",
    "fetch_contexts_option",
    "issuer_text",
    "mark",
    "offline_option",
    "payload_json",
    "policy_of",
    "print_checks",
    "print_table",
    "private_network_option",
    "recipient_option",
    "report_line",
    "run_tui",
    "store_of",
]

EXIT_NOT_VALID = 1
EXIT_INVALID_INPUT = 2
STATUS_MARKS = {
    "valid": ("✔", "green"),
    "expired": ("⌛", "yellow"),
    "revoked": ("⊘", "red"),
    "invalid": ("✘", "red"),
    "unverifiable": ("?", "yellow"),
    "unchecked": ("·", None),
}
VERSION_LABELS = {"ob0": "OB 0.5", "ob1": "OB 1.x", "ob2": "OB 2.0", "ob3": "OB 3.0", "unknown": "?"}


@contextlib.contextmanager
def bulk_work() -> Iterator[None]:
    """For a command that verifies and stores thousands of badges in one process: the collector's full passes paused,
    its young ones not. Full passes over a heap holding 10,000 badges' documents and reports were a fifth of
    ``recheck --all`` (1.5 s of 7); the young passes free the short-lived cycles each request leaves (the HTTP
    client's, asyncio's), which with the collector off altogether held 10,000 badges' worth (+80 MB)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


class CommandError(WalletError):
    """A command refuses its input: one line on stderr and exit code 2, like every wallet error."""

    code = "command_refused"


def fail(message: str) -> NoReturn:
    raise CommandError(message)


class CliContext:
    """The backpack this run works on (``--home``, else ``BACKPACK_HOME``, else the default folder)."""

    def __init__(self, home: Path | None) -> None:
        self.explicit_home = home is not None or bool(os.environ.get("BACKPACK_HOME", "").strip())
        self.store = Store(home or default_home())


def store_of(ctx: click.Context) -> Store:
    return ctx.ensure_object(CliContext).store


def policy_of(store: Store, allow_private_network: bool, offline: bool = False) -> FetchPolicy:
    # The backpack's settings (offline-only, private network allowed) apply unless a flag widens them.
    return fetch_policy(
        load_settings(store), allow_private_network=allow_private_network or None, offline=offline or None
    )


def run_tui(store: Store) -> None:
    from ..tui import make_app  # Textual is loaded only for the TUI

    make_app(store).run()


def duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> timedelta | None:
    """Parse a ``--expires``/``--expiring-within`` value (30d, 4w, a number of days)."""
    try:
        return None if value is None else parse_window(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


private_network_option = click.option(
    "--allow-private-network",
    is_flag=True,
    help="Allow fetching from loopback and private addresses (or set BACKPACK_ALLOW_PRIVATE_NETWORK=1, "
    "or `backpack settings set allow-private-network true`).",
)
offline_option = click.option(
    "--offline", is_flag=True, help="Do not use the network: verify with the documents cached in the backpack."
)
fetch_contexts_option = click.option(
    "--fetch-contexts",
    is_flag=True,
    help="Fetch JSON-LD contexts the backpack does not bundle (otherwise such badges are unverifiable).",
)
recipient_option = click.option(
    "--recipient",
    "recipients",
    multiple=True,
    metavar="ID",
    help="An identity the badge must be issued to (repeatable); your stored identities are always used too.",
)


# -- rendering ----------------------------------------------------------------------------------------------------


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def mark(status: str) -> str:
    symbol, colour = STATUS_MARKS.get(status, ("?", None))
    return click.style(f"{symbol} {status:<12}", fg=colour)


@dataclass(frozen=True)
class _Column:
    title: str
    cells: list[str]
    width: int


def _columns(records: list[BadgeRecord], *, wide: bool, width: int) -> list[_Column]:
    """The table's columns, fitted to ``width`` characters: the name and the issuer share what the fixed columns
    leave (names are cut with …); on a narrow terminal the format goes, then the time of the last check."""
    infos = [record.info for record in records]
    checked = [(record.checked_at or "never")[:16].replace("T", " ") for record in records]
    names = [record.display_name for record in records]
    issuers = [info.issuer for info in infos]

    def fixed(format_shown: bool, checked_width: int) -> int:
        # ID, STATUS (mark() pads to 14), ISSUED, CHECKED, two spaces between columns, NAME and ISSUER included.
        return 10 + 14 + (6 + 2 if format_shown else 0) + 10 + checked_width + 2 * 5

    longest_name = max(len("NAME"), *map(len, names))
    longest_issuer = max(len("ISSUER"), *map(len, issuers))
    format_shown, checked_width = True, 16
    if wide:
        name_width, issuer_width = longest_name, longest_issuer
    else:
        for format_shown, checked_width in ((True, 16), (False, 16), (False, 10)):
            if width - fixed(format_shown, checked_width) >= 36:
                break
        room = max(width - fixed(format_shown, checked_width), 16)
        issuer_width = min(longest_issuer, max(room // 3, 8))
        name_width = min(longest_name, room - issuer_width)
        issuer_width = min(longest_issuer, room - name_width)  # what a short name leaves goes to the issuer
    marks = {status: mark(status) for status in {record.status for record in records}}
    columns = [
        _Column("ID", [record.id for record in records], 10),
        _Column("STATUS", [marks[record.status] for record in records], 14),
    ]
    if format_shown:
        columns.append(_Column("FORMAT", [VERSION_LABELS.get(record.version, "?") for record in records], 6))
    columns += [
        _Column("NAME", [clip(name, name_width) for name in names], name_width),
        _Column("ISSUER", [clip(issuer, issuer_width) for issuer in issuers], issuer_width),
        _Column("ISSUED", [info.issued_date for info in infos], 10),
        _Column("CHECKED", [value[:checked_width] for value in checked], checked_width),
    ]
    return columns


def print_table(
    records: list[BadgeRecord], *, notes: list[str] | None = None, wide: bool = False, width: int | None = None
) -> None:
    """The badges as a table fitted to the terminal (``wide``: every name in full), then a summary line."""
    if not records:
        click.echo(
            "Your backpack is empty. Import badges with: backpack import FILE|URL …  "
            "(or add the demo badges: backpack demo)"
        )
        return
    columns = _columns(records, wide=wide, width=width or shutil.get_terminal_size((100, 24)).columns)
    header = "  ".join(column.title.ljust(column.width) for column in columns).rstrip()
    lines = [click.style(header, bold=True)]
    for index in range(len(records)):
        # STATUS cells carry colour codes: their padding is done by mark(), not by ljust().
        cells = [
            column.cells[index] if column.title == "STATUS" else column.cells[index].ljust(column.width)
            for column in columns
        ]
        lines.append("  ".join(cells).rstrip())
    click.echo("\n".join(lines))  # one write: echoing line by line was a tenth of listing 10,000 badges
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    noun = "badge" if len(records) == 1 else "badges"
    parts = [f"{counts[s]} {s if s != 'unchecked' else 'not checked'}" for s in STATUS_MARKS if counts.get(s)]
    click.echo(f"\n{len(records)} {noun} · " + " · ".join(parts + (notes or [])))


ISSUER_NOTES = {True: "listed in a registry you use", False: "self-asserted: not in any registry you use"}
"""What ``BadgeDisplay.issuer_name_confirmed`` says about the issuer's name (None: no registry was consulted)."""


def issuer_text(name: str | None, issuer_id: str | None = None, confirmed: bool | None = None) -> str:
    """The issuer as shown: its name (and id), marked self-asserted when the user's registries do not list it."""
    text = " · ".join(v for v in (name, issuer_id) if v)
    note = ISSUER_NOTES.get(confirmed) if confirmed is not None and text else None
    return f"{text}  ({note})" if note else text


def report_line(
    report: Report, name: str | None = None, suffix: str = "", *, own: bool = False, recipient: str | None = None
) -> str:
    """The status and name of a verified badge, and on a second line the check that decided it. For a badge of the
    user's own backpack (``own``) issued to an identity not added, what to do instead; ``recipient`` is the stored
    badge's recipient, for that hint. (``backpack verify`` checks someone's badge: no such advice there.)"""
    status = report.status
    line = f"{mark(status)} {name or report.badge.name or report.badge_id or report.source}"
    if report.badge.issuer_name:
        line += f" — {issuer_text(report.badge.issuer_name, confirmed=report.badge.issuer_name_confirmed)}"
    line += suffix
    decisive = report.decisive_check
    hint = recipient_hint(report, recipient) if own else None
    if hint is not None:
        line += f"\n    {hint}"
    elif decisive is not None:
        # Plain words here; the verifier's own message is in `backpack show` and --json.
        line += f"\n    {plain_words(decisive)}"
        if decisive.id == "revocation" and report.badge.revocation_reason:
            line += f" Reason given: {report.badge.revocation_reason}"
        if "private or local address" in decisive.message:
            line += " Use --allow-private-network to allow it."
    return line


def print_checks(report: Report) -> None:
    for check in report.checks:
        symbol = {"passed": "✔", "failed": "✘", "warning": "!", "skipped": "-", "error": "?"}[check.outcome]
        click.echo(f"  {symbol} {check.id:<12} {check.message}")


def payload_json(store: Store, record: BadgeRecord) -> Any:
    text = store.read_blob(record.payload_blob).decode("utf-8")
    if record.payload_kind == "json":
        return json.loads(text)
    return text


def yes_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--yes",
        "yes",
        is_flag=True,
        help="Go ahead even where a badge names its earner by e-mail in its signed content (for scripts).",
    )(command)


def can_ask() -> bool:
    """Whether someone at a terminal can answer a question."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def confirm_exposed_identities(exposed: dict[str, list[str]], *, yes: bool, verb: str) -> None:
    """Say which badges name their earner by a plain e-mail (in their signed content: a share page cannot hide it
    from the bundle and image downloads), and ask before going ahead. ``--yes`` goes ahead; without a terminal to
    ask on, the command refuses in one line (exit 2) rather than publish an e-mail address unasked."""
    if not exposed:
        return
    if not yes and not can_ask():
        named = "; ".join(f"{name!r} names its earner as {', '.join(ids)}" for name, ids in exposed.items())
        fail(
            f"nothing done: {named} in its signed content, which anyone with the link could read;"
            f" run again with --yes to {verb} anyway"
        )
    for name, identities in exposed.items():
        click.echo(
            f"warning: {name!r} names its earner as {', '.join(identities)} in its signed content: anyone with the"
            " link can read it in the bundle and the badge image",
            err=True,
        )
    if not yes and not click.confirm(f"{verb.capitalize()} anyway?", default=False, err=True):
        fail("nothing done: you chose not to " + verb)
