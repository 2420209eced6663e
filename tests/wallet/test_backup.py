"""Encrypted backups (``wallet.backup``): everything comes back, nothing is readable without the passphrase, and a
wrong passphrase, a damaged or truncated file leave the backpack exactly as it was."""

from __future__ import annotations

import json
import shutil
import stat
import struct
import time
from pathlib import Path

import pytest

from wallet import badge_collections as collections
from wallet.backup import (
    BackupError,
    KdfParameters,
    WrongPassphrase,
    read_backup,
    restore_backup,
    write_backup,
)
from wallet.holder import holder
from wallet.shares import create_share
from wallet.store import Store

FAST = KdfParameters(n=2**10)  # the file records its parameters; the default (2**17) is tested once, below
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def full(demo: Store) -> Store:
    """The demo backpack with a holder key, a collection, a share link, an identity and settings."""
    holder(demo)
    ids = [record.id for record in demo.list_badges()[:3]]
    collections.create_collection(demo, "Job applications", description="For my next job")
    collections.add_badges(demo, "Job applications", ids)
    create_share(demo, "Job applications")
    demo.add_identity("email", "ada@example.org")
    demo.set_setting("display_name", "Ada")
    with demo.transaction(write=True) as db:
        db.insert("publications", {"url": "https://host.example/p/ada", "slug": "ada"})
    return demo


def _files(home: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(home)): path.read_bytes()
        for path in sorted(home.rglob("*"))
        if path.is_file() and path.name != "backpack.lock"
    }


def test_a_restored_backpack_is_the_same_backpack(full: Store, tmp_path: Path) -> None:
    backup = tmp_path / "ada.backpack"
    written = write_backup(full, backup, PASSPHRASE, kdf=FAST)
    assert written.counts == {
        "badges": 8,
        "collections": 1,
        "identities": 2,
        "settings": 2,
        "shares": 1,
        "publications": 1,
    }
    assert written.holder_key
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    target = Store(tmp_path / "restored")
    restored = restore_backup(target, backup, PASSPHRASE)
    assert restored.counts == written.counts
    original = {k: v for k, v in _files(full.home).items() if not k.startswith("demo-files")}
    copy = _files(target.home)
    assert copy == original  # database, every blob and the holder key, byte for byte
    assert holder(target).did == holder(full).did
    assert [r.to_dict() for r in target.list_badges()] == [r.to_dict() for r in full.list_badges()]
    assert collections.get_collection(target, "Job applications").badge_ids == (
        collections.get_collection(full, "Job applications").badge_ids
    )


def test_nothing_is_readable_without_the_passphrase(full: Store, tmp_path: Path) -> None:
    backup = tmp_path / "ada.backpack"
    write_backup(full, backup, PASSPHRASE, kdf=FAST)
    data = backup.read_bytes()
    for secret in (b"ada@example.org", b"PRIVATE KEY", b"Job applications", b"badges", b"PK\x03\x04"):
        assert secret not in data
    header = json.loads(data[13 : 13 + struct.unpack(">I", data[9:13])[0]])
    assert header["cipher"] == "AES-256-GCM"
    assert header["kdf"]["name"] == "scrypt" and header["kdf"]["n"] == 2**10


def _occupied(tmp_path: Path) -> Store:
    store = Store(tmp_path / "current")
    store.add_identity("email", "current@example.org")
    holder(store)
    return store


