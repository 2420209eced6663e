"""``backpack``: the command line, a thin layer over the wallet and verifier libraries.

Exit codes: 0 success, 1 verified but not valid (verification commands), 2 unreadable input or usage error.
Every error is one line on stderr; ``BACKPACK_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import click
import segno

from verifier import (
    DEFAULT_LIMITS,
    Extraction,
    FetchPolicy,
    Report,
    VerifierError,
    classify_payload,
    extract,
    summarize,
)

from . import badge_collections, exporting, shares
from .bundle import build_bundle
from .demo import seed_demo
from .errors import WalletError
from .identities import normalize_identity
from .importer import import_sources, load_source
from .paths import default_home, demo_home
from .settings import fetch_policy, load_settings
from .store import BadgeRecord, Store, atomic_write
from .verification import verify_records, verify_sources

EXIT_NOT_VALID = 1
EXIT_INVALID_INPUT = 2
_STATUS_MARKS = {
    "valid": ("✔", "green"),
    "expired": ("⌛", "yellow"),
    "revoked": ("⊘", "red"),
    "invalid": ("✘", "red"),
    "unverifiable": ("?", "yellow"),
    "unchecked": ("·", None),
}
_VERSION_LABELS = {"ob1": "OB 1.x", "ob2": "OB 2.0", "ob3": "OB 3.0", "unknown": "?"}


def _fail(message: str) -> NoReturn:
    click.echo(f"backpack: error: {message}", err=True)
    raise click.exceptions.Exit(EXIT_INVALID_INPUT)


class _BackpackGroup(click.Group):
    """Turns library errors into one line on stderr and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (WalletError, VerifierError) as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}")
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
            if os.environ.get("BACKPACK_DEBUG"):
                traceback.print_exc()
            _fail(f"internal error ({type(exc).__name__}: {exc}); rerun with BACKPACK_DEBUG=1 and report it")


class _Context:
    def __init__(self, home: Path | None) -> None:
        self.explicit_home = home is not None or bool(os.environ.get("BACKPACK_HOME", "").strip())
        self.store = Store(home or default_home())


def _store(ctx: click.Context) -> Store:
    return ctx.ensure_object(_Context).store


def _policy(store: Store, allow_private_network: bool, offline: bool = False) -> FetchPolicy:
    # The backpack's settings (offline-only, private network allowed) apply unless a flag widens them.
    return fetch_policy(
        load_settings(store), allow_private_network=allow_private_network or None, offline=offline or None
    )


