"""Badges: import, verify, recheck, list, show, remove, extract, bake (and ``tui``, the backpack in the terminal)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from verifier import Report, VerifierError, classify_payload, summarize

from .. import badge_collections, expiry
from ..hints import recipient_hint
from ..json_text import indented
from ..listing import SORT_KEYS, sort_badges
from ._common import (
    EXIT_INVALID_INPUT,
    EXIT_NOT_VALID,
    VERSION_LABELS,
    bulk_work,
    duration,
    fail,
    fetch_contexts_option,
    issuer_text,
    mark,
    offline_option,
    payload_json,
    policy_of,
    print_checks,
    print_table,
    private_network_option,
    recipient_option,
    report_line,
    run_tui,
    store_of,
)

if TYPE_CHECKING:
    from ..importer import ImportProgress
    from ..receiving import TxCodeRequest

if TYPE_CHECKING:
    from verifier import Extraction

    from ..importer import ImportProgress

__all__ = ["COMMANDS"]

# Each command imports the machinery it runs (the importer, the verifier's fetcher, exports) when it runs: `backpack
# --help` and `backpack list` stay within a start-up budget (150 ms), tests/test_cli_startup.py holds them to it.


def _read_stdin() -> bytes:
    from verifier.extraction import DEFAULT_LIMITS

    return sys.stdin.buffer.read(DEFAULT_LIMITS.max_file_bytes + 1)


def _ask_tx_code(request: TxCodeRequest) -> str | None:
    """The PIN an offer needs, typed by the learner (only when someone is at the terminal to type it)."""

    if not sys.stdin.isatty():
        return None
    if request.attempt > 1:
        click.echo("The issuer did not accept that PIN.", err=True)
    hint = f" ({request.description})" if request.description else ""
    length = f" of {request.length} characters" if request.length else ""
    answer: str = click.prompt(f"PIN{length} from {request.issuer}{hint}", default="", show_default=False, err=True)
    return answer.strip() or None


def _open_browser(url: str) -> None:
    import webbrowser

    click.echo(f"Log in with the issuer in your browser (opening it now): {url}", err=True)
    webbrowser.open(url)


@click.command("import")
@click.argument("sources", nargs=-1, required=True)
@recipient_option
@offline_option
@click.option("--no-verify", is_flag=True, help="Store the badges without verifying them.")
@click.option(
    "--tx-code",
    metavar="PIN",
    help="The PIN (transaction code) an issuer's offer asks for; without it, the backpack asks in a terminal.",
)
@fetch_contexts_option
@private_network_option
@click.pass_context
def import_command(
    ctx: click.Context,
    sources: tuple[str, ...],
    recipients: tuple[str, ...],
    offline: bool,
    no_verify: bool,
    tx_code: str | None,
    fetch_contexts: bool,
    allow_private_network: bool,
) -> None:
    """Import badges from files, folders, URLs or '-' (JSON/JWS/URL on standard input), and verify them.

    An issuer's offer is redeemed too: an openid-credential-offer:// link, an interaction or dccrequest:// link, or a
    photo of its QR code; the badges it hands over are verified before they are stored."""
    from ..importer import import_and_verify
    from ..receiving import ReceiveOptions

    store = store_of(ctx)
    policy = policy_of(store, allow_private_network, offline)
    interactive = sys.stdin.isatty()
    receive = ReceiveOptions(
        policy=policy,
        tx_code=tx_code,
        ask_tx_code=_ask_tx_code,
        open_browser=_open_browser if interactive else None,
    )
    stdin = _read_stdin() if "-" in sources else None

    def show(step: ImportProgress) -> None:
        for result in step.results:
            if result.record is None:
                click.echo(f"backpack: error: {result.source}: {result.error}", err=True)
            else:
                verb = "imported" if result.created else "updated "
                click.echo(f"{verb} {result.record.id}  {result.record.display_name}  ({result.source})")
        for record, report in step.reports:
            click.echo(
                f"{record.id}  {report_line(report, record.display_name, own=True, recipient=record.info.recipient)}"
            )

    outcome = import_and_verify(
        store,
        sources,
        policy=policy,
        stdin=stdin,
        verify=not no_verify,
        recipients=recipients,
        fetch_contexts=fetch_contexts,
        progress=show,
        receive=receive,
    )
    failures = len(outcome.failures)
    imported = len(outcome.results) - failures
    if failures and imported + failures > 1:
        click.echo(f"{imported} imported, {failures} failed", err=True)
    if failures:
        raise click.exceptions.Exit(EXIT_INVALID_INPUT)
    if any(report.status != "valid" for _record, report in outcome.verified):
        raise click.exceptions.Exit(EXIT_NOT_VALID)


@click.command("tui")
@click.pass_context
def tui_command(ctx: click.Context) -> None:
    """Open the terminal UI on this backpack (what `backpack` alone does in a terminal)."""
    run_tui(store_of(ctx))


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--expiring-within",
    "window",
    metavar="DURATION",
    callback=duration,
    help="Only the badges that expire within DURATION from now: 30d, 4w, or a number of days.",
)
@click.option(
    "--sort",
    "sort_key",
    type=click.Choice(SORT_KEYS),
    default="issued",
    show_default=True,
    help="Order: newest issued first, by name, by status (what needs attention first), by issuer, or by last check.",
)
@click.option("--wide", is_flag=True, help="Show every name in full, whatever the terminal's width.")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool, window: timedelta | None, sort_key: str, wide: bool) -> None:
    """List the badges in your backpack, newest first, fitted to the terminal's width."""

    records = sort_badges(store_of(ctx).list_badges(), sort_key)
    now = datetime.now(UTC)
    if window is not None:
        records = expiry.expiring_within(records, window, now=now)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
    elif window is not None and not records:
        click.echo(f"No badge expires within {expiry.describe_window(window)}.")
    elif window is not None:
        print_table(records, wide=wide)
    else:
        default = expiry.DEFAULT_EXPIRY_WINDOW
        soon = len(expiry.expiring_within(records, default, now=now))
        notes = [f"{soon} expiring within {expiry.describe_window(default)}"] if soon else []
        print_table(records, notes=notes, wide=wide)


