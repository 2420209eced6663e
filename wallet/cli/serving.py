"""Serving the web view of this backpack, and the demo badges in it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..listing import sort_badges
from ..settings import is_loopback_host, load_settings
from ._common import print_table, store_of

if TYPE_CHECKING:
    pass

__all__ = ["COMMANDS"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int) -> None:
    """Serve your backpack's own view at /, its share pages and the verify page (Werkzeug, for local use; see the
    README for deployment).

    On a loopback address with no public URL set, your view opens without a key on this machine; otherwise it asks
    for the key in the link printed here (kept in the backpack's owner-token file).
    """
    from webview import create_app  # the web layer is loaded only when serving
    from webview.owner import owner_token, owner_url

    store = store_of(ctx)
    settings = load_settings(store)
    loopback = is_loopback_host(host)
    app = create_app({"BACKPACK_HOME": str(store.home), "OWNER_OPEN_ON_LOOPBACK": loopback})
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    click.echo(f"Serving {store.home} on http://{host}:{port}/ (public URL: {settings.base_url})")
    if loopback and not settings.public:
        click.echo(f"Your backpack: {owner_url(base, None)}")
    else:
        token = owner_token(store.home, app.config.get("OWNER_TOKEN"))
        click.echo(f"Your backpack (keep this link private, it opens your backpack): {owner_url(base, token)}")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@click.group("demo", invoke_without_command=True)
@click.pass_context
def demo_command(ctx: click.Context) -> None:
    """Add (or refresh) the demo badges in your backpack: the "Demo" collection. `backpack demo remove` removes them."""
    from ..demo import DEMO_COLLECTION, DEMO_IDENTITY, seed_demo

    if ctx.invoked_subcommand is not None:
        return
    store = store_of(ctx)
    count = seed_demo(store)
    click.echo(f"{count} demo badges in {store.home} (the collection {DEMO_COLLECTION!r}), issued to {DEMO_IDENTITY}.")
    click.echo(f"Their files are in {store.home / 'demo-files'}. Remove them with: backpack demo remove\n")
    print_table(sort_badges(store.list_badges()))


@demo_command.command("remove")
@click.pass_context
def demo_remove_command(ctx: click.Context) -> None:
    """Remove the demo badges, the "Demo" collection and the demo identity from your backpack."""
    from ..demo import DEMO_COLLECTION, DEMO_IDENTITY, remove_demo

    removal = remove_demo(store_of(ctx))
    if not removal.badges:
        click.echo("No demo badges in this backpack.")
        return
    noun = "badge" if len(removal.badges) == 1 else "badges"
    click.echo(f"removed {len(removal.badges)} demo {noun} and the collection {DEMO_COLLECTION!r}")
    if removal.identity_removed:
        click.echo(f"removed the demo identity {DEMO_IDENTITY}")


COMMANDS = [serve_command, demo_command]