_private_network_option = click.option(
    "--allow-private-network",
    is_flag=True,
    help="Allow fetching from loopback and private addresses (or set BACKPACK_ALLOW_PRIVATE_NETWORK=1).",
)
_offline_option = click.option(
    "--offline", is_flag=True, help="Do not use the network: verify with the documents cached in the backpack."
)
_fetch_contexts_option = click.option(
    "--fetch-contexts",
    is_flag=True,
    help="Fetch JSON-LD contexts the backpack does not bundle (otherwise such badges are unverifiable).",
)
_recipient_option = click.option(
    "--recipient",
    "recipients",
    multiple=True,
    metavar="ID",
    help="An identity the badge must be issued to (repeatable); your stored identities are always used too.",
)


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

    Run without a command to open your backpack (the demo backpack when you have none yet).
    """
    ctx.obj = _Context(home)
    if ctx.invoked_subcommand is None:
        _open_backpack(ctx.obj)


def _open_backpack(context: _Context) -> None:
    """The main job: the TUI in a terminal, the badge table otherwise (pipes, scripts)."""
    store = context.store
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("BACKPACK_NO_TUI")
    if not context.explicit_home and not store.list_badges():
        demo = Store(demo_home())
        if not demo.list_badges():
            seed_demo(demo)
        if not interactive:
            click.echo(f"Your backpack ({store.home}) is empty, so here is the demo backpack ({demo.home}).")
            click.echo("Add your own badges with: backpack import FILE|URL …\n")
        store = demo
    if interactive:
        _run_tui(store)
    else:
        _print_table(store.list_badges())


def _run_tui(store: Store) -> None:
    from .tui import make_app  # Textual is loaded only for the TUI

    make_app(store).run()


# -- rendering ----------------------------------------------------------------------------------------------------


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _mark(status: str) -> str:
    symbol, colour = _STATUS_MARKS.get(status, ("?", None))
    return click.style(f"{symbol} {status:<12}", fg=colour)


def _print_table(records: list[BadgeRecord], *, notes: list[str] | None = None) -> None:
    if not records:
        click.echo("Your backpack is empty. Import badges with: backpack import FILE|URL …  (or try: backpack demo)")
        return
    header = f"{'ID':<10}  {'STATUS':<14}  {'FORMAT':<6}  {'NAME':<30}  {'ISSUER':<22}  {'ISSUED':<10}  CHECKED"
    click.echo(click.style(header, bold=True))
    for record in records:
        summary = record.summary
        issuer = summary.get("issuer_name") or summary.get("issuer_id") or ""
        issued = (summary.get("issued_on") or "")[:10]
        checked = (
            str(record.verification.get("checked_at", ""))[:16].replace("T", " ") if record.verification else "never"
        )
        click.echo(
            f"{record.id:<10}  {_mark(record.status)}  {_VERSION_LABELS.get(record.version, '?'):<6}  "
            f"{_clip(record.display_name, 30):<30}  {_clip(str(issuer), 22):<22}  {issued:<10}  {checked}"
        )
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    noun = "badge" if len(records) == 1 else "badges"
    parts = [f"{counts[s]} {s if s != 'unchecked' else 'not checked'}" for s in _STATUS_MARKS if counts.get(s)]
    click.echo(f"\n{len(records)} {noun} · " + " · ".join(parts + (notes or [])))


def _report_line(report: Report, name: str | None = None, suffix: str = "") -> str:
    status = report.status
    line = f"{_mark(status)} {name or report.badge.name or report.badge_id or report.source}"
    if report.badge.issuer_name:
        line += f" — {report.badge.issuer_name}"
    line += suffix
    decisive = report.decisive_check
    if decisive is not None:
        line += f"\n    {decisive.id}: {decisive.message}"
        if "private or local address" in decisive.message:
            line += " (use --allow-private-network to allow it)"
    return line


def _print_checks(report: Report) -> None:
    for check in report.checks:
        symbol = {"passed": "✔", "failed": "✘", "warning": "!", "skipped": "-", "error": "?"}[check.outcome]
        click.echo(f"  {symbol} {check.id:<12} {check.message}")


def _payload_json(store: Store, record: BadgeRecord) -> Any:
    text = store.read_blob(record.payload_blob).decode("utf-8")
    if record.payload_kind == "json":
        return json.loads(text)
    return text


# -- commands -----------------------------------------------------------------------------------------------------


@cli.command("tui")
@click.pass_context
def tui_command(ctx: click.Context) -> None:
    """Open the terminal UI on this backpack (what `backpack` alone does in a terminal)."""
    _run_tui(_store(ctx))


@cli.command("import")
@click.argument("sources", nargs=-1, required=True)
@_recipient_option
@_offline_option
@click.option("--no-verify", is_flag=True, help="Store the badges without verifying them.")
@_fetch_contexts_option
@_private_network_option
@click.pass_context
def import_command(
    ctx: click.Context,
    sources: tuple[str, ...],
    recipients: tuple[str, ...],
    offline: bool,
    no_verify: bool,
    fetch_contexts: bool,
    allow_private_network: bool,
) -> None:
    """Import badges from files, folders, URLs or '-' (JSON/JWS/URL on standard input), and verify them."""
    store = _store(ctx)
    policy = _policy(store, allow_private_network, offline)
    stdin = sys.stdin.buffer.read(DEFAULT_LIMITS.max_file_bytes + 1) if "-" in sources else None
    failures = 0
    imported: list[BadgeRecord] = []
    for result in import_sources(store, list(sources), policy=policy, stdin=stdin):
        if result.record is None:
            failures += 1
            click.echo(f"backpack: error: {result.source}: {result.error}", err=True)
            continue
        imported.append(result.record)
        verb = "imported" if result.created else "updated "
        click.echo(f"{verb} {result.record.id}  {result.record.display_name}  ({result.source})")
    not_valid = 0
    if imported and not no_verify:
        unique = list({record.id: record for record in imported}.values())
        verified = verify_records(
            store, unique, fetch_policy=policy, recipients=recipients, fetch_contexts=fetch_contexts
        )
        for record, report in verified:
            not_valid += report.status != "valid"
            click.echo(f"{record.id}  {_report_line(report, record.display_name)}")
    if failures and len(imported) + failures > 1:
        click.echo(f"{len(imported)} imported, {failures} failed", err=True)
    if failures:
        raise click.exceptions.Exit(EXIT_INVALID_INPUT)
    if not_valid:
        raise click.exceptions.Exit(EXIT_NOT_VALID)


def _expiry_window(_ctx: click.Context, _param: click.Parameter, value: str | None) -> timedelta | None:
    try:
        return None if value is None else exporting.parse_window(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--expiring-within",
    "window",
    metavar="DURATION",
    callback=_expiry_window,
    help="Only the badges that expire within DURATION from now: 30d, 4w, or a number of days.",
)
@click.pass_context
def list_command(ctx: click.Context, as_json: bool, window: timedelta | None) -> None:
    """List the badges in your backpack."""
    records = _store(ctx).list_badges()
    now = datetime.now(UTC)
    if window is not None:
        records = exporting.expiring_within(records, window, now=now)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
    elif window is not None and not records:
        click.echo(f"No badge expires within {exporting.describe_window(window)}.")
    elif window is not None:
        _print_table(records)
    else:
        default = exporting.DEFAULT_EXPIRY_WINDOW
        soon = len(exporting.expiring_within(records, default, now=now))
        notes = [f"{soon} expiring within {exporting.describe_window(default)}"] if soon else []
        _print_table(records, notes=notes)


@cli.command("show")
@click.argument("badge_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, the badge payload included.")
@click.pass_context
def show_command(ctx: click.Context, badge_id: str, as_json: bool) -> None:
    """Show one badge (an id prefix of at least 4 characters is enough)."""
    store = _store(ctx)
    record = store.get_badge(badge_id)
    payload = _payload_json(store, record)
    if as_json:
        click.echo(json.dumps({**record.to_dict(), "payload": payload}, indent=2, ensure_ascii=False))
        return
    summary = record.summary
    rows = [
        ("Badge", record.display_name),
        ("ID", record.id),
        ("Format", f"{_VERSION_LABELS.get(record.version, '?')} · {record.payload_kind}"),
        ("Issuer", " · ".join(str(v) for v in (summary.get("issuer_name"), summary.get("issuer_id")) if v)),
        ("Recipient", summary.get("recipient")),
        ("Issued", summary.get("issued_on")),
        ("Expires", summary.get("expires")),
        ("Description", summary.get("description")),
        ("Identifier", record.key.removeprefix("id:")),
        ("Source", f"{record.source.ref} ({record.source.location})"),
        ("Imported", record.imported_at),
        ("Updated", record.updated_at),
    ]
    for label, value in rows:
        if value:
            click.echo(f"{label + ':':<14}{value}")
    for warning in record.warnings:
        click.echo(f"{'Warning:':<14}{warning}")
    if record.verification:
        report = Report.from_dict(record.verification)
        click.echo(f"{'Status:':<14}{_mark(report.status)}  (checked {report.checked_at})")
        _print_checks(report)
    else:
        click.echo(f"{'Status:':<14}not verified yet (run: backpack recheck {record.id})")
    click.echo("\nPayload:")
    if isinstance(payload, dict):
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    elif record.payload_kind == "jws":
        decoded = classify_payload(payload)
        click.echo(f"JWS header (compact JWS of {len(payload)} characters): {json.dumps(decoded.jws_header)}")
        click.echo(json.dumps(decoded.claims, indent=2, ensure_ascii=False))
    else:
        click.echo(payload)


@cli.command("remove")
@click.argument("badge_id")
@click.pass_context
def remove_command(ctx: click.Context, badge_id: str) -> None:
    """Remove a badge from your backpack."""
    record, collection_names = badge_collections.remove_badge(_store(ctx), badge_id)
    click.echo(f"removed {record.id}  {record.display_name}")
    for name in collection_names:
        click.echo(f"also taken out of the collection {name!r}")


def _extraction_json(extraction: Extraction) -> dict[str, Any]:
    return {
        "container": extraction.container,
        "media_type": extraction.media_type,
        "warnings": list(extraction.warnings),
        "found": [
            {
                "location": found.location,
                "kind": found.payload.kind,
                "version": found.payload.version,
                "badge_id": found.payload.badge_id,
                "problem": found.payload.problem,
                "summary": summarize(found.payload).to_dict(),
                "jws_header": found.payload.jws_header,
                "claims": found.payload.claims,
                "text": found.payload.text,
            }
            for found in extraction.found
        ],
    }


@cli.command("extract")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_private_network_option
@click.pass_context
def extract_command(ctx: click.Context, source: str, as_json: bool, allow_private_network: bool) -> None:
    """Show what is baked in an image or encoded in a QR code, without storing anything."""
    stdin = sys.stdin.buffer.read(DEFAULT_LIMITS.max_file_bytes + 1) if source == "-" else None
    loaded = load_source(source, policy=_policy(_store(ctx), allow_private_network), stdin=stdin)
    try:
        extraction = extract(loaded.data)
    except VerifierError as exc:
        _fail(f"{source}: {exc}")
    if as_json:
        click.echo(json.dumps(_extraction_json(extraction), indent=2, ensure_ascii=False))
    else:
        click.echo(f"{source}: {extraction.media_type}, {len(extraction.found)} payload(s)")
        for found in extraction.found:
            payload = found.payload
            click.echo(f"\n{found.location}: {payload.kind}, {_VERSION_LABELS.get(payload.version, '?')}")
            if payload.badge_id:
                click.echo(f"  id: {payload.badge_id}")
            name = summarize(payload).name
            if name:
                click.echo(f"  name: {name}")
            if payload.problem:
                click.echo(f"  problem: {payload.problem}")
            if payload.jws_header is not None:
                click.echo(
                    "  JWS header (signature not checked): " + json.dumps(payload.jws_header, ensure_ascii=False)
                )
            if payload.claims is not None:
                click.echo("  " + json.dumps(payload.claims, indent=2, ensure_ascii=False).replace("\n", "\n  "))
            else:
                click.echo("  " + payload.text)
        for warning in extraction.warnings:
            click.echo(f"warning: {warning}", err=True)
    problems = [f.payload.problem for f in extraction.found[:1] if f.payload.problem]
    if problems:
        _fail(f"{source}: {problems[0]}")


def _read_source_list(path: str) -> list[str]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text("utf-8")
    except OSError as exc:
        _fail(f"cannot read the source list {path}: {exc.strerror}")
    except UnicodeDecodeError:
        _fail(f"the source list {path} is not UTF-8 text")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@cli.command("verify")
@click.argument("sources", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (an array for several sources).")
@_recipient_option
@_offline_option
@click.option(
    "--from", "from_file", metavar="FILE|-", help="Also verify the sources listed in FILE (one per line; - for stdin)."
)
@_fetch_contexts_option
@_private_network_option
@click.pass_context
def verify_command(
    ctx: click.Context,
    sources: tuple[str, ...],
    as_json: bool,
    recipients: tuple[str, ...],
    offline: bool,
    from_file: str | None,
    fetch_contexts: bool,
    allow_private_network: bool,
) -> None:
    """Verify badges (files, URLs, JSON/JWS on '-') without storing them.

    Exit status: 0 when every badge is valid, 1 when any is not, 2 when an input cannot be read at all.
    """
    all_sources = list(sources) + (_read_source_list(from_file) if from_file else [])
    if not all_sources:
        raise click.UsageError("give at least one SOURCE (or --from FILE)")
    if from_file == "-" and "-" in all_sources:
        raise click.UsageError("standard input cannot hold both the source list and a badge")
    store = _store(ctx)
    stdin = sys.stdin.buffer.read(DEFAULT_LIMITS.max_file_bytes + 1) if "-" in all_sources else None
    policy = _policy(store, allow_private_network, offline)
    reports = verify_sources(
        store, all_sources, fetch_policy=policy, recipients=recipients, stdin=stdin, fetch_contexts=fetch_contexts
    )
    unreadable = [r for r in reports if (c := r.check("extracted")) is not None and c.outcome == "failed"]
    if as_json:
        documents = [r.to_dict() for r in reports]
        click.echo(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2, ensure_ascii=False))
    else:
        for report in reports:
            if report not in unreadable:
                click.echo(_report_line(report, suffix=f"  ({report.source})"))
                for item in report.items:  # a portfolio bundle: each badge inside it
                    click.echo("    " + _report_line(item).replace("\n", "\n    "))
        if len(reports) > 1:
            valid = sum(r.status == "valid" for r in reports)
            click.echo(f"\n{valid} of {len(reports)} valid")
    for report in unreadable:
        click.echo(f"backpack: error: {report.source}: {report.check('extracted').message}", err=True)  # type: ignore[union-attr]
    if unreadable:
        raise click.exceptions.Exit(EXIT_INVALID_INPUT)
    if any(r.status != "valid" for r in reports):
        raise click.exceptions.Exit(EXIT_NOT_VALID)


@cli.command("recheck")
@click.argument("badge_ids", nargs=-1)
@click.option("--all", "check_all", is_flag=True, help="Recheck every badge in the backpack.")
@_recipient_option
@_offline_option
@_fetch_contexts_option
@_private_network_option
@click.pass_context
def recheck_command(
    ctx: click.Context,
    badge_ids: tuple[str, ...],
    check_all: bool,
    recipients: tuple[str, ...],
    offline: bool,
    fetch_contexts: bool,
    allow_private_network: bool,
) -> None:
    """Verify stored badges again (concurrently) and keep the new reports. Exit 1 when any is not valid."""
    if not badge_ids and not check_all:
        raise click.UsageError("give badge ids, or --all")
    if badge_ids and check_all:
        raise click.UsageError("give badge ids or --all, not both")
    store = _store(ctx)
    records = store.list_badges() if check_all else [store.get_badge(badge_id) for badge_id in badge_ids]
    records = list({record.id: record for record in records}.values())  # two prefixes of one badge check it once
    if not records:
        click.echo("Your backpack is empty: nothing to recheck.")
        return
    before = {record.id: record.status for record in records}
    results = verify_records(
        store,
        records,
        fetch_policy=_policy(store, allow_private_network, offline),
        recipients=recipients,
        fetch_contexts=fetch_contexts,
    )
    for record, report in results:
        change = f"  (was {before[record.id]})" if before[record.id] not in ("unchecked", report.status) else ""
        click.echo(f"{record.id}  {_report_line(report, record.display_name, change)}")
    if len(results) > 1:
        click.echo(f"\n{sum(r.status == 'valid' for _, r in results)} of {len(results)} valid")
    if any(report.status != "valid" for _, report in results):
        raise click.exceptions.Exit(EXIT_NOT_VALID)


# -- collections ----------------------------------------------------------------------------------------------


@cli.group("collection")
def collection_group() -> None:
    """Collections: badges stacked into one story (a learning path, a job profile)."""


def _print_collection(store: Store, collection: badge_collections.Collection) -> None:
    badges = {record.id: record for record in store.list_badges()}
    click.echo(click.style(collection.name, bold=True) + f"  ({collection.id})")
    if collection.description:
        click.echo(collection.description)
    if collection.tags:
        click.echo("tags: " + ", ".join(collection.tags))
    click.echo(badge_collections.progress(collection, badges).text)
    for step, badge_id in enumerate(collection.badge_ids, start=1):
        record = badges.get(badge_id)
        if record is None:
            click.echo(f"{step:>3}. {badge_id}  (no longer in the backpack)")
            continue
        click.echo(f"{step:>3}. {record.id}  {_mark(record.status)} {record.display_name}")
    for step, planned in enumerate(collection.planned, start=len(collection.badge_ids) + 1):
        click.echo(f"{step:>3}. {'':10}  ○ {'planned':<12} {planned}")


@collection_group.command("create")
@click.argument("name")
@click.option("--description", default="", help="What the collection shows.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--plan", "planned", multiple=True, metavar="STEP", help="A step not earned yet (repeatable).")
@click.pass_context
def collection_create(
    ctx: click.Context, name: str, description: str, tags: tuple[str, ...], planned: tuple[str, ...]
) -> None:
    """Create a collection."""
    created = badge_collections.create_collection(
        _store(ctx), name, description=description, tags=list(tags), planned=list(planned)
    )
    click.echo(f"created collection {created.name!r} ({created.id})")


@collection_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def collection_list(ctx: click.Context, as_json: bool) -> None:
    """List collections with their progress."""
    store = _store(ctx)
    found = badge_collections.list_collections(store)
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo('No collections yet. Create one with: backpack collection create "My learning path"')
        return
    badges = {record.id: record for record in store.list_badges()}
    for collection in found:
        click.echo(f"{collection.id}  {collection.name}  ·  {badge_collections.progress(collection, badges).text}")


@collection_group.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def collection_show(ctx: click.Context, name: str, as_json: bool) -> None:
    """Show a collection's badges in order, with their status."""
    store = _store(ctx)
    collection = badge_collections.get_collection(store, name)
    if as_json:
        badges = {record.id: record for record in store.list_badges()}
        progress = badge_collections.progress(collection, badges)
        document = {**collection.to_dict(), "progress": {"earned": progress.earned, "total": progress.total}}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        _print_collection(store, collection)


