"""Serving the web view of this backpack, and the demo backpack."""

from __future__ import annotations

import click

from .. import shares
from ..paths import demo_home
from ..store import Store
from ._common import CliContext, print_table, store_of

__all__ = ["COMMANDS"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int) -> None:
    """Serve the share pages and the verify page (Werkzeug, for local use; see the README for deployment)."""
    from webview import create_app  # the web layer is loaded only when serving

    store = store_of(ctx)
    app = create_app({"BACKPACK_HOME": str(store.home)})
    click.echo(f"Serving {store.home} on http://{host}:{port}/ (public URL: {shares.public_url(store)})")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@click.command("demo")
@click.pass_context
def demo_command(ctx: click.Context) -> None:
    """Create (or refresh) the demo backpack and list it. Uses --home when given, else its own folder."""
    context = ctx.ensure_object(CliContext)
    store = context.store if context.explicit_home else Store(demo_home())
    from ..demo import seed_demo  # Pillow, the QR encoder and signing keys: loaded for this command only

    count = seed_demo(store)
    click.echo(f"Demo backpack at {store.home}: {count} sample badges.\n")
    print_table(store.list_badges())


COMMANDS = [serve_command, demo_command]
