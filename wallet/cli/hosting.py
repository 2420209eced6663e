"""Running a share host: the server other backpacks publish their portfolios to (see docs/hosting.md).

``backpack host serve`` is for development and small sites (Werkzeug); production runs the same app under gunicorn.
``backpack host migrate`` creates or upgrades the host's database alone, before its workers start.
"""

from __future__ import annotations

import click

__all__ = ["COMMANDS"]

_DATABASE_HELP = (
    "A SQLAlchemy URL: sqlite:///PATH or postgresql+psycopg://… "
    "(default: $BACKPACK_HOST_DATABASE_URL, else SQLite in the host's data folder)."
)


@click.group("host")
def host_group() -> None:
    """Run a share host that backpacks publish their portfolios to (`backpack publish --to URL`)."""


@host_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--database", metavar="URL", help=_DATABASE_HELP)
def serve_command(host: str, port: int, database: str | None) -> None:
    """Serve the share host (Werkzeug, for development; production: gunicorn, see docs/hosting.md)."""
    from webview.host import database_url, serve  # the web layer is loaded only when serving

    url = database_url(database)
    click.echo(f"Serving the share host on http://{host}:{port}/ (database: {_shown(url)})")
    serve(host, port, url)


@host_group.command("migrate")
@click.option("--database", metavar="URL", help=_DATABASE_HELP)
def migrate_command(database: str | None) -> None:
    """Create or upgrade the share host's database, then stop (for deployments that migrate before starting)."""
    from webview.host import database_url, migrate

    url = database_url(database)
    migrate(url)
    click.echo(f"the share host's database is up to date: {_shown(url)}")


def _shown(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


COMMANDS = [host_group]