@collection_group.command("add")
@click.argument("name")
@click.argument("badge_ids", nargs=-1, required=True)
@click.pass_context
def collection_add(ctx: click.Context, name: str, badge_ids: tuple[str, ...]) -> None:
    """Add badges to a collection (at the end)."""
    updated = badge_collections.add_badges(_store(ctx), name, list(badge_ids))
    click.echo(f"{updated.name!r} now holds {len(updated.badge_ids)} badges")


@collection_group.command("remove")
@click.argument("name")
@click.argument("badge_ids", nargs=-1, required=True)
@click.pass_context
def collection_remove(ctx: click.Context, name: str, badge_ids: tuple[str, ...]) -> None:
    """Take badges out of a collection (they stay in the backpack)."""
    updated = badge_collections.remove_badges(_store(ctx), name, list(badge_ids))
    click.echo(f"{updated.name!r} now holds {len(updated.badge_ids)} badges")


@collection_group.command("order")
@click.argument("name")
@click.argument("badge_ids", nargs=-1, required=True)
@click.pass_context
def collection_order(ctx: click.Context, name: str, badge_ids: tuple[str, ...]) -> None:
    """Put the given badges first, in this order (the others follow in their current order)."""
    store = _store(ctx)
    _print_collection(store, badge_collections.reorder(store, name, list(badge_ids)))


