"""Collections (``wallet.badge_collections``) and the backpack's holder key (``wallet.holder``)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from verifier import Report
from wallet import badge_collections as collections
from wallet.badge_collections import CollectionError
from wallet.errors import NotFound, StoreError
from wallet.holder import holder
from wallet.importer import LoadedSource, import_bytes
from wallet.store import Store

VALID = ["Python Foundations", "Data Literacy", "Accessible Web Design", "Git Essentials"]
EXPIRED = ["Cloud Fundamentals", "Spreadsheet Basics"]
REVOKED = ["Team Leadership", "Community Mentor"]


@pytest.fixture
def ids(demo: Store) -> dict[str, str]:
    """Badge ids of the demo backpack by badge name."""
    return {str(record.summary["name"]): record.id for record in demo.list_badges()}


def badge_ids(store: Store, name: str) -> list[str]:
    return collections.get_collection(store, name).badge_ids


# -- create, find, rename, update, delete ------------------------------------------------------------------------------


def test_create_list_get_and_delete(demo: Store, ids: dict[str, str]) -> None:
    assert collections.list_collections(demo) == []
    created = collections.create_collection(
        demo,
        "  Data   engineer  ",
        description="What I bring to a data team.",
        tags=["data", " python ", "data", "  "],
        planned=["Spark Basics", "  ", " Airflow "],
    )
    assert created.name == "Data engineer"  # whitespace collapsed
    assert created.description == "What I bring to a data team."
    assert created.tags == ["data", "python"]  # stripped, deduplicated, sorted; blanks dropped
    assert created.planned == ["Spark Basics", "Airflow"]
    assert created.badge_ids == []
    assert len(created.id) == 10 and created.created_at == created.updated_at != ""
    other = collections.create_collection(demo, "Teaching")
    assert {c.id for c in collections.list_collections(demo)} == {created.id, other.id}

    for ref in ["Data engineer", "data ENGINEER", "  Data engineer ", "Data   engineer", created.id, created.id[:4]]:
        assert collections.get_collection(demo, ref) == created, ref
    assert collections.get_collection(demo, created.id.upper()) == created

    deleted = collections.delete_collection(demo, "data engineer")
    assert deleted == created
    assert [c.name for c in collections.list_collections(demo)] == ["Teaching"]
    with pytest.raises(NotFound):
        collections.get_collection(demo, created.id)
    with pytest.raises(NotFound):
        collections.delete_collection(demo, "Data engineer")
    assert len(demo.list_badges()) == len(ids)  # deleting a collection never deletes badges


def test_names_are_required_bounded_and_unique_ignoring_case(demo: Store) -> None:
    for bad in ["", "   ", "\t\n"]:
        with pytest.raises(CollectionError, match="needs a name"):
            collections.create_collection(demo, bad)
    with pytest.raises(CollectionError, match="at most"):
        collections.create_collection(demo, "x" * 201)
    assert collections.create_collection(demo, "x" * 200).name == "x" * 200

    collections.create_collection(demo, "Job Profile")
    for clash in ["Job Profile", "job profile", "JOB   PROFILE", " job profile "]:
        with pytest.raises(CollectionError, match="already exists"):
            collections.create_collection(demo, clash)
    assert len(collections.list_collections(demo)) == 2


def test_lookup_by_unknown_name_or_too_short_prefix_is_not_found(demo: Store) -> None:
    created = collections.create_collection(demo, "Path")
    for ref in ["Paths", "nope", created.id[:3], created.id + "0", ""]:
        with pytest.raises(NotFound):
            collections.get_collection(demo, ref)


def test_a_name_wins_over_an_id_prefix(demo: Store) -> None:
    first = collections.create_collection(demo, "First")
    named_like_an_id = collections.create_collection(demo, first.id[:6])
    assert collections.get_collection(demo, first.id[:6]) == named_like_an_id
    assert collections.get_collection(demo, first.id) == first


def test_rename(demo: Store) -> None:
    created = collections.create_collection(demo, "Old name")
    renamed = collections.rename_collection(demo, "old name", "  New   name ")
    assert (renamed.id, renamed.name) == (created.id, "New name")
    with pytest.raises(NotFound):
        collections.get_collection(demo, "Old name")
    assert collections.get_collection(demo, "new name").id == created.id
    # Renaming to its own name in another case is not a clash.
    assert collections.rename_collection(demo, created.id, "NEW NAME").name == "NEW NAME"


def test_rename_clash_changes_nothing(demo: Store) -> None:
    collections.create_collection(demo, "Alpha")
    beta = collections.create_collection(demo, "Beta")
    with pytest.raises(CollectionError, match="already exists"):
        collections.rename_collection(demo, "beta", "alpha")
    with pytest.raises(CollectionError, match="needs a name"):
        collections.rename_collection(demo, "beta", "  ")
    with pytest.raises(NotFound):
        collections.rename_collection(demo, "gamma", "Delta")
    assert sorted(c.name for c in collections.list_collections(demo)) == ["Alpha", "Beta"]
    assert collections.get_collection(demo, "Beta") == beta


def test_update_description_tags_and_planned_steps(demo: Store, ids: dict[str, str]) -> None:
    collections.create_collection(demo, "Path", description="first", tags=["a"], planned=["Step 1"])
    collections.add_badges(demo, "Path", [ids["Data Literacy"]])
    updated = collections.update_collection(demo, "path", tags=["z", "b", "z"])
    assert (updated.description, updated.tags, updated.planned) == ("first", ["b", "z"], ["Step 1"])
    updated = collections.update_collection(demo, "path", description="second", planned=["Step 2", "Step 3"])
    assert (updated.description, updated.tags, updated.planned) == ("second", ["b", "z"], ["Step 2", "Step 3"])
    assert updated.badge_ids == [ids["Data Literacy"]]  # untouched
    assert collections.get_collection(demo, "Path") == updated


# -- badges in a collection ----------------------------------------------------------------------------------------


def test_add_keeps_order_ignores_duplicates_and_resolves_id_prefixes(demo: Store, ids: dict[str, str]) -> None:
    collections.create_collection(demo, "Stack")
    py, dl, git = ids["Python Foundations"], ids["Data Literacy"], ids["Git Essentials"]
    updated = collections.add_badges(demo, "Stack", [dl[:4], py, dl])
    assert updated.badge_ids == [dl, py]
    updated = collections.add_badges(demo, "stack", [py.upper(), git, git])  # already there: ignored; new at the end
    assert updated.badge_ids == [dl, py, git]
    assert badge_ids(demo, "Stack") == [dl, py, git]


def test_add_of_an_unknown_badge_is_not_found_and_adds_nothing(demo: Store, ids: dict[str, str]) -> None:
    collections.create_collection(demo, "Stack")
    for unknown in ["0000000000", "abc", "", ids["Data Literacy"] + "ff"]:
        with pytest.raises(NotFound):
            collections.add_badges(demo, "Stack", [ids["Python Foundations"], unknown])
    assert badge_ids(demo, "Stack") == []
    with pytest.raises(NotFound):
        collections.add_badges(demo, "No such collection", [ids["Python Foundations"]])


def test_remove(demo: Store, ids: dict[str, str]) -> None:
    py, dl, git = ids["Python Foundations"], ids["Data Literacy"], ids["Git Essentials"]
    collections.create_collection(demo, "Stack")
    collections.add_badges(demo, "Stack", [py, dl, git])
    assert collections.remove_badges(demo, "Stack", [dl[:5]]).badge_ids == [py, git]
    with pytest.raises(CollectionError, match="not in 'Stack'"):
        collections.remove_badges(demo, "Stack", [dl])
    with pytest.raises(CollectionError):  # one of them not in it: nothing removed
        collections.remove_badges(demo, "Stack", [py, dl])
    with pytest.raises(NotFound):
        collections.remove_badges(demo, "Stack", ["0000000000"])
    assert badge_ids(demo, "Stack") == [py, git]
    assert len(demo.list_badges()) == len(ids)  # the badge stays in the backpack


def test_reorder_puts_the_given_badges_first_and_keeps_the_rest_in_order(demo: Store, ids: dict[str, str]) -> None:
    a, b, c, d, e = (ids[name] for name in VALID + ["Cloud Fundamentals"])
    collections.create_collection(demo, "Path")
    collections.add_badges(demo, "Path", [a, b, c, d, e])
    assert collections.reorder(demo, "Path", [d, b]).badge_ids == [d, b, a, c, e]
    assert collections.reorder(demo, "Path", [e[:4], e]).badge_ids == [e, d, b, a, c]
    assert collections.reorder(demo, "Path", [a, b, c, d, e]).badge_ids == [a, b, c, d, e]
    outside = ids["Team Leadership"]
    with pytest.raises(CollectionError, match=outside):
        collections.reorder(demo, "Path", [b, outside])
    with pytest.raises(NotFound):
        collections.reorder(demo, "Path", ["0000000000"])
    assert badge_ids(demo, "Path") == [a, b, c, d, e]


def test_a_badge_in_several_collections(demo: Store, ids: dict[str, str]) -> None:
    py, dl = ids["Python Foundations"], ids["Data Literacy"]
    for name in ["Data path", "Job profile", "Teaching"]:
        collections.create_collection(demo, name)
    collections.add_badges(demo, "Data path", [py, dl])
    collections.add_badges(demo, "Job profile", [dl, py])
    collections.add_badges(demo, "Teaching", [dl])
    collections.remove_badges(demo, "Data path", [py])  # taking it out of one leaves the others alone
    assert badge_ids(demo, "Data path") == [dl]
    assert badge_ids(demo, "Job profile") == [dl, py]

    touched = collections.remove_badge_everywhere(demo, dl)
    assert sorted(touched) == ["Data path", "Job profile", "Teaching"]
    assert {c.name: c.badge_ids for c in collections.list_collections(demo)} == {
        "Data path": [],
        "Job profile": [py],
        "Teaching": [],
    }
    assert collections.remove_badge_everywhere(demo, dl) == []
    assert collections.remove_badge_everywhere(demo, "0000000000") == []


def test_collections_persist_across_store_instances(demo: Store, ids: dict[str, str]) -> None:
    py, dl = ids["Python Foundations"], ids["Data Literacy"]
    created = collections.create_collection(demo, "Path", description="d", tags=["t"], planned=["Next"])
    collections.add_badges(demo, "Path", [py, dl])
    collections.reorder(demo, "Path", [dl])
    again = Store(demo.home)
    loaded = collections.get_collection(again, "path")
    assert (loaded.id, loaded.name, loaded.description, loaded.tags) == (created.id, "Path", "d", ["t"])
    assert (loaded.badge_ids, loaded.planned) == ([dl, py], ["Next"])
    assert loaded.created_at == created.created_at <= loaded.updated_at
    collections.rename_collection(again, "Path", "Renamed")
    assert [c.name for c in collections.list_collections(Store(demo.home))] == ["Renamed"]


# -- progress ------------------------------------------------------------------------------------------------------


def test_progress_of_a_learning_path_with_planned_steps(demo: Store, ids: dict[str, str]) -> None:
    collections.create_collection(demo, "Path", planned=["Spark Basics", "Airflow"])
    collections.add_badges(demo, "Path", [ids[name] for name in VALID[:3]])
    badges = {record.id: record for record in demo.list_badges()}
    progress = collections.progress(collections.get_collection(demo, "Path"), badges)
    assert (progress.earned, progress.total, progress.statuses) == (3, 5, {"valid": 3})
    assert progress.text == "3 of 5 earned"


def test_progress_without_planned_steps_counts_the_badges(demo: Store, ids: dict[str, str]) -> None:
    collections.create_collection(demo, "Profile")
    collections.add_badges(demo, "Profile", [ids[name] for name in VALID])
    badges = {record.id: record for record in demo.list_badges()}
    assert collections.progress(collections.get_collection(demo, "Profile"), badges).text == "4 badges"
    empty = collections.create_collection(demo, "Empty", planned=["One", "Two"])
    assert collections.progress(empty, badges).text == "0 of 2 earned"


def test_revoked_and_expired_badges_are_shown_not_dropped(demo: Store, ids: dict[str, str]) -> None:
    collections.create_collection(demo, "Path", planned=["Next step"])
    collections.add_badges(demo, "Path", [ids[name] for name in VALID[:2] + EXPIRED + REVOKED[:1]])
    badges = {record.id: record for record in demo.list_badges()}
    progress = collections.progress(collections.get_collection(demo, "Path"), badges)
    # Held but not earned: only valid badges count as earned, and the others are named, so nothing disappears.
    assert (progress.earned, progress.total) == (2, 6)
    assert progress.statuses == {"valid": 2, "expired": 2, "revoked": 1}
    assert progress.text == "2 of 6 earned · 2 expired · 1 revoked"


def test_a_badge_found_revoked_later_shows_in_the_progress(demo: Store, ids: dict[str, str]) -> None:
    py = ids["Python Foundations"]
    collections.create_collection(demo, "Path")
    collections.add_badges(demo, "Path", [py, ids["Data Literacy"]])
    before = {record.id: record for record in demo.list_badges()}
    assert collections.progress(collections.get_collection(demo, "Path"), before).text == "2 badges"

    report = Report.from_dict(demo.get_badge(py).verification)  # type: ignore[arg-type]
    report.add("revocation", "failed", "revoked by the issuer")
    demo.save_reports({py: report.to_dict()})
    after = {record.id: record for record in demo.list_badges()}
    assert collections.progress(collections.get_collection(demo, "Path"), after).text == "1 of 2 earned · 1 revoked"


def test_a_badge_never_verified_counts_as_unchecked(store: Store, demo_file_bytes: dict[str, bytes]) -> None:
    [(record, _created)] = import_bytes(
        store, LoadedSource("file", "py.png", demo_file_bytes["python-foundations.png"])
    )
    assert record.verification is None
    collections.create_collection(store, "Path", planned=["Later"])
    collection = collections.add_badges(store, "Path", [record.id])
    progress = collections.progress(collection, {record.id: record})
    assert progress.statuses == {"unchecked": 1}
    assert progress.text == "0 of 2 earned · 1 not checked yet"


def test_progress_names_every_way_a_badge_falls_short(demo: Store, ids: dict[str, str]) -> None:
    collections.create_collection(demo, "Job")
    collections.add_badges(demo, "Job", [ids[name] for name in VALID[:2] + EXPIRED[:1] + ["Git Essentials"]])
    report = Report.from_dict(demo.get_badge(ids["Git Essentials"]).verification)  # type: ignore[arg-type]
    report.add("fetched", "error", "could not fetch the issuer")
    demo.save_reports({ids["Git Essentials"]: report.to_dict()})
    badges = {record.id: record for record in demo.list_badges()}
    progress = collections.progress(collections.get_collection(demo, "Job"), badges)
    assert progress.text == "2 of 4 earned · 1 expired · 1 could not be checked"


# -- the holder key ------------------------------------------------------------------------------------------------


def key_mode(home: Path) -> int:
    return stat.S_IMODE((home / "holder-key.pem").stat().st_mode)


def test_holder_key_is_created_once_with_mode_0600(store: Store) -> None:
    assert not store.home.exists()
    first = holder(store)
    path = store.home / "holder-key.pem"
    assert key_mode(store.home) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert first.did.startswith("did:key:z6Mk")  # an Ed25519 multikey
    assert first.verification_method == f"{first.did}#{first.did.removeprefix('did:key:')}"
    written = path.read_bytes()

    again = holder(Store(store.home))
    assert again.did == first.did
    assert path.read_bytes() == written  # reused, never rewritten
    assert [p.name for p in store.home.iterdir() if "holder-key" in p.name] == ["holder-key.pem"]  # no temp left


def test_each_backpack_has_its_own_holder(tmp_path: Path) -> None:
    assert holder(Store(tmp_path / "a")).did != holder(Store(tmp_path / "b")).did


def test_an_unreadable_holder_key_is_a_store_error(store: Store) -> None:
    store.home.mkdir(parents=True)
    (store.home / "holder-key.pem").write_bytes(b"not a key")
    with pytest.raises(StoreError, match="unreadable"):
        holder(store)


def race_for_the_key(store: Store, contenders: int) -> tuple[list[str], list[BaseException]]:
    """``holder(store)`` called by several threads at once: the dids they got and the errors they met."""
    barrier = threading.Barrier(contenders)
    dids: list[str] = []
    errors: list[BaseException] = []

    def make_key() -> None:
        barrier.wait()
        try:
            dids.append(holder(store).did)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=make_key) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return dids, errors


def test_two_threads_racing_end_with_one_key(tmp_path: Path) -> None:
    for round_ in range(20):  # the race window is small: try it several times
        store = Store(tmp_path / f"home-{round_}")
        dids, errors = race_for_the_key(store, 4)
        assert errors == []
        assert len(dids) == 4 and set(dids) == {holder(store).did}
        assert [p.name for p in store.home.iterdir() if "holder-key" in p.name] == ["holder-key.pem"]


_MAKE_KEY = r"""
import sys, time
from pathlib import Path
from wallet.holder import holder
from wallet.store import Store

store, go = Store(sys.argv[1]), Path(sys.argv[2])
print("ready", flush=True)
deadline = time.monotonic() + 20
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("no go signal")
    time.sleep(0.001)
print(holder(store).did, flush=True)
"""


@pytest.mark.slow
def test_two_processes_racing_end_with_one_key(tmp_path: Path) -> None:
    home, go = tmp_path / "home", tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _MAKE_KEY, str(home), str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err.decode()
        results.append(out.decode().strip())
    assert len(set(results)) == 1
    assert results[0] == holder(Store(home)).did
    assert key_mode(home) == 0o600
    assert [p.name for p in home.iterdir() if "holder-key" in p.name] == ["holder-key.pem"]


def test_collections_made_in_the_same_second_are_distinct(demo: Store) -> None:
    made = [collections.create_collection(demo, f"C{n}") for n in range(5)]
    assert len({c.id for c in made}) == 5
    assert sorted(c.name for c in collections.list_collections(demo)) == [f"C{n}" for n in range(5)]
    assert [json.loads(json.dumps(c.to_dict())) for c in made] == [c.to_dict() for c in made]  # plain JSON data
