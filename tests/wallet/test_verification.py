"""Verification from the wallet's side (``wallet.verification``): stored reports, refined summaries, identities."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import *  # noqa: F403 - the issuer_server and issuer fixtures
from cli_fixtures import EARNER, ISSUED_ON, local_policy
from issuer import IssuerFixture, IssuerServer, bake_png, json_text, qr_photo

from verifier import FetchPolicy
from wallet.importer import LoadedSource, import_bytes
from wallet.store import BadgeRecord, Store
from wallet.verification import earner_identities, is_stale, refresh_stale, verify_records, verify_sources


def import_one(store: Store, data: bytes, ref: str = "badge.png", kind: str = "file") -> BadgeRecord:
    [(record, created)] = import_bytes(store, LoadedSource(kind, ref, data))
    assert created
    return record


@pytest.fixture
def good(issuer: IssuerFixture) -> dict[str, Any]:
    return issuer.hosted_assertion("good", issued_on=ISSUED_ON)


def http_cache_urls(store: Store) -> list[str]:
    return [row["url"] for row in json.loads(store.db_path.read_bytes()).get("http_cache", {}).values()]


# -- verify_records ---------------------------------------------------------------------------------------------------


def test_reports_are_stored_with_their_badges(store: Store, issuer: IssuerFixture, good: dict[str, Any]) -> None:
    revoked = issuer.hosted_assertion("gone", issued_on=ISSUED_ON, revoked=True, revocationReason="Issued in error")
    records = [import_one(store, bake_png(json_text(good))), import_one(store, bake_png(json_text(revoked)), "b.png")]
    assert all(record.verification is None for record in records)

    results = verify_records(store, records, fetch_policy=local_policy())
    assert [(record.id, report.status) for record, report in results] == [
        (records[0].id, "valid"),
        (records[1].id, "revoked"),
    ]
    for (record, report), source in zip(results, ["badge.png", "b.png"], strict=True):
        stored = store.get_badge(record.id)
        assert stored.verification == report.to_dict()  # the report as returned
        assert record == stored  # what verify_records returns is what it stored
        assert stored.verification["checked_at"] == report.checked_at != ""
        assert stored.verification["source"] == source  # labelled with where the badge came from
    # The documents fetched went to the backpack's HTTP cache.
    assert {good["id"], revoked["id"], issuer.issuer_id, issuer.default_badge["id"]} <= set(http_cache_urls(store))


@pytest.mark.parametrize("form", ["QR photo", "bare URL"])
def test_summary_of_a_url_only_badge_is_filled_from_the_report(
    store: Store, issuer: IssuerFixture, good: dict[str, Any], form: str
) -> None:
    if form == "QR photo":
        record = import_one(store, qr_photo(good["id"]), "card.jpg")
    else:
        record = import_one(store, good["id"].encode(), "<stdin>", kind="text")
    assert record.payload_kind == "url" and record.version == "unknown"
    assert record.summary["name"] is None and record.summary["issuer_name"] is None

    [(refined, report)] = verify_records(store, [record], fetch_policy=local_policy())
    assert report.status == "valid"
    assert refined.version == "ob2"  # known once the assertion was fetched
    assert refined.summary["name"] == "Robotics Badge"
    assert refined.summary["issuer_name"] == "Example Issuer"
    assert refined.summary["issuer_id"] == issuer.issuer_id
    assert refined.summary["issued_on"] == ISSUED_ON
    assert store.get_badge(record.id) == refined
    assert refined.payload_blob == record.payload_blob  # the stored payload stays what was imported


def test_a_report_without_display_data_keeps_the_summary(
    store: Store, issuer_server: IssuerServer, good: dict[str, Any]
) -> None:
    record = import_one(store, qr_photo(good["id"]), "card.jpg")
    [(named, _report)] = verify_records(store, [record], fetch_policy=local_policy())
    assert named.summary["name"] == "Robotics Badge"
    issuer_server.serve(good["id"], b"", status=410)
    [(gone, report)] = verify_records(store, [named], fetch_policy=local_policy())
    assert report.status == "revoked" and report.badge.name is None
    assert gone.summary == named.summary


def test_inline_images_from_the_issuer_stay_out_of_the_summary(store: Store, issuer: IssuerFixture) -> None:
    data_uri = "data:image/png;base64," + "A" * 400
    issuer.badge_class("inline", image=data_uri)
    assertion = issuer.hosted_assertion("inline", issued_on=ISSUED_ON, badge=issuer.url("/badges/inline.json"))
    record = import_one(store, bake_png(json_text(assertion)))
    [(refined, report)] = verify_records(store, [record], fetch_policy=local_policy())
    assert report.badge.image == data_uri
    assert refined.summary["name"] == "Inline Badge"
    assert refined.summary["image"] is None
    assert store.get_badge(record.id).summary["image"] is None


def test_a_stored_report_keeps_the_database_small(store: Store, issuer: IssuerFixture) -> None:
    issuer.badge_class("big", image="data:image/png;base64," + "A" * 300_000, description="d" * 100_000)
    assertion = issuer.hosted_assertion(
        "big", issued_on=ISSUED_ON, badge=issuer.url("/badges/big.json"), evidence=[{"narrative": "x" * 300_000}]
    )
    record = import_one(store, bake_png(json_text(assertion)))
    [(_record, report)] = verify_records(store, [record], fetch_policy=local_policy())
    assert report.status == "valid"
    db_bytes = store.db_path.read_bytes()
    assert len(db_bytes) < 20_000, len(db_bytes)  # bounded text, like the summary's
    assert b"data:image" not in db_bytes  # the inline image is in the issuer's document, not in the database


def test_a_badge_removed_meanwhile_is_not_resurrected(
    store: Store, issuer: IssuerFixture, good: dict[str, Any]
) -> None:
    other = issuer.hosted_assertion("other", issued_on=ISSUED_ON)
    kept = import_one(store, bake_png(json_text(good)))
    removed = import_one(store, bake_png(json_text(other)), "other.png")
    records = store.list_badges()
    store.remove_badge(removed.id)  # e.g. by another process while the verification runs

    results = verify_records(store, records, fetch_policy=local_policy())
    assert [report.status for _record, report in results] == ["valid", "valid"]
    assert [record.id for record in store.list_badges()] == [kept.id]
    assert store.get_badge(kept.id).verification is not None
    # The removed badge's report is returned (it was verified), with the record as it was, but stored nowhere.
    [(stale, report)] = [(record, report) for record, report in results if record.id == removed.id]
    assert stale == removed and stale.verification is None
    assert store.save_reports({removed.id: report.to_dict()}) == []
    assert [record.id for record in store.list_badges()] == [kept.id]


def test_stored_identities_and_extra_recipients_are_checked(store: Store, good: dict[str, Any]) -> None:
    record = import_one(store, bake_png(json_text(good)))
    store.add_identity("email", "someone.else@example.org")
    assert earner_identities(store) == ("someone.else@example.org",)
    assert earner_identities(store, [EARNER, "someone.else@example.org"]) == (EARNER, "someone.else@example.org")

    [(_record, wrong)] = verify_records(store, [record], fetch_policy=local_policy())
    assert wrong.status == "invalid"
    assert wrong.decisive_check is not None and wrong.decisive_check.id == "recipient"
    [(_record, right)] = verify_records(store, [record], fetch_policy=local_policy(), recipients=[EARNER])
    assert right.status == "valid"
    assert right.check("recipient").message == f"issued to {EARNER} (hashed email)"  # type: ignore[union-attr]


def test_no_records_is_no_work(store: Store) -> None:
    assert verify_records(store, [], fetch_policy=FetchPolicy(offline=True)) == []
    assert not store.home.exists()


# -- verify_sources ---------------------------------------------------------------------------------------------------


def test_verify_sources_stores_no_badge_and_creates_no_backpack(store: Store, good: dict[str, Any]) -> None:
    [report] = verify_sources(store, [good["id"]], fetch_policy=local_policy())
    assert report.status == "valid"
    assert not store.home.exists()


def test_verify_sources_fills_an_existing_backpacks_cache_for_offline_use(
    store: Store, issuer_server: IssuerServer, good: dict[str, Any]
) -> None:
    store.add_identity("email", EARNER)  # the backpack exists, holding no badge
    [online] = verify_sources(store, [good["id"]], fetch_policy=local_policy())
    assert online.status == "valid"
    assert online.check("recipient").outcome == "passed"  # type: ignore[union-attr]
    assert store.list_badges() == []
    assert good["id"] in http_cache_urls(store)

    issuer_server.clear_log()
    [offline] = verify_sources(store, [good["id"]], fetch_policy=local_policy(offline=True))
    assert offline.status == "valid"
    assert "(cached copy from " in offline.check("fetched").message  # type: ignore[union-attr]
    assert issuer_server.requests == []


def test_verify_sources_reports_unreadable_inputs_in_place(store: Store, good: dict[str, Any], tmp_path: Path) -> None:
    noise = tmp_path / "noise.bin"
    noise.write_bytes(random.Random(5).randbytes(2048))
    missing = tmp_path / "missing.png"
    baked = tmp_path / "good.png"
    baked.write_bytes(bake_png(json_text(good)))
    sources = [str(noise), str(baked), str(missing), "-"]
    reports = verify_sources(store, sources, fetch_policy=local_policy(), stdin=good["id"].encode())
    assert [r.source for r in reports] == sources
    assert [r.status for r in reports] == ["invalid", "valid", "invalid", "valid"]
    for report in (reports[0], reports[2]):
        [check] = report.checks
        assert (check.id, check.outcome) == ("extracted", "failed")
        assert report.checked_at  # dated like the others
    assert "unrecognised file" in reports[0].checks[0].message
    assert reports[2].checks[0].message == f"no such file: {missing}"


# -- refresh_stale ----------------------------------------------------------------------------------------------------


def _backdate(store: Store, badge_id: str, checked_at: str) -> None:
    with store.transaction(write=True) as db:
        row = db.get("badges", id=badge_id)
        assert row is not None
        db.update("badges", {"verification": {**row["verification"], "checked_at": checked_at}}, id=badge_id)


def test_refresh_stale_verifies_only_the_results_older_than_the_limit(
    store: Store, issuer: IssuerFixture, good: dict[str, Any]
) -> None:
    other = issuer.hosted_assertion("other", issued_on=ISSUED_ON)
    third = issuer.hosted_assertion("third", issued_on=ISSUED_ON)
    old, fresh, never = (
        import_one(store, bake_png(json_text(good))),
        import_one(store, bake_png(json_text(other)), "b.png"),
        import_one(store, third["id"].encode(), "<stdin>", kind="text"),
    )
    verify_records(store, [old, fresh], fetch_policy=local_policy())
    _backdate(store, old.id, "2020-01-01T00:00:00Z")
    before = {record.id: record.checked_at for record in store.list_badges()}

    refreshed = refresh_stale(
        store, [old.id, fresh.id, never.id], fetch_policy=local_policy(), max_age=timedelta(minutes=10)
    )
    assert sorted(record.id for record in refreshed) == sorted([old.id, never.id])
    after = {record.id: record for record in store.list_badges()}
    assert after[fresh.id].checked_at == before[fresh.id]  # fresh enough: left alone
    assert after[old.id].checked_at != "2020-01-01T00:00:00Z" and after[old.id].status == "valid"
    assert after[never.id].status == "valid"
    # Run again (a refresh scheduled twice): nothing is stale any more, nothing is verified.
    assert refresh_stale(store, [old.id, never.id], fetch_policy=local_policy(), max_age=timedelta(minutes=10)) == []


@pytest.mark.parametrize(
    ("checked_at", "stale"),
    [
        (None, True),
        ("not a time", True),
        ("2026-06-01T11:55:00Z", False),
        ("2026-06-01T11:55:00", False),  # no zone: read as UTC
        ("2026-06-01T11:45:00+00:00", True),
    ],
)
def test_is_stale(store: Store, checked_at: str | None, stale: bool) -> None:
    report = None if checked_at is None else {"source": "x", "checked_at": checked_at, "status": "valid"}
    record = BadgeRecord.from_dict(
        {
            "id": "abcdef0123",
            "key": "id:https://issuer.example/a",
            "version": "ob2",
            "payload_kind": "url",
            "payload_blob": "0" * 64,
            "summary": {},
            "source": {"kind": "text", "ref": "-", "blob": "0" * 64, "media_type": "", "container": "", "location": ""},
            "imported_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "verification": report,
        }
    )
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert is_stale(record, timedelta(minutes=10), now=now) is stale