@click.command("show")
@click.argument("badge_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, the badge payload included.")
@click.pass_context
def show_command(ctx: click.Context, badge_id: str, as_json: bool) -> None:
    """Show one badge (an id prefix of at least 4 characters is enough)."""
    store = store_of(ctx)
    record = store.get_badge(badge_id)
    payload = payload_json(store, record)
    if as_json:
        click.echo(json.dumps({**record.to_dict(), "payload": payload}, indent=2, ensure_ascii=False))
        return
    summary = record.summary
    report = Report.from_dict(record.verification) if record.verification else None
    seen = report.badge if report is not None else None
    rows = [
        ("Badge", record.display_name),
        ("ID", record.id),
        ("Format", f"{VERSION_LABELS.get(record.version, '?')} · {record.payload_kind}"),
        (
            "Issuer",
            issuer_text(
                (seen.issuer_name if seen and seen.issuer_name_confirmed else None) or summary.get("issuer_name"),
                summary.get("issuer_id"),
                seen.issuer_name_confirmed if seen else None,
            ),
        ),
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
    if report is not None:
        click.echo(f"{'Status:':<14}{mark(report.status)}  (checked {report.checked_at})")
        hint = recipient_hint(report, record.info.recipient)
        if hint:
            click.echo(f"{'':<14}{hint}")
        print_checks(report)
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


@click.command("remove")
@click.argument("badge_id")
@click.pass_context
def remove_command(ctx: click.Context, badge_id: str) -> None:
    """Remove a badge from your backpack."""
    record, collection_names = badge_collections.remove_badge(store_of(ctx), badge_id)
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


@click.command("extract")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@private_network_option
@click.pass_context
def extract_command(ctx: click.Context, source: str, as_json: bool, allow_private_network: bool) -> None:
    """Show what is baked in an image or encoded in a QR code, without storing anything."""
    from verifier import extract

    from ..importer import load_source

    stdin = _read_stdin() if source == "-" else None
    loaded = load_source(source, policy=policy_of(store_of(ctx), allow_private_network), stdin=stdin)
    try:
        extraction = extract(loaded.data)
    except VerifierError as exc:
        fail(f"{source}: {exc}")
    if as_json:
        click.echo(json.dumps(_extraction_json(extraction), indent=2, ensure_ascii=False))
    else:
        click.echo(f"{source}: {extraction.media_type}, {len(extraction.found)} payload(s)")
        for found in extraction.found:
            payload = found.payload
            click.echo(f"\n{found.location}: {payload.kind}, {VERSION_LABELS.get(payload.version, '?')}")
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
        fail(f"{source}: {problems[0]}")


def _read_source_list(path: str) -> list[str]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text("utf-8")
    except OSError as exc:
        fail(f"cannot read the source list {path}: {exc.strerror}")
    except UnicodeDecodeError:
        fail(f"the source list {path} is not UTF-8 text")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


class _ReportStream:
    """Reports written as they finish, so that 10,000 badges never sit in memory as one JSON text: ``--json-lines``
    one line each in the order they finish; ``--json`` the array in the order of the sources (a report that finishes
    early waits for those before it), the same text ``json.dumps(reports, indent=2)`` would give."""

    def __init__(self, lines: bool) -> None:
        self._lines = lines
        self._next = 0
        self._waiting: dict[int, str] = {}
        """Reports that finished before those ahead of them, as their text: one string each, not a tree of objects
        (the verifier runs badges grouped by issuer, so with sources listed badge by badge most of them wait)."""
        self._unreadable: dict[int, Report] = {}
        self.not_valid = 0
        """What decides the exit code, kept as the reports go by (they are not held)."""

    @property
    def unreadable(self) -> list[Report]:
        """The reports of inputs that could not be read at all, in the order of the sources."""
        return [self._unreadable[index] for index in sorted(self._unreadable)]

    def add(self, index: int, report: Report) -> None:
        if _unreadable(report):
            self._unreadable[index] = report
        self.not_valid += report.status != "valid"
        # color=True: JSON escapes every control character, so there is no ANSI code to strip, and echo then skips
        # asking whether the output is a terminal, which cost more than writing the report (10,000 of them).
        if self._lines:
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False), color=True)
            return
        self._waiting[index] = "  " + indented(report.to_dict(), margin="  ")
        while self._next in self._waiting:
            click.echo(("[\n" if self._next == 0 else ",\n") + self._waiting.pop(self._next), nl=False, color=True)
            self._next += 1

    def close(self) -> None:
        if not self._lines and self._next:
            click.echo("\n]")


