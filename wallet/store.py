"""The earner's store: tinydb in one JSON file, content-addressed blobs beside it.

Layout of a backpack home::

    backpack.json        tinydb database (badges, identities, schema version) — metadata only
    backpack.lock        advisory lock taken around every transaction
    blobs/<sha256>       original files and payload texts, written once, never inlined in the database

tinydb rewrites its whole file on every write, so each write goes to a temporary file that is fsynced and renamed
over the old one: a crash leaves either the old or the new database, never a torn one. Every read-modify-write runs
under an exclusive ``flock`` so two processes (the TUI and the web server, two imports) never lose each other's work.

Every temporary file (``.<name>.<pid>.<random>.tmp``: the database's, blobs', the holder key's, the web secret's) is
``flock``-ed by its writer until it is renamed. A process killed mid-write leaves its temporary file behind, unlocked;
the next ``Store`` to open the backpack removes such leftovers (see :func:`remove_stale_temp_files`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The only module that imports tinydb: every other one goes through ``Transaction`` (see wallet/storage.py).
from tinydb import Query, TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import Storage

from verifier import Report

from .errors import AmbiguousId, NotFound, SchemaTooNew, StoreError, StoreLocked

__all__ = [
    "SCHEMA_VERSION",
    "BadgeInfo",
    "BadgeRecord",
    "SourceRef",
    "Store",
    "TinyTransaction",
    "atomic_write",
    "compact_summary",
    "create_once",
    "name_from_path",
    "now_iso",
    "remove_stale_temp_files",
]

SCHEMA_VERSION = 1
_MIN_ID_PREFIX = 4
_DIGEST = re.compile(r"[0-9a-f]{64}")  # a blob's name: its SHA-256, lower-case hex
_MAX_SUMMARY_TEXT = 2000
# Migrations from version N to N+1, applied under the write lock when an older store is opened for writing.
_MIGRATIONS: dict[int, Callable[[TinyDB], None]] = {}


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_TEMP_NAME = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8,12}\.tmp")
# A temporary file whose writer still runs is never removed; one this old is abandoned whoever wrote it (a process
# in another PID namespace sharing the folder, whose pid means nothing here).
_ABANDONED_AFTER_SECONDS = 3600.0


@contextlib.contextmanager
def _temp_file(path: Path, mode: int) -> Iterator[tuple[Path, int]]:
    """A new temporary file beside ``path``, locked by this process (so no cleaner takes it for a leftover) and
    removed again if the caller fails before renaming it."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield temp, fd
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    finally:
        os.close(fd)  # also releases the lock: after the rename it sits on the final file, which nobody locks


def _write_all(fd: int, data: bytes, *, sync: bool = True) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    if sync:
        os.fsync(fd)


def _replace_unsynced(path: Path, data: bytes) -> None:
    """``path`` made to hold ``data``, whole (a reader never sees part of it), not yet flushed to the disk."""
    with _temp_file(path, 0o600) as (temp, fd):
        _write_all(fd, data, sync=False)
        os.replace(temp, path)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so that readers see the old content or the new, never a mix."""
    with _temp_file(path, mode) as (temp, fd):
        _write_all(fd, data)
        os.replace(temp, path)
    _fsync_dir(path.parent)


def create_once(path: Path, data: bytes, *, mode: int = 0o600) -> bool:
    """Create ``path`` holding ``data`` unless it exists; complete or absent, never empty or partial, whatever the
    number of processes racing or the moment one is killed. Returns whether this call created it (otherwise the
    file another process made first is left as it is)."""
    with _temp_file(path, mode) as (temp, fd):
        _write_all(fd, data)
        try:
            os.link(temp, path)  # fails if the file exists: the first writer wins, atomically
        except FileExistsError:
            return False
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    _fsync_dir(path.parent)
    return True


def _writer_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove the temporary files in ``folder`` that killed writers left behind; returns them.

    A file is a leftover when no process holds its lock (its writer is gone, or has already renamed it) and its
    writer's pid is not running (or it is over an hour old). Both tests are needed: the lock is taken an instant
    after the file is created, the pid may be reused.
    """
    removed: list[Path] = []
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.startswith(".") and entry.name.endswith(".tmp")]
    except (FileNotFoundError, NotADirectoryError):
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        if match is None:
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue  # renamed or removed meanwhile
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its writer is still at work
            age = now - os.fstat(fd).st_mtime
            if _writer_alive(int(match.group("pid"))) and age < _ABANDONED_AFTER_SECONDS:
                continue
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        finally:
            os.close(fd)
    return removed


