"""The share host's storage: everything its stateless workers share, behind one seam (``HostStore``).

``SqlHostStore`` implements it with SQLAlchemy 2 Core on any database SQLAlchemy speaks to; the host is tested on
SQLite (the embedded default: one file) and PostgreSQL (psycopg 3). Only portable SQL is used: no upserts, no
``RETURNING``, no dialect-specific types. Races between workers are settled by the database: single-use nonces by
a conditional ``UPDATE`` whose row count says who won, new rows by unique keys.

The schema belongs to Alembic (``migrations/``): ``migrate(url)`` creates or upgrades it, and the store runs it at
start. Times are stored as naive UTC (``UTCDateTime``) because SQLite keeps no time zone: both engines then compare
the same values.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from verifier.http import CachedResponse, ResponseCache

__all__ = [
    "HostStore",
    "ItemCheck",
    "NotOwner",
    "PortfolioRecord",
    "Quota",
    "QuotaExceeded",
    "SqlHostStore",
    "metadata",
    "migrate",
]

_MIGRATIONS = Path(__file__).with_name("migrations")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in Python, a naive UTC timestamp in the database (identical on every engine)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


metadata = MetaData()

holders = Table(
    "holders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("did", String(512), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

portfolios = Table(
    "portfolios",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("holder_id", Integer, ForeignKey("holders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(500), nullable=False, default=""),
    Column("presentation", Text, nullable=True),  # None once withdrawn or purged: the host keeps no copy
    Column("size_bytes", Integer, nullable=False, default=0),
    Column("item_count", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("withdrawn_at", UTCDateTime, nullable=True),
    Column("recheck_claimed_at", UTCDateTime, nullable=True),
)

nonces = Table(
    "nonces",
    metadata,
    Column("challenge", String(128), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("used_at", UTCDateTime, nullable=True),
)

item_checks = Table(
    "item_checks",
    metadata,
    Column("portfolio_id", Integer, ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("report", Text, nullable=False),
    Column("checked_at", UTCDateTime, nullable=False),
)

http_cache = Table(
    "http_cache",
    metadata,
    Column("url", String(2048), primary_key=True),
    Column("status", Integer, nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("fetched_at", Float, nullable=False),
    Column("etag", String(512), nullable=True),
    Column("max_age", Float, nullable=True),
    Column("final_url", String(2048), nullable=True),
)

rate_counters = Table(
    "rate_counters",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("window_start", Integer, primary_key=True),  # epoch seconds where the counter's fixed window begins
    Column("count", Integer, nullable=False),
)

settings = Table(
    "settings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)


class NotOwner(Exception):
    """The portfolio exists and belongs to another holder."""


class QuotaExceeded(Exception):
    """Saving would exceed the holder's quota; the message says which."""


@dataclass(frozen=True)
class Quota:
    max_portfolios: int = 20
    max_items: int = 100
    max_bytes: int = 5 * 1024 * 1024
    """Across the holder's live portfolios."""


@dataclass(frozen=True)
class PortfolioRecord:
    id: int
    slug: str
    holder_did: str
    name: str
    presentation: str | None
    size_bytes: int
    item_count: int
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None

    def state(self, now: datetime) -> Literal["live", "withdrawn", "expired"]:
        if self.withdrawn_at is not None:
            return "withdrawn"
        if (self.expires_at is not None and self.expires_at <= now) or self.presentation is None:
            return "expired"
        return "live"


@dataclass(frozen=True)
class ItemCheck:
    position: int
    report: dict[str, Any]
    checked_at: datetime


