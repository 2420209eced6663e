"""Export and sharing: portfolio bundles, baked images and printable cards as files; share links and their state."""

from __future__ import annotations

import io
import json
import shlex
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..settings import load_settings
from ._common import (
    clip,
    confirm_exposed_identities,
    duration,
    offline_option,
    policy_of,
    private_network_option,
    store_of,
    yes_option,
)

if TYPE_CHECKING:
    pass

__all__ = ["COMMANDS"]


@click.command("export")
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
@offline_option
@private_network_option
@click.pass_context
def export_command(
    ctx: click.Context, name: str, export_format: str, output: Path, offline: bool, allow_private_network: bool
) -> None:
    """Export a collection (or, for images and cards, one badge).

    A bundle is a signed portfolio anyone can verify with `backpack verify FILE`; images are the badges baked in
    PNG/SVG files any backpack imports; cards are printable, with a QR code that leads to the badge's verification.
    """
    from .. import exporting
    from ..bundle import signed_by, write_bundle

    store = store_of(ctx)
    if export_format == "bundle":
        policy = policy_of(store, allow_private_network, offline)
        collection, bundle, problems = write_bundle(store, name, output, fetch_policy=policy)
        for problem in problems:
            click.echo(f"warning: {problem}", err=True)
        click.echo(f"wrote {output}: {collection.name!r}, signed by {signed_by(bundle)}")
        return
    if export_format == "card":
        exporting.check_card_path(output)  # before any work
    selection = exporting.select(store, name)
    for missing in selection.missing:
        click.echo(f"warning: badge {missing} of {selection.label} is no longer in the backpack: skipped", err=True)
    if export_format == "images":
        written = exporting.write_images(exporting.baked_images(store, selection), output)
        for path in [f"{output}: {member}" for member in written] if output.suffix.lower() == ".zip" else written:
            click.echo(f"wrote {path}")
        return
    for card in exporting.write_cards(store, selection, output):
        note = "QR code: " + clip(card.link, 100) if card.link else "no QR code: " + exporting.NO_LINK_TEXT
        click.echo(f"wrote {card.target}: {card.record.display_name}  ({note})")


@click.command("share")
@click.argument("name")
@click.option("--expires", callback=duration, metavar="DURATION", help="Expire the link after 90d, 12w, …")
@click.option("--qr", "show_qr", is_flag=True, help="Print a QR code of the link even when it works only here.")
@yes_option
@click.pass_context
def share_command(ctx: click.Context, name: str, expires: timedelta | None, show_qr: bool, yes: bool) -> None:
    """Share a collection (by name) or one badge (by id) at an unguessable link on this backpack's web view.

    Without a public URL (BACKPACK_PUBLIC_URL or `backpack settings set public-url`) the link works only on this
    machine; `backpack publish` puts a collection on a share host, at a link that works everywhere. A badge whose
    signed content names its earner by e-mail is pointed out first, and the command asks before sharing it (--yes
    answers for scripts).
    """
    from .. import shares

    store = store_of(ctx)
    confirm_exposed_identities(
        shares.exposed_identities(store, shares.share_targets(store, name)), yes=yes, verb="share"
    )
    created = shares.create_share(store, name, expires_in=expires)
    url = shares.share_url(store, created)
    what = "collection" if created.kind == "collection" else "badge"
    until = f", until {created.expires_at}" if created.expires_at else ""
    click.echo(f"shared the {what} {created.label!r}{until}:\n{url}")
    public = load_settings(store).public
    if public or show_qr:
        # A QR code of a loopback address only leads a phone to itself: printed on request only.
        import segno

        text = io.StringIO()
        segno.make_qr(url, error="m").terminal(out=text, compact=True)
        click.echo("\n" + text.getvalue(), nl=False)
    if not public:
        publish = (
            f"backpack publish {shlex.quote(created.label)}"
            if created.kind == "collection"
            else "publish a collection holding it (backpack publish COLLECTION)"
        )
        where = "This link works only on this machine, while `backpack serve` runs"
        click.echo(f"{where}; for one that works everywhere: {publish}")


@click.command("unshare")
@click.argument("ref")
@click.pass_context
def unshare_command(ctx: click.Context, ref: str) -> None:
    """Revoke a share at once: by its URL or token, or every share of a collection or badge."""
    from .. import shares

    for revoked in shares.revoke_share(store_of(ctx), ref):
        click.echo(f"revoked the share of {revoked.label!r} ({revoked.token[:8]}…)")


@click.command("shares")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def shares_command(ctx: click.Context, as_json: bool) -> None:
    """List share links and their state."""
    from .. import shares

    store = store_of(ctx)
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


COMMANDS = [export_command, share_command, unshare_command, shares_command]