@click.command("verify")
@click.argument("sources", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (an array for several sources).")
@click.option(
    "--json-lines",
    is_flag=True,
    help="Print one JSON report per line, each as soon as it is ready (in the order they finish).",
)
@recipient_option
@offline_option
@click.option(
    "--from", "from_file", metavar="FILE|-", help="Also verify the sources listed in FILE (one per line; - for stdin)."
)
@fetch_contexts_option
@private_network_option
@click.option(
    "--challenge", metavar="NONCE", help="A presentation's holder proof must answer this challenge (your request)."
)
@click.option("--domain", metavar="DOMAIN", help="A presentation's holder proof must name this domain (yours).")
@click.pass_context
def verify_command(
    ctx: click.Context,
    sources: tuple[str, ...],
    as_json: bool,
    json_lines: bool,
    recipients: tuple[str, ...],
    offline: bool,
    from_file: str | None,
    fetch_contexts: bool,
    allow_private_network: bool,
    challenge: str | None,
    domain: str | None,
) -> None:
    """Verify badges, portfolios and presentations (files, URLs, JSON/JWS on '-') without storing them.

    Exit status: 0 when every badge is valid, 1 when any is not, 2 when an input cannot be read at all.
    """
    from ..verification import verify_sources

    all_sources = list(sources) + (_read_source_list(from_file) if from_file else [])
    if not all_sources:
        raise click.UsageError("give at least one SOURCE (or --from FILE)")
    if from_file == "-" and "-" in all_sources:
        raise click.UsageError("standard input cannot hold both the source list and a badge")
    if as_json and json_lines:
        raise click.UsageError("--json and --json-lines: choose one")

    store = store_of(ctx)
    stdin = _read_stdin() if "-" in all_sources else None
    policy = policy_of(store, allow_private_network, offline)
    # One source with --json prints an object, as before: nothing to stream.
    stream = _ReportStream(json_lines) if json_lines or (as_json and len(all_sources) > 1) else None
    with bulk_work():
        reports = verify_sources(
            store,
            all_sources,
            fetch_policy=policy,
            recipients=recipients,
            stdin=stdin,
            fetch_contexts=fetch_contexts,
            challenge=challenge,
            domain=domain,
            on_report=stream.add if stream is not None else None,
            keep_reports=stream is None,  # streamed reports are written out, not held (memory flat in badges)
        )
    unreadable = stream.unreadable if stream is not None else [r for r in reports if _unreadable(r)]
    if stream is not None:
        stream.close()
    elif as_json:
        click.echo(indented(reports[0].to_dict()))
    else:
        for report in reports:
            if report not in unreadable:
                click.echo(report_line(report, suffix=f"  ({report.source})"))
                for item in report.items:  # a portfolio bundle: each badge inside it
                    click.echo("    " + report_line(item).replace("\n", "\n    "))
        if len(reports) > 1:
            valid = sum(r.status == "valid" for r in reports)
            click.echo(f"\n{valid} of {len(reports)} valid")
    for report in unreadable:
        click.echo(f"backpack: error: {report.source}: {report.check('extracted').message}", err=True)  # type: ignore[union-attr]
    if unreadable:
        raise click.exceptions.Exit(EXIT_INVALID_INPUT)
    if (stream is not None and stream.not_valid) or any(r.status != "valid" for r in reports):
        raise click.exceptions.Exit(EXIT_NOT_VALID)


def _unreadable(report: Report) -> bool:
    check = report.check("extracted")
    return check is not None and check.outcome == "failed"


@click.command("recheck")
@click.argument("badge_ids", nargs=-1)
@click.option("--all", "check_all", is_flag=True, help="Recheck every badge in the backpack.")
@recipient_option
@offline_option
@fetch_contexts_option
@private_network_option
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
    from ..verification import verify_records

    if not badge_ids and not check_all:
        raise click.UsageError("give badge ids, or --all")
    if badge_ids and check_all:
        raise click.UsageError("give badge ids or --all, not both")
    store = store_of(ctx)
    records = store.list_badges() if check_all else [store.get_badge(badge_id) for badge_id in badge_ids]
    records = list({record.id: record for record in records}.values())  # two prefixes of one badge check it once
    if not records:
        click.echo("Your backpack is empty: nothing to recheck.")
        return
    before = {record.id: record.status for record in records}

    with bulk_work():
        results = verify_records(
            store,
            records,
            fetch_policy=policy_of(store, allow_private_network, offline),
            recipients=recipients,
            fetch_contexts=fetch_contexts,
        )
        lines = []
        for record, report in results:
            change = f"  (was {before[record.id]})" if before[record.id] not in ("unchecked", report.status) else ""
            line = report_line(report, record.display_name, change, own=True, recipient=record.info.recipient)
            lines.append(f"{record.id}  {line}")
        click.echo("\n".join(lines))
    if len(results) > 1:
        click.echo(f"\n{sum(r.status == 'valid' for _, r in results)} of {len(results)} valid")
    if any(report.status != "valid" for _, report in results):
        raise click.exceptions.Exit(EXIT_NOT_VALID)


@click.command("bake")
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
    from .. import exporting

    store = store_of(ctx)
    filename, data = exporting.baked_image(store, store.get_badge(badge_id))
    produced = Path(filename).suffix
    if output is None or output.is_dir():
        output = (output or Path()) / filename
    elif output.suffix.lower() != produced:
        kind = "a PNG" if produced == ".png" else "an SVG"
        fail(f"this badge bakes into {kind}: name the file {output.stem}{produced}")
    exporting.write_file(output, data)
    click.echo(f"wrote {output}")


COMMANDS = [
    import_command,
    verify_command,
    recheck_command,
    list_command,
    show_command,
    remove_command,
    extract_command,
    bake_command,
    tui_command,
]
