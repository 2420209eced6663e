"""Publishing to a share host: a collection at a public page that works while this computer is off.

``publish`` signs the collection for the host (the holder's did:key is the account) and prints the page's URL and
QR code; ``unpublish`` withdraws it (the page answers 410 from then on); ``published`` lists what is live where.
``publish --static`` writes the same page as files for any static web host instead.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..settings import load_settings
from ._common import (
    clip,
    confirm_exposed_identities,
    duration,
    fail,
    offline_option,
    policy_of,
    private_network_option,
    store_of,
    yes_option,
)

if TYPE_CHECKING:
    pass

__all__ = ["COMMANDS"]

_QR_KINDS = {".svg": "svg", ".png": "png"}


# The publishing client (httpx, signing keys) and the QR encoder load when a command here runs, not at start-up.


def _slug(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:

    from .. import publishing

    if value is not None and not publishing.SLUG_PATTERN.match(value):
        raise click.BadParameter("a page name is 3 to 64 lowercase letters, digits and inner hyphens (ada-cv)")
    return value


def _qr_file(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in _QR_KINDS:
        raise click.BadParameter("the QR code is written as FILE.svg or FILE.png")
    return value


def _print_qr(url: str) -> None:
    import segno

    text = io.StringIO()
    segno.make_qr(url, error="m").terminal(out=text, compact=True)
    click.echo(text.getvalue())


@click.command("publish")
@click.argument("name", metavar="COLLECTION")
@click.option("--to", "host", metavar="HOST_URL", help="The share host (default: the publish-host setting).")
@click.option("--expires", callback=duration, metavar="DURATION", help="Take the page down after 30d, 12w, …")
@click.option("--slug", callback=_slug, metavar="NAME", help="The page's name on the host (…/p/NAME).")
@click.option(
    "--qr",
    "qr_file",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_qr_file,
    metavar="FILE",
    help="Also write the page's QR code to FILE.svg or FILE.png (for a CV).",
)
@click.option(
    "--static",
    "static",
    type=click.Path(path_type=Path),
    metavar="DIR|FILE.zip",
    help="Write the page as files for any static web host, instead of publishing to a share host.",
)
@offline_option
@private_network_option
@yes_option
@click.pass_context
def publish_command(
    ctx: click.Context,
    name: str,
    host: str | None,
    expires: timedelta | None,
    slug: str | None,
    qr_file: Path | None,
    static: Path | None,
    offline: bool,
    allow_private_network: bool,
    yes: bool,
) -> None:
    """Publish a collection at a public page on a share host, with a QR code; publishing again updates the same page.

    The host checks every badge itself and shows each one's status to whoever opens the page. A badge whose signed
    content names its earner by e-mail is pointed out first, and the command asks before publishing it (--yes
    answers for scripts).
    """
    from .. import publishing, shares

    store = store_of(ctx)
    policy = policy_of(store, allow_private_network, offline)
    targets = shares.share_targets(store, name)
    confirm_exposed_identities(shares.exposed_identities(store, targets), yes=yes, verb="publish")
    if static is not None:
        if slug or expires or qr_file:
            fail("--static writes files: --slug, --expires and --qr are for a share host")
        try:  # the static site writer is its own module, loaded only here
            from ..static_site import write_static_portfolio  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            fail("this version of the backpack cannot write a static site")
        saved_host = host or load_settings(store).publish_host
        check_url = f"{publishing.publish_host(store, saved_host)}/verify" if saved_host else None
        written = write_static_portfolio(store, name, static, check_url=check_url, fetch_policy=policy)
        click.echo(f"wrote {written}: upload it to any static web host")
        return
    publication = publishing.publish(
        store, name, publishing.publish_host(store, host), expires=expires, slug=slug, fetch_policy=policy
    )
    until = f", until {publication.expires_at}" if publication.expires_at else ""
    click.echo(f"published {publication.collection_name!r}{until}:\n{publication.url}\n")
    _print_qr(publication.url)
    if qr_file is not None:
        import segno

        segno.make_qr(publication.url, error="m").save(str(qr_file), kind=_QR_KINDS[qr_file.suffix.lower()], scale=8)
        click.echo(f"wrote {qr_file}")


@click.command("unpublish")
@click.argument("ref", metavar="URL|COLLECTION")
@click.pass_context
def unpublish_command(ctx: click.Context, ref: str) -> None:
    """Withdraw a published page (by its URL) or every page of a collection: it answers "withdrawn" from now on."""
    from .. import publishing

    for withdrawn in publishing.unpublish(store_of(ctx), ref):
        click.echo(f"withdrew {withdrawn.collection_name!r}: {withdrawn.url}")


def _when(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else ""


@click.command("published")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def published_command(ctx: click.Context, as_json: bool) -> None:
    """List what this backpack published, where, its state (live, expired, withdrawn) and its expiry."""
    from .. import publishing

    found = publishing.published(store_of(ctx))
    now = datetime.now(UTC)
    if as_json:
        click.echo(json.dumps([{**p.to_dict(), "state": p.state(now)} for p in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("Nothing is published. Publish a collection with: backpack publish COLLECTION --to HOST_URL")
    for publication in found:
        state = publication.state(now)
        until = f" until {_when(publication.expires_at)}" if publication.expires_at and state == "live" else ""
        click.echo(f"{state:<9} {clip(publication.collection_name, 40)}{until}\n          {publication.url}")


COMMANDS = [publish_command, unpublish_command, published_command]
