"""``python -m webview.host [serve|migrate] [--host H] [--port P] [--database URL]``: the share host for development
(production runs ``webview.host:create_host_app()`` under gunicorn, see docs/hosting.md)."""

from __future__ import annotations

import argparse
import sys

from . import database_url, migrate, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webview.host", description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", choices=("serve", "migrate"), default="serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--database", help="a SQLAlchemy URL (default: $BACKPACK_HOST_DATABASE_URL, else SQLite)")
    args = parser.parse_args(argv)
    url = database_url(args.database)
    if args.command == "migrate":
        migrate(url)
        print(f"the host's database is up to date: {url.split('@')[-1]}")
        return 0
    serve(args.host, args.port, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
