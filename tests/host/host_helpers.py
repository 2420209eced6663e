"""What the share host's tests share besides fixtures (conftest.py): a free port, the PostgreSQL server's handle,
the served host's handle, and wallets holding credentials issued to their own holder key. A module of its own (not
``conftest``), so that test modules import it by a name no other test folder uses."""

from __future__ import annotations

import json
import socket
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from flask import Flask
from ob3_issuer import OB3Issuer

from wallet import badge_collections as collections
from wallet.importer import LoadedSource, import_bytes
from wallet.store import Store
from webview.host import SqlHostStore

__all__ = ["HostServer", "PostgresServer", "Wallet", "free_port", "import_credential", "issue"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"host_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@dataclass
class HostServer:
    url: str
    app: Flask
    store: SqlHostStore


def issue(issuer: OB3Issuer, subject: str, slug: str, **options: Any) -> dict[str, Any]:
    """A signed OB 3.0 credential issued to ``subject`` (a DID)."""
    return issuer.sign(issuer.credential(slug, subject_id=subject, **options))


def import_credential(store: Store, credential: dict[str, Any]) -> str:
    loaded = LoadedSource(kind="text", ref="test", data=json.dumps(credential).encode("utf-8"))
    [(record, _created)] = import_bytes(store, loaded)
    return record.id


@dataclass
class Wallet:
    store: Store
    did: str
    collection: collections.Collection