class HostStore(Protocol):
    """What the host needs from its storage. Every method is one transaction."""

    def create_nonce(self, challenge: str, *, now: datetime, expires_at: datetime) -> None: ...

    def nonce_state(self, challenge: str, *, now: datetime) -> Literal["fresh", "used", "expired", "unknown"]: ...

    def consume_nonce(self, challenge: str, *, now: datetime) -> bool:
        """Mark a fresh nonce used; False when it was not fresh (another request won, or it expired)."""
        ...

    def get_portfolio(self, slug: str) -> PortfolioRecord | None: ...

    def save_portfolio(
        self,
        slug: str,
        *,
        holder_did: str,
        name: str,
        presentation: str,
        item_count: int,
        expires_at: datetime | None,
        now: datetime,
        quota: Quota,
        reports: list[dict[str, Any]],
    ) -> tuple[PortfolioRecord, bool]:
        """Create or replace the portfolio at ``slug`` with its first check results; True when created.
        Raises ``NotOwner`` when another holder has the slug, ``QuotaExceeded`` beyond ``quota``."""
        ...

    def withdraw_portfolio(self, slug: str, *, holder_did: str, now: datetime) -> PortfolioRecord | None:
        """Withdraw (and forget the presentation of) the holder's portfolio; None when there is none at ``slug``.
        Raises ``NotOwner``."""
        ...

    def item_checks(self, portfolio_id: int) -> list[ItemCheck]: ...

    def save_item_checks(self, portfolio_id: int, reports: list[dict[str, Any]], *, checked_at: datetime) -> None: ...

    def claim_recheck(self, portfolio_id: int, *, now: datetime, lease: timedelta) -> bool:
        """True for exactly one caller per ``lease``: the worker that rechecks the portfolio."""
        ...

    def hit(self, key: str, *, period: int, now: datetime) -> int:
        """Count one request against ``key`` in the current window of ``period`` seconds; the count so far."""
        ...

    def hits(self, key: str, *, period: int, now: datetime) -> int:
        """The requests counted against ``key`` in the current window of ``period`` seconds (counting none)."""
        ...

    def response_cache(self) -> ResponseCache: ...

    def setting(self, name: str, default: str) -> str:
        """The stored value of ``name``; the first caller's ``default`` is stored and wins every later race."""
        ...

    def purge(self, *, now: datetime) -> None:
        """Forget what has outlived its use: old nonces and rate counters, expired portfolios' presentations."""
        ...


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        folder = _sqlite_file(url)
        if folder is not None:
            folder.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        # pysqlite opens transactions lazily and in deferred mode: two workers that both read then write would
        # deadlock. Take the write lock at BEGIN for writing transactions instead (readers are not blocked in WAL).
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            immediate = connection.get_execution_options().get("write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(database_url: str, *, engine: Engine | None = None, attempts: int = 10) -> None:
    """Create or upgrade the host's schema to the newest version (Alembic ``upgrade head``).

    Safe when several workers start at once: a worker that loses the race to create a table retries and then finds
    the schema current.
    """
    from alembic import command
    from alembic.config import Config

    own_engine = engine is None
    engine = engine or _engine(database_url)
    try:
        for attempt in range(attempts):
            try:
                with engine.connect() as connection:
                    connection = connection.execution_options(write=True)
                    config = Config()
                    config.set_main_option("script_location", str(_MIGRATIONS))
                    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                    connection.commit()
                return
            except (IntegrityError, DBAPIError):
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
    finally:
        if own_engine:
            engine.dispose()


class _DbResponseCache:
    """The verifier's HTTP cache in the ``http_cache`` table: issuer documents fetched by one worker serve all."""

    _MAX_BODY = 2 * 1024 * 1024

    def __init__(self, store: SqlHostStore) -> None:
        self._store = store

    def get(self, url: str) -> CachedResponse | None:
        with self._store._read() as connection:
            row = connection.execute(select(http_cache).where(http_cache.c.url == url)).mappings().first()
        if row is None:
            return None
        return CachedResponse(**{**row, "body": bytes(row["body"])})

    def put(self, entry: CachedResponse) -> None:
        if len(entry.url) > 2048 or len(entry.body) > self._MAX_BODY:
            return  # not worth keeping: the fetch happens again next time
        values = {
            "status": entry.status,
            "content_type": entry.content_type[:255],
            "body": entry.body,
            "fetched_at": entry.fetched_at,
            "etag": entry.etag[:512] if entry.etag else None,
            "max_age": entry.max_age,
            "final_url": entry.final_url if entry.final_url and len(entry.final_url) <= 2048 else None,
        }
        try:
            with self._store._write() as connection:
                changed = connection.execute(update(http_cache).where(http_cache.c.url == entry.url).values(values))
                if changed.rowcount == 0:
                    connection.execute(insert(http_cache).values(url=entry.url, **values))
        except IntegrityError:
            pass  # another worker stored the same URL at the same moment: theirs is as good


class SqlHostStore:
    """``HostStore`` on SQLAlchemy Core. ``migrate_at_start`` creates or upgrades the schema first."""

    def __init__(self, database_url: str, *, migrate_at_start: bool = True) -> None:
        self.database_url = database_url
        self.engine = _engine(database_url)
        if migrate_at_start:
            migrate(database_url, engine=self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection
            connection.rollback()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(write=True)
            with connection.begin():
                yield connection

    # -- nonces ---------------------------------------------------------------------------------------------------

    def create_nonce(self, challenge: str, *, now: datetime, expires_at: datetime) -> None:
        with self._write() as connection:
            connection.execute(insert(nonces).values(challenge=challenge, created_at=now, expires_at=expires_at))

    def nonce_state(self, challenge: str, *, now: datetime) -> Literal["fresh", "used", "expired", "unknown"]:
        with self._read() as connection:
            row = connection.execute(select(nonces).where(nonces.c.challenge == challenge)).mappings().first()
        if row is None:
            return "unknown"
        if row["used_at"] is not None:
            return "used"
        return "expired" if row["expires_at"] <= now else "fresh"

    def consume_nonce(self, challenge: str, *, now: datetime) -> bool:
        with self._write() as connection:
            result = connection.execute(
                update(nonces)
                .where(nonces.c.challenge == challenge, nonces.c.used_at.is_(None), nonces.c.expires_at > now)
                .values(used_at=now)
            )
            return result.rowcount == 1

    # -- portfolios -----------------------------------------------------------------------------------------------

    @staticmethod
    def _portfolio_query() -> Any:
        return select(portfolios, holders.c.did.label("holder_did")).join(
            holders, holders.c.id == portfolios.c.holder_id
        )

    @staticmethod
    def _record(row: Any) -> PortfolioRecord:
        return PortfolioRecord(**{name: row[name] for name in PortfolioRecord.__dataclass_fields__})

    def get_portfolio(self, slug: str) -> PortfolioRecord | None:
        with self._read() as connection:
            row = connection.execute(self._portfolio_query().where(portfolios.c.slug == slug)).mappings().first()
        return self._record(row) if row is not None else None

    def portfolios_of(self, holder_did: str) -> list[PortfolioRecord]:
        with self._read() as connection:
            rows = connection.execute(
                self._portfolio_query().where(holders.c.did == holder_did).order_by(portfolios.c.created_at)
            ).mappings()
            return [self._record(row) for row in rows]

    def _holder_id(self, connection: Connection, did: str, now: datetime) -> int:
        found = connection.execute(select(holders.c.id).where(holders.c.did == did)).scalar()
        if found is not None:
            return int(found)
        # A nested savepoint: losing a race with another worker must not abort the whole transaction (PostgreSQL).
        try:
            with connection.begin_nested():
                connection.execute(insert(holders).values(did=did, created_at=now))
        except IntegrityError:
            pass
        return int(connection.execute(select(holders.c.id).where(holders.c.did == did)).scalar_one())

    def save_portfolio(
        self,
        slug: str,
        *,
        holder_did: str,
        name: str,
        presentation: str,
        item_count: int,
        expires_at: datetime | None,
        now: datetime,
        quota: Quota,
        reports: list[dict[str, Any]],
    ) -> tuple[PortfolioRecord, bool]:
        size = len(presentation.encode("utf-8"))
        if item_count > quota.max_items:
            raise QuotaExceeded(f"a portfolio holds at most {quota.max_items} badges; this one has {item_count}")
        with self._write() as connection:
            holder_id = self._holder_id(connection, holder_did, now)
            existing = connection.execute(
                select(portfolios.c.id, portfolios.c.holder_id).where(portfolios.c.slug == slug)
            ).first()
            if existing is not None and existing.holder_id != holder_id:
                raise NotOwner(slug)
            live = (
                select(func.count(), func.coalesce(func.sum(portfolios.c.size_bytes), 0))
                .where(
                    portfolios.c.holder_id == holder_id,
                    portfolios.c.slug != slug,
                    portfolios.c.withdrawn_at.is_(None),
                    portfolios.c.presentation.is_not(None),
                )
                .where((portfolios.c.expires_at.is_(None)) | (portfolios.c.expires_at > now))
            )
            count, used = connection.execute(live).one()
            if count + 1 > quota.max_portfolios:
                raise QuotaExceeded(f"a holder may keep {quota.max_portfolios} portfolios live on this host")
            if int(used) + size > quota.max_bytes:
                raise QuotaExceeded(
                    f"a holder may keep {quota.max_bytes} bytes of portfolios on this host; "
                    f"{used} are used and this one is {size}"
                )
            values = {
                "name": name[:500],
                "presentation": presentation,
                "size_bytes": size,
                "item_count": item_count,
                "updated_at": now,
                "expires_at": expires_at,
                "withdrawn_at": None,
                "recheck_claimed_at": None,
            }
            if existing is None:
                result = connection.execute(
                    insert(portfolios).values(slug=slug, holder_id=holder_id, created_at=now, **values)
                )
                inserted = result.inserted_primary_key
                assert inserted is not None  # an INSERT of one row always has its key
                portfolio_id = int(inserted[0])
            else:
                portfolio_id = int(existing.id)
                connection.execute(update(portfolios).where(portfolios.c.id == portfolio_id).values(values))
            self._replace_checks(connection, portfolio_id, reports, now)
            row = connection.execute(self._portfolio_query().where(portfolios.c.id == portfolio_id)).mappings().one()
            return self._record(row), existing is None

    def withdraw_portfolio(self, slug: str, *, holder_did: str, now: datetime) -> PortfolioRecord | None:
        with self._write() as connection:
            row = connection.execute(self._portfolio_query().where(portfolios.c.slug == slug)).mappings().first()
            if row is None:
                return None
            if row["holder_did"] != holder_did:
                raise NotOwner(slug)
            connection.execute(
                update(portfolios)
                .where(portfolios.c.id == row["id"])
                .values(withdrawn_at=row["withdrawn_at"] or now, presentation=None, size_bytes=0, updated_at=now)
            )
            connection.execute(delete(item_checks).where(item_checks.c.portfolio_id == row["id"]))
            row = connection.execute(self._portfolio_query().where(portfolios.c.id == row["id"])).mappings().one()
            return self._record(row)

    # -- recheck results ------------------------------------------------------------------------------------------

    @staticmethod
    def _replace_checks(
        connection: Connection, portfolio_id: int, reports: list[dict[str, Any]], checked_at: datetime
    ) -> None:
        connection.execute(delete(item_checks).where(item_checks.c.portfolio_id == portfolio_id))
        if reports:
            connection.execute(
                insert(item_checks),
                [
                    {"portfolio_id": portfolio_id, "position": i, "report": json.dumps(r), "checked_at": checked_at}
                    for i, r in enumerate(reports)
                ],
            )

    def item_checks(self, portfolio_id: int) -> list[ItemCheck]:
        with self._read() as connection:
            rows = connection.execute(
                select(item_checks).where(item_checks.c.portfolio_id == portfolio_id).order_by(item_checks.c.position)
            ).mappings()
            return [ItemCheck(row["position"], json.loads(row["report"]), row["checked_at"]) for row in rows]

    def save_item_checks(self, portfolio_id: int, reports: list[dict[str, Any]], *, checked_at: datetime) -> None:
        with self._write() as connection:
            # A portfolio withdrawn or replaced while it was being rechecked keeps what it has now.
            live = connection.execute(
                select(portfolios.c.id).where(
                    portfolios.c.id == portfolio_id,
                    portfolios.c.presentation.is_not(None),
                    portfolios.c.recheck_claimed_at.is_not(None),
                )
            ).first()
            if live is not None:
                self._replace_checks(connection, portfolio_id, reports, checked_at)

    def claim_recheck(self, portfolio_id: int, *, now: datetime, lease: timedelta) -> bool:
        with self._write() as connection:
            result = connection.execute(
                update(portfolios)
                .where(portfolios.c.id == portfolio_id)
                .where(portfolios.c.recheck_claimed_at.is_(None) | (portfolios.c.recheck_claimed_at < now - lease))
                .values(recheck_claimed_at=now)
            )
            return result.rowcount == 1

    # -- rate limits, cache, settings, retention ------------------------------------------------------------------

    def hit(self, key: str, *, period: int, now: datetime) -> int:
        window = int(now.timestamp()) // period * period
        key = key[:300]
        for _ in range(3):
            try:
                with self._write() as connection:
                    counter = (rate_counters.c.key == key) & (rate_counters.c.window_start == window)
                    changed = connection.execute(
                        update(rate_counters).where(counter).values(count=rate_counters.c.count + 1)
                    )
                    if changed.rowcount == 0:
                        connection.execute(insert(rate_counters).values(key=key, window_start=window, count=1))
                    return int(connection.execute(select(rate_counters.c.count).where(counter)).scalar_one())
            except IntegrityError:
                continue  # another worker inserted the window's row first: count on it
        raise RuntimeError("rate counter contention")

    def hits(self, key: str, *, period: int, now: datetime) -> int:
        window = int(now.timestamp()) // period * period
        counter = (rate_counters.c.key == key[:300]) & (rate_counters.c.window_start == window)
        with self._read() as connection:
            return int(connection.execute(select(rate_counters.c.count).where(counter)).scalar() or 0)

    def response_cache(self) -> ResponseCache:
        return _DbResponseCache(self)

    def setting(self, name: str, default: str) -> str:
        with self._read() as connection:
            value = connection.execute(select(settings.c.value).where(settings.c.name == name)).scalar()
        if value is not None:
            return str(value)
        try:
            with self._write() as connection:
                connection.execute(insert(settings).values(name=name, value=default))
        except IntegrityError:
            pass
        with self._read() as connection:
            return str(connection.execute(select(settings.c.value).where(settings.c.name == name)).scalar_one())

    def purge(self, *, now: datetime) -> None:
        with self._write() as connection:
            connection.execute(delete(nonces).where(nonces.c.expires_at < now - timedelta(hours=1)))
            connection.execute(delete(rate_counters).where(rate_counters.c.window_start < int(now.timestamp()) - 86400))
            expired = select(portfolios.c.id).where(
                portfolios.c.expires_at.is_not(None),
                portfolios.c.expires_at <= now,
                portfolios.c.presentation.is_not(None),
            )
            ids = [row.id for row in connection.execute(expired)]
            if ids:
                connection.execute(delete(item_checks).where(item_checks.c.portfolio_id.in_(ids)))
                connection.execute(
                    update(portfolios).where(portfolios.c.id.in_(ids)).values(presentation=None, size_bytes=0)
                )