@collection_group.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.pass_context
def collection_rename(ctx: click.Context, name: str, new_name: str) -> None:
    """Rename a collection."""
    updated = badge_collections.rename_collection(_store(ctx), name, new_name)
    click.echo(f"renamed to {updated.name!r}")


@collection_group.command("delete")
@click.argument("name")
@click.pass_context
def collection_delete(ctx: click.Context, name: str) -> None:
    """Delete a collection (its badges stay in the backpack) and revoke its share links."""
    deleted, revoked = badge_collections.delete_collection_and_shares(_store(ctx), name)
    click.echo(f"deleted collection {deleted.name!r}")
    if revoked:
        links = "its share link" if len(revoked) == 1 else f"its {len(revoked)} share links"
        click.echo(f"revoked {links}: {', '.join(token[:8] + '…' for token in revoked)}")


@cli.command("export")
@click.argument("name", metavar="COLLECTION|ID")
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["bundle", "images", "card"]),
    default="bundle",
    show_default=True,
    help="bundle: a signed JSON-LD portfolio (a Verifiable Presentation) of a collection; "
    "images: baked badge images in a folder or a .zip; card: printable cards (.png, or .pdf with a page per badge).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="File to write (a folder or FILE.zip for images; FILE.png or FILE.pdf for cards).",
)
@_offline_option
@_private_network_option
@click.pass_context
def export_command(
    ctx: click.Context, name: str, export_format: str, output: Path, offline: bool, allow_private_network: bool
) -> None:
    """Export a collection (or, for images and cards, one badge).

    A bundle is a signed portfolio anyone can verify with `backpack verify FILE`; images are the badges baked in
    PNG/SVG files any backpack imports; cards are printable, with a QR code that leads to the badge's verification.
    """
    store = _store(ctx)
    if export_format == "bundle":
        if output.is_dir():
            _fail(f"{output} is a folder: give the bundle's file name")
        collection = badge_collections.get_collection(store, name)
        bundle, problems = build_bundle(store, collection, fetch_policy=_policy(store, allow_private_network, offline))
        for problem in problems:
            click.echo(f"warning: {problem}", err=True)
        atomic_write(output, (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), mode=0o644)
        click.echo(f"wrote {output}: {collection.name!r}, signed by {bundle['holder']}")
        return
    suffix = output.suffix.lower()
    if export_format == "card" and suffix not in (".png", ".pdf"):
        _fail(f"a card file name ends in .png or .pdf, not {output.name!r}")
    selection = exporting.select(store, name)
    for missing in selection.missing:
        click.echo(f"warning: badge {missing} of {selection.label} is no longer in the backpack: skipped", err=True)
    if export_format == "images":
        written = exporting.write_images(exporting.baked_images(store, selection), output)
        for path in [f"{output}: {member}" for member in written] if suffix == ".zip" else written:
            click.echo(f"wrote {path}")
        return
    links: list[str | None] = []
    targets: list[str] = []
    if suffix == ".pdf":
        data, links = exporting.cards_pdf(store, selection.records)
        exporting.write_file(output, data)
        targets = [f"{output} page {page}" for page in range(1, len(links) + 1)]
    else:
        single = selection.collection is None
        for step, record in enumerate(selection.records, start=1):
            data, link = exporting.card_png(store, record)
            target = output if single else output.with_name(f"{output.stem}-{step}{output.suffix}")
            exporting.write_file(target, data)
            links.append(link)
            targets.append(str(target))
    for record, target, link in zip(selection.records, targets, links, strict=True):
        note = "QR code: " + _clip(link, 100) if link else "no QR code: " + exporting.NO_LINK_TEXT
        click.echo(f"wrote {target}: {record.display_name}  ({note})")


