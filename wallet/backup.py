"""Encrypted backups the earner keeps: the whole backpack in one file, sealed with a passphrase.

A backup holds everything the backpack knows — the database (badges, verification reports, collections, identities,
settings, share links, publications, the cached issuer documents), every blob, and the holder key — so that a
restored backpack signs with the same did:key and its links and publications stay theirs. Only the web view's
cookie secret is left out: it belongs to a server, and a new one is made when needed.

File format, version 1 (docs/backup.md)::

    offset  size  field
    0       8     magic            b"OBBACKUP"
    8       1     format version   1
    9       4     header length N  big-endian unsigned
    13      N     header           UTF-8 JSON: {"kdf": {"name": "scrypt", "n", "r", "p", "salt"}, "cipher":
                                   "AES-256-GCM", "nonce", "check"} (salt, nonce, check: base64)
    13+N    rest  ciphertext       AES-256-GCM of the payload, 16-byte tag at its end; associated data: bytes 0..13+N

scrypt derives 64 bytes from the passphrase: the first 32 are the AES key; the other 32 key an HMAC-SHA256 of
``b"backpack backup passphrase check"`` whose first 16 bytes are the header's ``check``. So a wrong passphrase is told
apart from a damaged file without decrypting anything. The payload is a ZIP archive: ``manifest.json``
(``{"format": "openbadges-backpack-backup", "version": 1, "created_at", "counts", "holder_key"}``),
``backpack.json`` (the database as stored), ``blobs/<sha256>`` and ``holder-key.pem`` (when the backpack has one).

``restore_backup`` decrypts and checks everything (the tag, the archive, each blob against its digest, the
database's shape and schema version, the key) before it touches the current backpack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import WalletError
from .store import SCHEMA_VERSION, Store, atomic_write, now_iso

__all__ = [
    "DEFAULT_KDF",
    "MIN_PASSPHRASE_LENGTH",
    "BackupError",
    "BackupSummary",
    "KdfParameters",
    "WrongPassphrase",
    "read_backup",
    "restore_backup",
    "write_backup",
]

MAGIC = b"OBBACKUP"
FORMAT_VERSION = 1
MIN_PASSPHRASE_LENGTH = 8
_PAYLOAD_FORMAT = "openbadges-backpack-backup"
_CHECK_LABEL = b"backpack backup passphrase check"
_PREFIX = struct.Struct(">8sBI")
_MAX_HEADER = 4096
_BLOB_NAME = re.compile(r"blobs/([0-9a-f]{64})")
_KEY_FILE = "holder-key.pem"
_TABLES_COUNTED = ("badges", "collections", "identities", "settings", "shares", "publications")


class BackupError(WalletError):
    """A backup cannot be written or read: damaged, truncated, not a backup, or refused."""

    code = "backup_invalid"


class WrongPassphrase(BackupError):
    code = "backup_wrong_passphrase"


@dataclass(frozen=True)
class KdfParameters:
    """scrypt's cost: ``n`` (a power of two) × ``r`` × 128 bytes of memory. The default takes 128 MiB."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    def check(self) -> None:
        # Bounds for what a backup file may ask for: a hostile file must not make restore take gigabytes or hours.
        if not (2**10 <= self.n <= 2**20 and self.n & (self.n - 1) == 0 and 1 <= self.r <= 32 and 1 <= self.p <= 16):
            raise BackupError("the backup file asks for key-derivation parameters out of bounds: it was not made here")
        if self.n * self.r * 128 > 1024**3:
            raise BackupError("the backup file asks for more than 1 GiB of memory to open: it was not made here")