@pytest.mark.parametrize(
    "damage",
    [
        "wrong passphrase",
        "truncated in the header",
        "truncated in the ciphertext",
        "last byte missing",
        "byte flipped in the ciphertext",
        "byte flipped in the header",
        "not a backup",
        "empty file",
    ],
)
def test_a_bad_backup_leaves_the_backpack_as_it_was(full: Store, tmp_path: Path, damage: str) -> None:
    backup = tmp_path / "ada.backpack"
    write_backup(full, backup, PASSPHRASE, kdf=FAST)
    data = bytearray(backup.read_bytes())
    passphrase = PASSPHRASE
    if damage == "wrong passphrase":
        passphrase = "Correct horse battery staple"
    elif damage == "truncated in the header":
        data = data[:40]
    elif damage == "truncated in the ciphertext":
        data = data[: len(data) // 2]
    elif damage == "last byte missing":
        data = data[:-1]
    elif damage == "byte flipped in the ciphertext":
        data[len(data) // 2] ^= 0x01
    elif damage == "byte flipped in the header":
        data[20] ^= 0x01
    elif damage == "not a backup":
        data = bytearray(b'{"badges": []}')
    else:
        data = bytearray()
    backup.write_bytes(bytes(data))

    for replace in (False, True):
        store = _occupied(tmp_path) if replace else Store(tmp_path / f"fresh-{damage}")
        before = _files(store.home) if store.home.exists() else {}
        with pytest.raises(BackupError) as raised:
            restore_backup(store, backup, passphrase, replace=replace)
        message = str(raised.value)
        assert "\n" not in message
        if damage == "wrong passphrase":
            assert isinstance(raised.value, WrongPassphrase) and message == "wrong passphrase for this backup"
        else:
            assert not isinstance(raised.value, WrongPassphrase)
            assert "damaged" in message or "not a backpack backup" in message or "truncated" in message
        after = _files(store.home) if store.home.exists() else {}
        assert after == before
        with pytest.raises(BackupError):
            read_backup(backup, passphrase)


def test_a_backpack_that_holds_something_is_replaced_only_when_asked(full: Store, tmp_path: Path) -> None:
    backup = tmp_path / "ada.backpack"
    write_backup(full, backup, PASSPHRASE, kdf=FAST)
    current = _occupied(tmp_path)
    old_key = (current.home / "holder-key.pem").read_bytes()
    with pytest.raises(BackupError, match="not empty: restore with --replace"):
        restore_backup(current, backup, PASSPHRASE)
    assert [row["value"] for row in current.list_identities()] == ["current@example.org"]

    restore_backup(current, backup, PASSPHRASE, replace=True)
    assert len(current.list_badges()) == 8
    assert holder(current).did == holder(full).did
    [kept] = [p for p in current.home.iterdir() if p.name.startswith("replaced-")]
    assert (kept / "holder-key.pem").read_bytes() == old_key  # the replaced identity is not lost
    assert "current@example.org" in (kept / "backpack.json").read_text()


def test_hostile_key_derivation_parameters_are_refused_at_once(full: Store, tmp_path: Path) -> None:
    backup = tmp_path / "ada.backpack"
    write_backup(full, backup, PASSPHRASE, kdf=FAST)
    data = backup.read_bytes()
    length = struct.unpack(">I", data[9:13])[0]
    header = json.loads(data[13 : 13 + length])
    header["kdf"]["n"] = 2**30  # a terabyte of memory
    raw = json.dumps(header).encode()
    backup.write_bytes(data[:9] + struct.pack(">I", len(raw)) + raw + data[13 + length :])
    started = time.monotonic()
    with pytest.raises(BackupError, match="out of bounds"):
        read_backup(backup, PASSPHRASE)
    assert time.monotonic() - started < 1


def test_a_short_passphrase_or_no_backpack_is_refused(full: Store, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="at least 8 characters"):
        write_backup(full, tmp_path / "x", "short", kdf=FAST)
    with pytest.raises(BackupError, match="no backpack"):
        write_backup(Store(tmp_path / "none"), tmp_path / "y", PASSPHRASE, kdf=FAST)
    assert not (tmp_path / "none").exists()


def test_the_default_cost_round_trips(full: Store, tmp_path: Path) -> None:
    shutil.rmtree(full.blob_dir)  # a small backpack: the key derivation is what is measured here
    backup = tmp_path / "ada.backpack"
    write_backup(full, backup, PASSPHRASE)
    data = backup.read_bytes()
    assert json.loads(data[13 : 13 + struct.unpack(">I", data[9:13])[0]])["kdf"]["n"] == 2**17
    assert read_backup(backup, PASSPHRASE).counts["badges"] == 8