def _parse_database(raw: bytes, path: Path) -> dict[str, dict[str, Any]] | None:
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StoreError(f"the backpack database {path} is not valid JSON; it was left untouched") from exc
    if not isinstance(data, dict):
        raise StoreError(f"the backpack database {path} has an unexpected shape; it was left untouched")
    return data


_UNREAD: Any = object()


class _AtomicJSONStorage(Storage):
    """tinydb storage that refuses to overwrite a file it cannot parse and replaces the file atomically.

    Used for one write transaction, under the exclusive lock: no other writer can change the file meanwhile, so it is
    parsed once (or not at all: ``parsed``, the store's snapshot of this very file) and every later operation works on
    that data, which after each write is what the file holds. tinydb reads before each operation: a transaction of
    three operations parsed the whole database three times."""

    def __init__(self, path: str, parsed: dict[str, dict[str, Any]] | None = _UNREAD) -> None:
        self._path = Path(path)
        self._parsed = parsed
        self._deferring = 0
        self._dirty = False

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._parsed is _UNREAD:
            try:
                raw = self._path.read_bytes()
            except FileNotFoundError:
                return None
            self._parsed = _parse_database(raw, self._path)
        return self._parsed

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._parsed = data
        if self._deferring:
            self._dirty = True
            return
        self._parsed = _UNREAD  # if writing fails, the data changed in place is not the file's: read it again
        atomic_write(self._path, json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        self._parsed = data

    @contextlib.contextmanager
    def one_write(self) -> Iterator[None]:
        """Every write inside the block becomes one write of the file when it ends; none if it fails."""
        self._deferring += 1
        try:
            yield
        except BaseException:
            # tinydb changes the tables it read in place: after a failure they may hold half an operation.
            self._parsed, self._dirty = _UNREAD, False
            raise
        finally:
            self._deferring -= 1
        if not self._deferring and self._dirty:
            self._dirty = False
            tables = self._parsed
            assert isinstance(tables, dict)  # set by the write that made it dirty
            self.write(tables)

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class SourceRef:
    """Where a badge came from: a file path or URL, and the blob holding the bytes as they were read."""

    kind: str  # "file" | "url" | "text"
    ref: str
    blob: str
    media_type: str
    container: str
    location: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceRef:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class BadgeInfo:
    """A badge's summary, typed: what the payload says (refined by verification), issuer-supplied text or None."""

    name: str | None = None
    description: str | None = None
    issuer_name: str | None = None
    issuer_id: str | None = None
    recipient: str | None = None
    issued_on: str | None = None
    expires: str | None = None
    image: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, str | None]) -> BadgeInfo:
        """Read a stored summary: unknown keys are ignored, missing ones are None, non-text values are dropped."""
        return cls(**{k: v if isinstance(v, str) else None for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def issuer(self) -> str:
        """The issuer as a person reads it: its name, else its id, else empty."""
        return self.issuer_name or self.issuer_id or ""

    @property
    def issued_date(self) -> str:
        """The issue date (``YYYY-MM-DD``), or empty."""
        return (self.issued_on or "")[:10]

    @property
    def expires_date(self) -> str:
        """The expiry date (``YYYY-MM-DD``), or empty."""
        return (self.expires or "")[:10]


@dataclass(frozen=True)
class BadgeRecord:
    """One badge in the backpack. ``summary`` and ``verification`` are the stored JSON (kept as it is on disk, so
    old backpacks load); read them through the typed views ``info``, ``report``, ``status`` and ``display_name``."""

    id: str
    key: str
    version: str
    payload_kind: str
    payload_blob: str
    summary: dict[str, str | None]
    source: SourceRef
    imported_at: str
    updated_at: str
    warnings: list[str] = field(default_factory=list)
    verification: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BadgeRecord:
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["source"] = SourceRef.from_dict(data["source"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        # asdict, without its deep copy of every string (an import turns a thousand records into rows at once).
        data = {name: _json_copy(getattr(self, name)) for name in self.__dataclass_fields__}
        data["source"] = {name: getattr(self.source, name) for name in SourceRef.__dataclass_fields__}
        return data

    # ``info`` and ``display_name`` are read several times per badge when a list is sorted and printed: worked out
    # once per record (a record is frozen, and its summary is never changed in place).
    @functools.cached_property
    def info(self) -> BadgeInfo:
        """The summary, typed."""
        return BadgeInfo.from_dict(self.summary)

    @property
    def report(self) -> Report | None:
        """The last verification report (a fresh copy on each access), or None if never checked."""
        return Report.from_dict(self.verification) if self.verification else None

    @property
    def checked_at(self) -> str | None:
        """When the badge was last verified (ISO 8601), or None."""
        value = (self.verification or {}).get("checked_at")
        return str(value) if value else None

    @property
    def status(self) -> str:
        """The status of the last verification, or ``unchecked``."""
        return str(self.verification["status"]) if self.verification else "unchecked"

    @functools.cached_property
    def display_name(self) -> str:
        """The badge's name as a person reads it: the name in the badge (the baked JSON, refined by the hosted JSON
        once verification fetched it), else the name of the file it came from, else where it is hosted."""
        name = self.info.name
        if name:
            return name
        from_file = name_from_path(self.source.ref) if self.source.kind == "file" else None
        if from_file:
            return from_file
        host = urlsplit(self.key.removeprefix("id:")).hostname
        return f"(hosted: {host})" if host else "(unnamed badge)"


def _json_copy(value: Any) -> Any:
    """A copy of JSON data: its dicts and lists new, its texts and numbers (immutable) shared."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_json_copy(item) for item in value)
    return value


def name_from_path(path: str) -> str | None:
    """A human name from a file path: ``badges/python-foundations.png`` reads "Python foundations". None when the
    file name has no letters (``42.png``): a number names nothing."""
    stem = path.rstrip("/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem[1:] else stem
    words = " ".join(stem.replace("_", " ").replace("-", " ").split())
    if not any(char.isalpha() for char in words):
        return None
    return words[0].upper() + words[1:] if words.islower() else words


def compact_summary(summary: dict[str, str | None]) -> dict[str, str | None]:
    """Summary text as kept in the database: bounded, and without inline images (the payload blob has them)."""
    return {
        name: None if value is None or value.startswith("data:") else value[:_MAX_SUMMARY_TEXT]
        for name, value in summary.items()
    }


_MAX_REPORT_ITEMS = 20


def compact_report(report: dict[str, Any]) -> dict[str, Any]:
    """A report as kept in the database: issuer-supplied text bounded, inline (data:) images dropped."""
    return _bounded(report)  # type: ignore[no-any-return]


def _bounded(value: Any) -> Any:
    if isinstance(value, str):
        return None if value.startswith("data:") else value[:_MAX_SUMMARY_TEXT]
    if isinstance(value, list):
        return [_bounded(item) for item in value[:_MAX_REPORT_ITEMS]]
    if isinstance(value, dict):
        return _bounded_object(value)
    return value


def _bounded_object(value: dict[str, Any]) -> dict[str, Any]:
    """``_bounded`` of a dict, its strings and scalars done in the loop rather than by a call each (a recheck keeps
    10,000 reports of a hundred values each)."""
    bounded: dict[str, Any] = {}
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            bounded[key] = None if item.startswith("data:") else item[:_MAX_SUMMARY_TEXT]
        elif item is None or kind is bool or kind is int or kind is float:
            bounded[key] = item
        elif kind is dict:
            bounded[key] = _bounded_object(item)
        else:
            bounded[key] = _bounded(item)
    return bounded


def _merged(existing: dict[str, Any], record: BadgeRecord) -> BadgeRecord:
    """``record`` imported again over the stored ``existing`` row of the same key: the id and first import time
    stay, and so does what the stored row knows better."""
    incoming = record.to_dict()
    if record.payload_kind == "url" and existing.get("payload_kind") != "url":
        # A QR code or link to a badge already held in full must not replace the full copy.
        for name in ("version", "payload_kind", "payload_blob", "summary", "source", "warnings"):
            incoming[name] = existing[name]
    else:
        # What verification learned (the fetched badge class's name, the format of a bare URL) stays.
        learned = {k: v for k, v in incoming["summary"].items() if v is not None}
        incoming["summary"] = {**existing["summary"], **learned}
        if incoming["version"] == "unknown":
            incoming["version"] = existing["version"]
    return BadgeRecord.from_dict(
        {
            **incoming,
            "id": existing["id"],
            "imported_at": existing["imported_at"],
            "verification": existing.get("verification") if record.verification is None else record.verification,
        }
    )


def badge_id_for_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def _matching(match: Mapping[str, Any]) -> QueryLike:
    if not match:
        raise ValueError("internal error: a query on a store table must name at least one field")
    return Query().fragment(dict(match))


_PARALLEL_FLUSHES = 8
_FLUSH_THREADS = 8


def _fsync_file(path: Path) -> bool:
    """Flush ``path`` to the disk; False when there is no such file."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


_READ_BINARY = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # O_BINARY: Windows only, where text mode is the default


def _is_digest(name: str) -> bool:
    return _DIGEST.fullmatch(name) is not None


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | None)


class TinyTransaction:
    """The generic table API of :class:`wallet.storage.Transaction` over one tinydb handle. Rows go out as plain
    dicts (copies), so nothing outside this module sees a tinydb document. Each write method is one write of the
    file (tinydb rewrites all of it), which is why batches have their own methods."""

    def __init__(self, db: TinyDB) -> None:
        self._db = db

    @contextlib.contextmanager
    def _one_write(self) -> Iterator[None]:
        storage = self._db.storage
        if not isinstance(storage, _AtomicJSONStorage):
            yield
            return
        try:
            with storage.one_write():
                yield
        except BaseException:
            for name in self._db.tables():
                self._db.table(name).clear_cache()  # query results computed from tables that were not written
            raise

    def tables(self) -> set[str]:
        return {name for name in self._db.tables() if name != "_meta"}

    def all(self, table: str) -> list[dict[str, Any]]:
        # What tinydb's Table.all() gives, in the same order, without its Document wrapper around each row (which
        # copies it once more): a tenth of listing 10,000 badges.
        rows = (self._db.storage.read() or {}).get(table) or {}
        return [dict(row) for row in rows.values()]

    def find(self, table: str, **match: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self._db.table(table).search(_matching(match))]

    def get(self, table: str, **match: Any) -> dict[str, Any] | None:
        found = self.find(table, **match)
        return found[0] if found else None

    def insert(self, table: str, *rows: Mapping[str, Any]) -> None:
        if rows:
            with self._one_write():
                self._db.table(table).insert_multiple(dict(row) for row in rows)

    def update(self, table: str, fields: Mapping[str, Any], **match: Any) -> int:
        with self._one_write():
            return len(self._db.table(table).update(dict(fields), _matching(match)))

    def update_each(self, table: str, key: str, changes: Mapping[Any, Mapping[str, Any]]) -> None:
        if not changes:
            return
        by_value = {value: dict(fields) for value, fields in changes.items()}

        def apply(row: MutableMapping[str, Any]) -> None:
            # One look-up per row: tinydb's update_multiple tests every query against every row (10,000 reports
            # saved took minutes).
            try:
                fields = by_value.get(row.get(key))
            except TypeError:  # a value that is no dict key (a list) equals none of them
                return
            if fields is not None:
                row.update(fields)

        with self._one_write():
            self._db.table(table).update(apply)  # every row visited, in one write

    def upsert_each(self, table: str, key: str, rows: Mapping[Any, Mapping[str, Any]]) -> None:
        if not rows:
            return
        with self._one_write():
            present = {value for row in self._db.table(table).all() if _hashable(value := row.get(key))}
            self.update_each(table, key, {value: row for value, row in rows.items() if value in present})
            self.insert(table, *(row for value, row in rows.items() if value not in present))

    def upsert(self, table: str, row: Mapping[str, Any], **match: Any) -> None:
        with self._one_write():
            self._db.table(table).upsert(dict(row), _matching(match))

    def remove(self, table: str, **match: Any) -> int:
        with self._one_write():
            return len(self._db.table(table).remove(_matching(match)))


class Store:
    """A backpack home directory. Cheap to construct: nothing touches the disk until it is used."""

    def __init__(self, home: Path | str, *, lock_timeout: float = 15.0) -> None:
        self.home = Path(home).expanduser()
        self.db_path = self.home / "backpack.json"
        self.lock_path = self.home / "backpack.lock"
        self.blob_dir = self.home / "blobs"
        self.lock_timeout = lock_timeout
        self._cleaned = False
        # The database as last parsed by a read transaction, with the identity of the file it came from (see
        # _read_snapshot): a page or command that reads the store several times parses it once.
        self._snapshot: tuple[tuple[int, ...], dict[str, dict[str, Any]] | None] | None = None

    # -- plumbing -----------------------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.db_path.exists()

    def _ensure_dirs(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.blob_dir.mkdir(exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"cannot create the backpack home {self.home}: {exc.strerror}") from exc

    @contextlib.contextmanager
    def _locked(self, exclusive: bool) -> Iterator[None]:
        self._ensure_dirs()
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + self.lock_timeout
            operation = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
            while True:
                try:
                    fcntl.flock(fd, operation)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise StoreLocked(
                            f"the backpack at {self.home} stayed locked by another process for {self.lock_timeout:g} s"
                        ) from exc
                    time.sleep(0.02)
            if not self._cleaned:
                self._cleaned = True
                self.remove_leftovers()
            yield
        finally:
            os.close(fd)  # closing releases the lock

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The backpack's exclusive lock without a database handle: for files kept beside it (the web secret)."""
        with self._locked(exclusive=True):
            yield

    def remove_leftovers(self) -> list[Path]:
        """Remove the temporary files of writers killed mid-write (database, blobs, holder key, web secret).
        Done once by each ``Store`` on its first transaction; returns what was removed."""
        return remove_stale_temp_files(self.home) + remove_stale_temp_files(self.blob_dir)

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[TinyTransaction]:
        """The tables, for one locked unit of work. Writes inside it are each atomic."""
        with self._tinydb(write=write) as db:
            yield TinyTransaction(db)

    @contextlib.contextmanager
    def _tinydb(self, *, write: bool) -> Iterator[TinyDB]:
        if not write and not self.exists():
            # Reading an absent store must not create it (a typo in --home should not leave directories behind).
            if not self._cleaned and self.home.is_dir():
                self._cleaned = True
                self.remove_leftovers()  # a holder key or web secret whose writer was killed
            yield TinyDB(storage=_MemoryOnly)
            return
        with self._locked(exclusive=write):
            if write:
                db = TinyDB(str(self.db_path), storage=_AtomicJSONStorage, parsed=self._take_snapshot())
            else:
                db = TinyDB(storage=_Snapshot, data=self._read_snapshot(), discard=self._discard_snapshot)
            try:
                self._check_schema(db, write=write)
                yield db
            finally:
                db.close()

    def _read_snapshot(self) -> dict[str, dict[str, Any]] | None:
        """The parsed database, re-read only when the file changed. Called under the shared lock, so no writer of
        this backpack is under way. Every write replaces the file (a new inode, renamed over the old one; see
        atomic_write), so the file's identity and times differ after any write, from any process: an edit shows at
        the next transaction. Read transactions do not change the parsed data (tinydb copies each row it returns,
        TinyTransaction copies it again), so it is shared between them; one that tries to write discards it."""
        try:
            file = open(self.db_path, "rb")  # noqa: SIM115 - closed below, after the identity check
        except FileNotFoundError:
            return None
        with file:
            stat = os.fstat(file.fileno())
            identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
            if self._snapshot is not None and self._snapshot[0] == identity:
                return self._snapshot[1]
            data = _parse_database(file.read(), self.db_path)
        self._snapshot = (identity, data)
        return data

    def _take_snapshot(self) -> dict[str, dict[str, Any]] | None:
        """For a write transaction (under the exclusive lock): the snapshot, when the file is still the one it was
        parsed from, handed over (the transaction changes it in place, so the store forgets it); else ``_UNREAD``."""
        snapshot, self._snapshot = self._snapshot, None
        if snapshot is None:
            return _UNREAD
        try:
            stat = os.stat(self.db_path)
        except FileNotFoundError:
            return _UNREAD
        identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        return snapshot[1] if snapshot[0] == identity else _UNREAD

    def _discard_snapshot(self) -> None:
        self._snapshot = None

    def _check_schema(self, db: TinyDB, *, write: bool) -> None:
        meta = db.table("_meta")
        row = meta.get(doc_id=1)
        if row is None:
            if write:
                meta.insert({"schema_version": SCHEMA_VERSION, "created_at": now_iso()})
            return
        version = row.get("schema_version") if isinstance(row, dict) else None
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise StoreError(f"the backpack database {self.db_path} has no valid schema version; it was left untouched")
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the backpack at {self.home} uses schema {version}; this version of backpack reads up to "
                f"{SCHEMA_VERSION}: upgrade backpack"
            )
        if write and version < SCHEMA_VERSION:
            for step in range(version, SCHEMA_VERSION):
                _MIGRATIONS[step](db)
            meta.update({"schema_version": SCHEMA_VERSION}, doc_ids=[1])

    def schema_version(self) -> int | None:
        with self._tinydb(write=False) as db:
            row = db.table("_meta").get(doc_id=1)
            return row.get("schema_version") if isinstance(row, dict) else None

    # -- blobs ----------------------------------------------------------------------------------------------------

    def put_blob(self, data: bytes) -> str:
        digest = self.stage_blob(data)
        self.sync_blobs([digest])
        return digest

    def stage_blob(self, data: bytes) -> str:
        """Write a blob without waiting for the disk: :meth:`sync_blobs` (which :meth:`upsert_badges` calls for the
        blobs its records name) makes it durable before anything refers to it. A crash may leave a staged blob
        missing or, after a power cut, short: a later write of the same bytes then writes it again."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.blob_dir / digest
        try:
            complete = path.stat().st_size == len(data)
        except (FileNotFoundError, NotADirectoryError):
            complete = False
        if not complete:
            try:
                _replace_unsynced(path, data)
            except (FileNotFoundError, NotADirectoryError):  # the first blob of a new backpack (or no home at all)
                self._ensure_dirs()
                _replace_unsynced(path, data)
        return digest

    def sync_blobs(self, digests: Iterable[str]) -> None:
        """Make the blobs ``digests`` durable (their bytes and their names): a flush of each, then one of the folder.
        Ids of blobs this store does not hold are passed over: there is nothing of theirs to save."""
        paths = [self.blob_dir / digest for digest in sorted(set(digests)) if _is_digest(digest)]
        if len(paths) < _PARALLEL_FLUSHES:
            flushed = [_fsync_file(path) for path in paths]
        else:
            # The disk serves concurrent flushes together (one journal commit for many), a few times faster.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(_FLUSH_THREADS) as pool:
                flushed = list(pool.map(_fsync_file, paths))
        if any(flushed):
            _fsync_dir(self.blob_dir)

    def read_blob(self, digest: str) -> bytes:
        if not _is_digest(digest):
            raise NotFound(f"not a blob id: {digest!r}")
        try:
            # os.path, not pathlib, and a bare descriptor, not a file object: a recheck reads two blobs per badge,
            # and Path's joining, then the buffered reader's set-up, each cost more than the reading itself.
            descriptor = os.open(os.path.join(self.blob_dir, digest), _READ_BINARY)
        except FileNotFoundError as exc:
            raise NotFound(f"blob {digest} is missing from {self.blob_dir}") from exc
        try:
            chunks = [os.read(descriptor, os.fstat(descriptor).st_size + 1)]
            while chunks[-1]:  # to the end, whatever the size said
                chunks.append(os.read(descriptor, 1 << 16))
        finally:
            os.close(descriptor)
        return b"".join(chunks)

    # -- secrets --------------------------------------------------------------------------------------------------
    # Small values kept outside the database (the holder key, the web secret): files of mode 0600 in the home, so
    # that a backup of the database alone never carries them and creating one never waits for the database lock.

    def _secret_path(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"internal error: not a secret's name: {name!r}")
        return self.home / name

    def secret_location(self, name: str) -> str:
        """Where the secret ``name`` is kept, for messages."""
        return str(self._secret_path(name))

    def read_secret(self, name: str) -> bytes | None:
        """The secret ``name``, or None when it was never created."""
        try:
            return self._secret_path(name).read_bytes()
        except FileNotFoundError:
            return None

    def create_secret_once(self, name: str, data: bytes) -> bool:
        """Create the secret ``name`` holding ``data`` unless it exists (complete or absent, whatever the number of
        processes racing). Returns whether this call created it."""
        path = self._secret_path(name)
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"cannot create the backpack home {self.home}: {exc.strerror}") from exc
        return create_once(path, data)

    def replace_secret(self, name: str, data: bytes) -> None:
        """Replace the secret ``name`` atomically. Callers hold :meth:`locked`, so that only one process repairs."""
        atomic_write(self._secret_path(name), data)

    # -- badges ---------------------------------------------------------------------------------------------------

    def upsert_badge(self, record: BadgeRecord) -> tuple[BadgeRecord, bool]:
        """Insert ``record``, or update the badge with the same key (keeping its first import time).

        Returns the stored record and whether it was new.
        """
        return self.upsert_badges([record])[0]

    def upsert_badges(self, records: Sequence[BadgeRecord]) -> list[tuple[BadgeRecord, bool]]:
        """:meth:`upsert_badge` for each record in turn (a key met twice is new the first time only), in one write
        of the database: all of them are stored or, if it fails, none. The blobs they name are made durable first,
        so the database never refers to a blob a crash could lose. Returns each stored record and whether it was
        new, in order."""
        if not records:
            return []
        self.sync_blobs(blob for record in records for blob in (record.payload_blob, record.source.blob))
        with self.transaction(write=True) as db:
            rows: dict[str, dict[str, Any]] = {}
            for row in db.all("badges"):
                rows.setdefault(row["key"], row)
            written: dict[str, dict[str, Any]] = {}
            stored: list[tuple[BadgeRecord, bool]] = []
            for record in records:
                existing = rows.get(record.key)
                merged = record if existing is None else _merged(existing, record)
                rows[record.key] = written[record.key] = merged.to_dict()
                stored.append((merged, existing is None))
            db.upsert_each("badges", "key", written)
            return stored

    def save_reports(self, reports: dict[str, dict[str, Any]]) -> list[BadgeRecord]:
        """Store the latest verification report of each badge (by id), in one write. Returns the updated records.

        The report's display data (fetched badge class and issuer) refines the summary taken from the payload.
        """
        with self.transaction(write=True) as db:
            rows = {row["id"]: row for row in db.all("badges")}
            updates: dict[str, dict[str, Any]] = {}
            updated: list[BadgeRecord] = []
            for badge_id, full_report in reports.items():
                row = rows.get(badge_id)
                if row is None:
                    continue  # removed meanwhile: a report never resurrects a badge
                report = compact_report(full_report)
                summary = dict(row["summary"])
                for name, value in (report.get("badge") or {}).items():
                    if name in summary and isinstance(value, str) and value and not value.startswith("data:"):
                        summary[name] = value[:_MAX_SUMMARY_TEXT]
                fields: dict[str, Any] = {"verification": report, "summary": summary, "updated_at": now_iso()}
                report_format = str(report.get("format") or "")
                if row.get("version") == "unknown" and report_format[:3] in ("ob0", "ob1", "ob2", "ob3"):
                    fields["version"] = report_format[:3]  # a bare URL's format is known once it was fetched
                updates[badge_id] = fields
                updated.append(BadgeRecord.from_dict({**row, **fields}))
            db.update_each("badges", "id", updates)  # one write for all of them
            return updated

    def list_badges(self) -> list[BadgeRecord]:
        with self.transaction() as db:
            rows = db.all("badges")
        records = [BadgeRecord.from_dict(row) for row in rows]
        return sorted(records, key=lambda r: (r.imported_at, r.id))

    def _find(self, db: TinyTransaction, badge_id: str) -> dict[str, Any]:
        wanted = badge_id.strip().lower()
        if len(wanted) < _MIN_ID_PREFIX:
            raise NotFound(f"badge id {badge_id!r} is too short: give at least {_MIN_ID_PREFIX} characters")
        matches = [row for row in db.all("badges") if row["id"].startswith(wanted)]
        if not matches:
            raise NotFound(f"no badge with id {badge_id!r} in this backpack")
        if len(matches) > 1:
            raise AmbiguousId(f"badge id {badge_id!r} matches {len(matches)} badges; give more characters")
        return matches[0]

    def get_badge(self, badge_id: str) -> BadgeRecord:
        with self.transaction() as db:
            return BadgeRecord.from_dict(self._find(db, badge_id))

    def remove_badge(self, badge_id: str) -> BadgeRecord:
        """Remove a badge record. Its blobs stay: they are content-addressed and may be shared with other badges."""
        with self.transaction(write=True) as db:
            row = self._find(db, badge_id)
            db.remove("badges", id=row["id"])
            return BadgeRecord.from_dict(row)

    # -- settings -------------------------------------------------------------------------------------------------

    def get_setting(self, name: str, default: Any = None) -> Any:
        with self.transaction() as db:
            row = db.get("settings", name=name)
            return row["value"] if row is not None else default

    def set_setting(self, name: str, value: Any) -> None:
        with self.transaction(write=True) as db:
            db.upsert("settings", {"name": name, "value": value}, name=name)

    # -- identities -----------------------------------------------------------------------------------------------

    def add_identity(self, kind: str, value: str) -> tuple[dict[str, str], bool]:
        with self.transaction(write=True) as db:
            existing = db.get("identities", value=value)
            if existing is not None:
                return existing, False
            row = {"kind": kind, "value": value, "added_at": now_iso()}
            db.insert("identities", row)
            return row, True

    def list_identities(self) -> list[dict[str, str]]:
        with self.transaction() as db:
            return db.all("identities")

    def remove_identity(self, value: str) -> dict[str, str]:
        with self.transaction(write=True) as db:
            row = db.get("identities", value=value)
            if row is None:
                raise NotFound(f"{value!r} is not one of your identities")
            db.remove("identities", value=value)
            return row


class _Snapshot(Storage):
    """A read-only tinydb storage over an already parsed database (``Store._read_snapshot``)."""

    def __init__(self, data: dict[str, dict[str, Any]] | None, discard: Callable[[], None]) -> None:
        self._data = data
        self._discard = discard

    def read(self) -> dict[str, dict[str, Any]] | None:
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        # tinydb changed the parsed data in place before asking to write it: that copy is no longer the file's.
        self._discard()
        raise StoreError("internal error: write in a read-only transaction")


class _MemoryOnly(Storage):
    """An empty, read-only view used when the store does not exist yet."""

    def __init__(self) -> None:
        pass

    def read(self) -> None:
        return None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        raise StoreError("internal error: write to a store that does not exist")