DEFAULT_KDF = KdfParameters()


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (written, read or restored)."""

    created_at: str
    counts: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    holder_key: bool = False


@dataclass(frozen=True)
class _Contents:
    summary: BackupSummary
    database: bytes
    blobs: dict[str, bytes]
    holder_key: bytes | None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(passphrase: str, salt: bytes, kdf: KdfParameters) -> tuple[bytes, bytes]:
    derived = Scrypt(salt=salt, length=64, n=kdf.n, r=kdf.r, p=kdf.p).derive(passphrase.encode("utf-8"))
    return derived[:32], hmac.new(derived[32:], _CHECK_LABEL, hashlib.sha256).digest()[:16]


def _counts(database: dict[str, Any]) -> dict[str, int]:
    return {name: len(database.get(name) or {}) for name in _TABLES_COUNTED}


def _snapshot(store: Store) -> _Contents:
    """The backpack as it is at one moment: read under its lock, so no write lands half-way through."""
    with store.locked():
        database = store.db_path.read_bytes() if store.exists() else b"{}"
        blobs: dict[str, bytes] = {}
        if store.blob_dir.is_dir():
            for path in sorted(store.blob_dir.iterdir()):
                if _BLOB_NAME.fullmatch(f"blobs/{path.name}"):
                    blobs[path.name] = path.read_bytes()
        key_path = store.home / _KEY_FILE
        holder_key = key_path.read_bytes() if key_path.exists() else None
    summary = BackupSummary(
        created_at=now_iso(),
        counts=_counts(json.loads(database)),
        blobs=len(blobs),
        holder_key=holder_key is not None,
    )
    return _Contents(summary, database, blobs, holder_key)


def _archive(contents: _Contents) -> bytes:
    manifest = {
        "format": _PAYLOAD_FORMAT,
        "version": FORMAT_VERSION,
        "created_at": contents.summary.created_at,
        "counts": contents.summary.counts,
        "holder_key": contents.holder_key is not None,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr("backpack.json", contents.database)
        for digest, data in contents.blobs.items():
            archive.writestr(f"blobs/{digest}", data)
        if contents.holder_key is not None:
            archive.writestr(_KEY_FILE, contents.holder_key)
    return buffer.getvalue()


def write_backup(store: Store, output: Path, passphrase: str, *, kdf: KdfParameters = DEFAULT_KDF) -> BackupSummary:
    """Write an encrypted backup of the whole backpack to ``output`` (mode 0600, replaced atomically)."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise BackupError(f"the passphrase is too short: use at least {MIN_PASSPHRASE_LENGTH} characters")
    kdf.check()
    if not store.exists() and not (store.home / _KEY_FILE).exists():
        raise BackupError(f"there is no backpack at {store.home} to back up")
    contents = _snapshot(store)
    salt, nonce = os.urandom(16), os.urandom(12)
    key, check = _derive(passphrase, salt, kdf)
    header = json.dumps(
        {
            "kdf": {"name": "scrypt", "n": kdf.n, "r": kdf.r, "p": kdf.p, "salt": _b64(salt)},
            "cipher": "AES-256-GCM",
            "nonce": _b64(nonce),
            "check": _b64(check),
        },
        separators=(",", ":"),
    ).encode("utf-8")
    prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)) + header
    sealed = AESGCM(key).encrypt(nonce, _archive(contents), prefix)
    try:
        atomic_write(output, prefix + sealed, mode=0o600)
    except OSError as exc:
        raise BackupError(f"cannot write {output}: {exc.strerror or exc}") from exc
    return contents.summary


