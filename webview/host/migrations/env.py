"""Alembic environment of the share host: runs on the connection ``webview.host.storage.migrate`` hands over (or on
``sqlalchemy.url`` when Alembic's own command line is used)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from webview.host.storage import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as own:
        context.configure(connection=own, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
