"""Batched writes: ``Store.upsert_badges`` stores many badges in one write of the database, their blobs made durable
first, and the importer stores its sources in batches that survive a failure part-way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from verifier import FetchPolicy, bake, classify_payload
from wallet import importer
from wallet.importer import ImportProgress, LoadedSource, import_and_verify, import_bytes, import_uploads
from wallet.store import BadgeRecord, SourceRef, Store, badge_id_for_key

OFFLINE = FetchPolicy(offline=True)


def _record(store: Store, name: str, *, summary_name: str | None = None) -> BadgeRecord:
    key = f"id:https://issuer.example/assertions/{name}.json"
    return BadgeRecord(
        id=badge_id_for_key(key),
        key=key,
        version="ob2",
        payload_kind="json",
        payload_blob=store.stage_blob(f'{{"id": "{name}"}}'.encode()),
        summary={"name": summary_name or name, "description": None},
        source=SourceRef("file", f"{name}.png", store.stage_blob(name.encode() * 10), "image/png", "png", "iTXt"),
        imported_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )


def _baked(number: int, png: bytes) -> bytes:
    return bake(png, classify_payload(f"https://issuer.example/assertions/{number}.json"))


@pytest.fixture
def png(badge_files: dict[str, Path]) -> bytes:
    return next(p for p in badge_files.values() if p.suffix == ".png" and "qr" not in p.name).read_bytes()


def test_a_batch_merges_duplicates_as_one_badge_at_a_time_would(store: Store, tmp_path: Path) -> None:
    one_by_one = Store(tmp_path / "one-by-one")
    for target in (store, one_by_one):
        target.upsert_badge(_record(target, "old"))
    batch = [
        _record(store, "new"),
        _record(store, "new", summary_name="New, renamed"),  # twice in the same batch
        _record(store, "old", summary_name="Old, renamed"),  # already stored
        _record(store, "other"),
    ]
    stored = store.upsert_badges(batch)
    singly = [one_by_one.upsert_badge(record) for record in batch]

    assert [created for _record, created in stored] == [True, False, False, True]
    assert [(r.to_dict(), created) for r, created in stored] == [(r.to_dict(), created) for r, created in singly]
    assert stored[1][0].id == stored[0][0].id and stored[1][0].info.name == "New, renamed"
    assert [r.to_dict() for r in store.list_badges()] == [r.to_dict() for r in one_by_one.list_badges()]
    assert len(store.list_badges()) == 3


def test_a_batch_writes_the_database_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.upsert_badge(_record(store, "existing"))
    replaced: list[str] = []
    real_replace = os.replace

    def counting_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        replaced.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", counting_replace)
    records = [_record(store, f"b{n}") for n in range(50)] + [_record(store, "existing", summary_name="Updated")]
    store.upsert_badges(records)
    assert replaced.count("backpack.json") == 1  # inserts and the update together


def test_blobs_are_durable_before_the_database_names_them(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [_record(store, f"b{n}") for n in range(20)]
    events: list[str] = []
    real_fsync = os.fsync

    def noting_fsync(fd: int) -> None:
        events.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", noting_fsync)
    store.upsert_badges(records)
    named = {r.payload_blob for r in records} | {r.source.blob for r in records}
    database_flush = next(n for n, path in enumerate(events) if ".backpack.json." in path)
    flushed_before = {Path(path).name for path in events[:database_flush]}
    assert named <= flushed_before and str(store.blob_dir) in events[:database_flush]


def test_a_failure_before_the_database_write_leaves_the_earlier_batches(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.upsert_badges([_record(store, "first"), _record(store, "second")])

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    batch = [_record(store, "third"), _record(store, "first", summary_name="Renamed")]
    monkeypatch.setattr("wallet.store.atomic_write", disk_full)
    with pytest.raises(OSError):
        store.upsert_badges(batch)
    monkeypatch.undo()
    assert {r.info.name for r in store.list_badges()} == {"first", "second"}  # none of the failed batch
    assert not [p for p in store.home.iterdir() if p.name.endswith(".tmp")]
    # Its blobs are there and whole: storing the batch again works, and reads them back.
    [(third, created), _] = store.upsert_badges(batch)
    assert created and store.read_blob(third.payload_blob) == b'{"id": "third"}'


def test_a_short_blob_left_by_a_power_cut_is_written_again(store: Store) -> None:
    digest = store.stage_blob(b"the whole blob")
    (store.blob_dir / digest).write_bytes(b"the wh")  # what a power cut may leave of a blob never flushed
    assert store.stage_blob(b"the whole blob") == digest
    assert store.read_blob(digest) == b"the whole blob"


def test_import_reports_every_source_in_order_and_stores_in_batches(
    store: Store, png: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "_BATCH_SOURCES", 4)
    monkeypatch.setattr(importer, "_BATCH_SECONDS", 3600.0)
    monkeypatch.setattr(importer, "_WRITE_SHARE", 0.0)
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(10):
        (folder / f"badge-{number:02}.png").write_bytes(_baked(number, png))
    (folder / "badge-03z.png").write_bytes(_baked(3, png))  # the same badge again, in the same batch
    (folder / "notes.txt").write_bytes(b"\xff not a badge")
    writes: list[int] = []
    real = Store.upsert_badges

    def counting(self: Store, records: list[BadgeRecord]) -> list[tuple[BadgeRecord, bool]]:
        writes.append(len(records))
        return real(self, records)

    monkeypatch.setattr(Store, "upsert_badges", counting)
    steps: list[ImportProgress] = []
    reported_unstored: list[str] = []

    def progress(step: ImportProgress) -> None:
        steps.append(step)
        held = {r.id for r in Store(store.home).list_badges()}  # another reader, at the moment of the report
        reported_unstored.extend(r.source for r in step.results if r.record is not None and r.record.id not in held)

    outcome = import_and_verify(store, [str(folder)], policy=OFFLINE, verify=False, progress=progress)

    assert writes == [4, 4, 3]  # 12 sources by 4; the text file has no badge
    imported = [s for s in steps if s.stage == "imported"]
    assert [s.done for s in imported] == list(range(1, 13))
    assert [Path(s.source).name for s in imported] == sorted(p.name for p in folder.iterdir())
    created = {Path(r.source).name: r.created for r in outcome.results if r.record is not None}
    assert created["badge-03.png"] is True and created["badge-03z.png"] is False
    assert len(store.list_badges()) == 10 and len(outcome.failures) == 1
    assert reported_unstored == []  # progress reports a badge once it is stored


def test_what_was_read_before_an_interrupt_is_stored(store: Store, png: bytes, tmp_path: Path) -> None:
    folder = tmp_path / "some"
    folder.mkdir()
    for number in range(6):
        (folder / f"badge-{number}.png").write_bytes(_baked(number, png))
    seen: list[str] = []

    def progress(step: ImportProgress) -> None:
        if step.stage == "importing":
            seen.append(step.source)
            if len(seen) == 5:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_and_verify(store, [str(folder)], policy=OFFLINE, verify=False, progress=progress)
    assert len(store.list_badges()) == 4  # the four sources read before the fifth was announced


def test_uploads_are_stored_in_batches_in_order(store: Store, png: bytes) -> None:
    files = [(f"badge-{n}.png", _baked(n, png)) for n in range(5)]
    files.insert(2, ("junk.bin", b"\x00\x01 nothing"))
    files.append(("badge-1-again.png", _baked(1, png)))
    outcome = import_uploads(store, files, policy=OFFLINE, verify=False)
    assert [r.source for r in outcome.results] == [name for name, _data in files]
    assert [r.created for r in outcome.results if r.record] == [True, True, True, True, True, False]
    assert len(store.list_badges()) == 5


def test_import_bytes_alone_stores_at_once(store: Store, png: bytes) -> None:
    [(record, created)] = import_bytes(store, LoadedSource("file", "one.png", _baked(1, png)))
    assert created and [r.id for r in Store(store.home).list_badges()] == [record.id]
    assert store.read_blob(record.source.blob) == _baked(1, png)