def _parse_header(data: bytes) -> tuple[bytes, dict[str, Any]]:
    if len(data) < _PREFIX.size or data[:8] != MAGIC:
        raise BackupError("this is not a backpack backup (or its beginning is missing)")
    _magic, version, length = _PREFIX.unpack_from(data)
    if version != FORMAT_VERSION:
        raise BackupError(f"this backup uses format {version}; this version of backpack reads format {FORMAT_VERSION}")
    if length > _MAX_HEADER or len(data) < _PREFIX.size + length:
        raise BackupError("the backup file is damaged or truncated (its header is incomplete)")
    try:
        header = json.loads(data[_PREFIX.size : _PREFIX.size + length])
        if not isinstance(header, dict) or header.get("cipher") != "AES-256-GCM":
            raise ValueError("cipher")
        kdf = header["kdf"]
        if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
            raise ValueError("kdf")
        if not all(type(kdf.get(name)) is int for name in ("n", "r", "p")):
            raise ValueError("kdf parameters")
        for name in ("nonce", "check"):
            header[name] = base64.b64decode(header[name], validate=True)
        kdf["salt"] = base64.b64decode(kdf["salt"], validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError("the backup file is damaged (its header cannot be read)") from exc
    if len(header["nonce"]) != 12 or len(header["check"]) != 16:
        raise BackupError("the backup file is damaged (its header cannot be read)")
    return data[: _PREFIX.size + length], header


def _unpack(archive_bytes: bytes) -> _Contents:
    """Read the decrypted archive and check every piece of it."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
            names = archive.namelist()
            manifest = json.loads(archive.read("manifest.json"))
            database = archive.read("backpack.json")
            blobs: dict[str, bytes] = {}
            for name in names:
                match = _BLOB_NAME.fullmatch(name)
                if match:
                    data = archive.read(name)
                    if hashlib.sha256(data).hexdigest() != match.group(1):
                        raise BackupError(f"the backup is damaged: {name} does not match its digest")
                    blobs[match.group(1)] = data
                elif name not in ("manifest.json", "backpack.json", _KEY_FILE):
                    raise BackupError(f"the backup holds an unexpected entry {name!r}: it was not made here")
            holder_key = archive.read(_KEY_FILE) if _KEY_FILE in names else None
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise BackupError("the backup is damaged (its contents cannot be read)") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != _PAYLOAD_FORMAT:
        raise BackupError("the backup's contents are not a backpack's")
    try:
        tables = json.loads(database)
    except ValueError as exc:
        raise BackupError("the backup's database is not valid JSON") from exc
    if not isinstance(tables, dict) or not all(isinstance(rows, dict) for rows in tables.values()):
        raise BackupError("the backup's database has an unexpected shape")
    meta = (tables.get("_meta") or {}).get("1")
    version = meta.get("schema_version") if isinstance(meta, dict) else None
    if tables and (not isinstance(version, int) or version < 1):
        raise BackupError("the backup's database has no valid schema version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise BackupError(
            f"the backup was made by a newer backpack (schema {version}; this one reads up to {SCHEMA_VERSION})"
        )
    if holder_key is not None:
        try:
            key = serialization.load_pem_private_key(holder_key, password=None)
        except ValueError as exc:
            raise BackupError("the backup's holder key is damaged") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise BackupError("the backup's holder key is not an Ed25519 key")
    summary = BackupSummary(
        created_at=str(manifest.get("created_at") or ""),
        counts=_counts(tables),
        blobs=len(blobs),
        holder_key=holder_key is not None,
    )
    return _Contents(summary, database, blobs, holder_key)


def _open(path: Path, passphrase: str) -> _Contents:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise BackupError(f"no such file: {path}") from exc
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from exc
    associated, header = _parse_header(data)
    kdf = KdfParameters(n=header["kdf"]["n"], r=header["kdf"]["r"], p=header["kdf"]["p"])
    kdf.check()
    key, check = _derive(passphrase, header["kdf"]["salt"], kdf)
    if not hmac.compare_digest(check, header["check"]):
        raise WrongPassphrase("wrong passphrase for this backup")
    try:
        archive = AESGCM(key).decrypt(header["nonce"], data[len(associated) :], associated)
    except InvalidTag as exc:
        raise BackupError("the backup file is damaged or truncated: it does not decrypt whole") from exc
    return _unpack(archive)


def read_backup(path: Path, passphrase: str) -> BackupSummary:
    """Decrypt and check a backup without touching any backpack; return what it holds."""
    return _open(path, passphrase).summary


def _holds_anything(store: Store) -> bool:
    if (store.home / _KEY_FILE).exists():
        return True
    if not store.exists():
        return False
    with store.transaction() as db:
        return any(db.all(name) for name in db.tables())


def restore_backup(store: Store, path: Path, passphrase: str, *, replace: bool = False) -> BackupSummary:
    """Restore a backup into ``store``, after checking all of it; a backpack that holds anything is replaced only
    with ``replace=True``, and then its database and holder key are first kept in ``replaced-<time>/``."""
    contents = _open(path, passphrase)
    if _holds_anything(store) and not replace:
        raise BackupError(f"the backpack at {store.home} is not empty: restore with --replace to replace it")
    with store.locked():
        if replace:
            kept = store.home / f"replaced-{now_iso().replace(':', '')}"
            kept.mkdir(mode=0o700, exist_ok=True)
            for name in ("backpack.json", _KEY_FILE):
                if (store.home / name).exists():
                    atomic_write(kept / name, (store.home / name).read_bytes())
        for digest, data in contents.blobs.items():
            if not (store.blob_dir / digest).exists():
                atomic_write(store.blob_dir / digest, data)
        # The database last: it names the blobs and the key, so it is what makes the restore take effect.
        if contents.holder_key is not None:
            atomic_write(store.home / _KEY_FILE, contents.holder_key)
        elif (store.home / _KEY_FILE).exists():
            (store.home / _KEY_FILE).unlink()
        atomic_write(store.db_path, contents.database)
    return contents.summary