@cli.command("bake")
@click.argument("badge_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="File to write (.png or .svg, as the badge's image is), or a folder. Default: a file named after the badge.",
)
@click.pass_context
def bake_command(ctx: click.Context, badge_id: str, output: Path | None) -> None:
    """Write one badge baked in its image (PNG or SVG), ready to import into any backpack."""
    store = _store(ctx)
    filename, data = exporting.baked_image(store, store.get_badge(badge_id))
    produced = Path(filename).suffix
    if output is None or output.is_dir():
        output = (output or Path()) / filename
    elif output.suffix.lower() != produced:
        kind = "a PNG" if produced == ".png" else "an SVG"
        _fail(f"this badge bakes into {kind}: name the file {output.stem}{produced}")
    exporting.write_file(output, data)
    click.echo(f"wrote {output}")


# -- sharing and the web view -------------------------------------------------------------------------------------


def _duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return exporting.parse_window(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@cli.command("share")
@click.argument("name")
@click.option("--expires", callback=_duration, metavar="DURATION", help="Expire the link after 90d, 12w, …")
@click.pass_context
def share_command(ctx: click.Context, name: str, expires: Any) -> None:
    """Publish a collection (by name) or one badge (by id) at an unguessable link, with a QR code."""
    store = _store(ctx)
    created = shares.create_share(store, name, expires_in=expires)
    url = shares.share_url(store, created)
    what = "collection" if created.kind == "collection" else "badge"
    until = f", until {created.expires_at}" if created.expires_at else ""
    click.echo(f"shared the {what} {created.label!r}{until}:\n{url}\n")
    text = io.StringIO()
    segno.make_qr(url, error="m").terminal(out=text, compact=True)
    click.echo(text.getvalue())
    if shares.public_url(store) == shares.DEFAULT_PUBLIC_URL:
        click.echo("The link works while `backpack serve` runs here; set BACKPACK_PUBLIC_URL when it is deployed.")


@cli.command("unshare")
@click.argument("ref")
@click.pass_context
def unshare_command(ctx: click.Context, ref: str) -> None:
    """Revoke a share at once: by its URL or token, or every share of a collection or badge."""
    for revoked in shares.revoke_share(_store(ctx), ref):
        click.echo(f"revoked the share of {revoked.label!r} ({revoked.token[:8]}…)")


@cli.command("shares")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def shares_command(ctx: click.Context, as_json: bool) -> None:
    """List share links and their state."""
    store = _store(ctx)
    found = shares.list_shares(store)
    if as_json:
        rows = [{**s.to_dict(), "state": s.state(), "url": shares.share_url(store, s)} for s in found]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("Nothing is shared. Share a collection with: backpack share NAME")
    for share in found:
        until = f" until {share.expires_at}" if share.expires_at and share.state() == "active" else ""
        click.echo(
            f"{share.state():<8} {share.kind:<10} {share.label}{until}\n         {shares.share_url(store, share)}"
        )


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int) -> None:
    """Serve the share pages and the verify page (Werkzeug, for local use; see the README for deployment)."""
    from webview import create_app  # the web layer is loaded only when serving

    store = _store(ctx)
    app = create_app({"BACKPACK_HOME": str(store.home)})
    click.echo(f"Serving {store.home} on http://{host}:{port}/ (public URL: {shares.public_url(store)})")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@cli.group("identity")
def identity_group() -> None:
    """Your identities (emails, URLs, telephone numbers, DIDs), used to check badges were issued to you."""


@identity_group.command("add")
@click.argument("value")
@click.pass_context
def identity_add(ctx: click.Context, value: str) -> None:
    """Add an identity."""
    kind, normalized = normalize_identity(value)
    _row, created = _store(ctx).add_identity(kind, normalized)
    click.echo(f"{'added' if created else 'already known'}: {normalized} ({kind})")


@identity_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def identity_list(ctx: click.Context, as_json: bool) -> None:
    """List your identities."""
    rows = _store(ctx).list_identities()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        click.echo("No identities yet. Add one with: backpack identity add you@example.com")
    for row in rows if not as_json else []:
        click.echo(f"{row['kind']:<10} {row['value']}")


@identity_group.command("remove")
@click.argument("value")
@click.pass_context
def identity_remove(ctx: click.Context, value: str) -> None:
    """Remove an identity."""
    _kind, normalized = normalize_identity(value)
    _store(ctx).remove_identity(normalized)
    click.echo(f"removed: {normalized}")


@cli.command("demo")
@click.pass_context
def demo_command(ctx: click.Context) -> None:
    """Create (or refresh) the demo backpack and list it. Uses --home when given, else its own folder."""
    context = ctx.ensure_object(_Context)
    store = context.store if context.explicit_home else Store(demo_home())
    count = seed_demo(store)
    click.echo(f"Demo backpack at {store.home}: {count} sample badges.\n")
    _print_table(store.list_badges())


def main() -> None:
    # Piped into `head` and the like: stop quietly when the reader goes away, as Unix tools do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        cli.main(prog_name="backpack")
    except KeyboardInterrupt:
        click.echo("backpack: interrupted", err=True)
        sys.exit(130)
