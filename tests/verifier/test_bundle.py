"""Portfolio bundles: ``wallet.bundle.build_bundle`` signs a collection, ``verifier.verify`` checks it and each badge.

Everything runs offline against a demo backpack (its issuers exist only in its HTTP cache).
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier import FetchPolicy, Report, VerifierPolicy, classify_payload, verify
from verifier._did.keys import encode_multikey
from verifier._ob3.integrity import sign_eddsa_rdfc_2022
from wallet import badge_collections as collections
from wallet.bundle import BundleError, build_bundle
from wallet.cache import StoreResponseCache
from wallet.holder import holder
from wallet.importer import LoadedSource, import_bytes
from wallet.store import Store
from wallet.verification import stored_payload, verify_sources

OFFLINE = FetchPolicy(offline=True)
VC2 = "https://www.w3.org/ns/credentials/v2"
JWT_PREFIX = "data:application/vc+jwt,"
HOSTED = "Python Foundations"  # OB 2.0 hosted (baked PNG)
SIGNED = "Data Literacy"  # OB 2.0 signed (JWS in an SVG)
DATA_INTEGRITY = "Accessible Web Design"  # OB 3.0 eddsa-rdfc-2022
JWT = "Git Essentials"  # OB 3.0 VC-JWT
FOUR_FORMS = [HOSTED, JWT, SIGNED, DATA_INTEGRITY]
FORMATS = {HOSTED: "ob2-hosted", SIGNED: "ob2-signed", DATA_INTEGRITY: "ob3-data-integrity", JWT: "ob3-jwt"}


@pytest.fixture
def ids(demo: Store) -> dict[str, str]:
    return {str(record.summary["name"]): record.id for record in demo.list_badges()}


def export(
    store: Store, names: list[str], ids: dict[str, str], *, name: str = "Job profile", description: str = ""
) -> tuple[dict[str, Any], list[str]]:
    collections.create_collection(store, name, description=description, planned=["Kubernetes"])
    if names:
        collections.add_badges(store, name, [ids[n] for n in names])
    return build_bundle(store, collections.get_collection(store, name), fetch_policy=OFFLINE)


def check(store: Store, bundle: dict[str, Any] | str) -> Report:
    text = bundle if isinstance(bundle, str) else json.dumps(bundle)
    return verify(classify_payload(text), policy=VerifierPolicy(fetch=OFFLINE), cache=StoreResponseCache(store))


def outcome(report: Report, check_id: str) -> str | None:
    found = report.check(check_id)
    return found.outcome if found else None


def item_by_name(report: Report, name: str) -> Report:
    [item] = [item for item in report.items if item.badge.name == name]
    return item


def tamper_one_byte(text: str, old: str, new: str) -> str:
    """``text`` with its only occurrence of ``old`` replaced by ``new``, which differs from it by one character."""
    assert text.count(old) == 1, old
    assert len(old) == len(new) and sum(a != b for a, b in zip(old, new, strict=True)) == 1
    changed = text.replace(old, new)
    assert sum(a != b for a, b in zip(text, changed, strict=True)) == 1
    return changed


def flip(char: str) -> str:
    return "B" if char != "B" else "C"


# -- the round trip ------------------------------------------------------------------------------------------------


def test_round_trip_with_the_four_forms_is_valid(demo: Store, ids: dict[str, str]) -> None:
    bundle, warnings = export(demo, FOUR_FORMS, ids, description="Badges for a data engineering role.")
    assert warnings == []
    report = check(demo, bundle)
    assert report.status == "valid", report.to_dict()
    assert report.format == "bundle"
    assert outcome(report, "holder") == "passed"
    assert outcome(report, "json_ld") == "passed"
    assert report.badge.name == "Job profile"
    assert report.badge.description == "Badges for a data engineering role."
    assert report.badge.recipient == holder(demo).did
    assert report.badge_id == bundle["id"]
    assert [(item.badge.name, item.format, item.status) for item in report.items] == [
        (name, FORMATS[name], "valid") for name in FOUR_FORMS
    ]
    # The JSON form keeps the items, and reads back to the same statuses.
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.status == "valid" and [i.status for i in again.items] == ["valid"] * 4


def test_bundle_layout(demo: Store, ids: dict[str, str]) -> None:
    bundle, _warnings = export(demo, FOUR_FORMS, ids, description="For recruiters.")
    me = holder(demo)
    assert bundle["@context"][0] == VC2
    assert "VerifiablePresentation" in bundle["type"]
    assert bundle["holder"] == me.did and me.did.startswith("did:key:z6Mk")
    assert bundle["id"].startswith("urn:uuid:")
    assert (bundle["name"], bundle["description"]) == ("Job profile", "For recruiters.")

    proof = bundle["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == me.verification_method
    assert proof["verificationMethod"].startswith(me.did + "#")
    assert proof["proofValue"].startswith("z")

    # OB 3.0 credentials as issued: the JSON one with its own proof, the VC-JWT enveloped in a data: URL.
    stored = {name: stored_payload(demo, demo.get_badge(ids[name])) for name in FOUR_FORMS}
    credentials = bundle["verifiableCredential"]
    assert len(credentials) == 2
    assert stored[DATA_INTEGRITY].claims in credentials
    assert stored[DATA_INTEGRITY].claims["proof"]["cryptosuite"] == "eddsa-rdfc-2022"  # type: ignore[index]
    [enveloped] = [c for c in credentials if c.get("type") == "EnvelopedVerifiableCredential"]
    assert enveloped["id"] == JWT_PREFIX + stored[JWT].text
    assert enveloped["@context"] == VC2

    # OB 2.0 badges: the signed one as its JWS, the hosted one as its URL with a marked, timed snapshot.
    badges = {badge["kind"]: badge for badge in bundle["portfolio"]["openBadges2"]}
    assert set(badges) == {"signed", "hosted"}
    assert badges["signed"]["jws"] == stored[SIGNED].text
    hosted = badges["hosted"]
    assert hosted["url"] == "https://badges.open-learning-lab.example/assertions/python-foundations.json"
    assert hosted["snapshot"]["assertion"]["id"] == hosted["url"]
    assert hosted["snapshot"]["badgeClass"]["name"] == HOSTED
    assert hosted["snapshot"]["issuer"]["name"] == "Open Learning Lab"
    assert datetime.fromisoformat(hosted["snapshotAt"].replace("Z", "+00:00")).tzinfo is not None
    assert "snapshot" in hosted["note"] and "online" in hosted["note"]

    # The collection: its name, description, planned steps and order.
    portfolio = bundle["portfolio"]
    assert portfolio["collection"]["name"] == "Job profile"
    assert portfolio["collection"]["description"] == "For recruiters."
    assert portfolio["collection"]["planned"] == ["Kubernetes"]
    assert [entry["badge"] for entry in portfolio["order"]] == [ids[name] for name in FOUR_FORMS]
    assert [entry["name"] for entry in portfolio["order"]] == FOUR_FORMS


def test_the_holder_key_never_leaves_the_backpack(demo: Store, ids: dict[str, str]) -> None:
    bundle, _warnings = export(demo, [DATA_INTEGRITY], ids)
    text = json.dumps(bundle)
    pem = (demo.home / "holder-key.pem").read_text()
    assert "PRIVATE" not in text
    body = "".join(pem.splitlines()[1:-1])
    assert body not in text and body[:40] not in text


def test_the_same_holder_signs_every_bundle_of_a_backpack(demo: Store, ids: dict[str, str]) -> None:
    first, _ = export(demo, [DATA_INTEGRITY], ids, name="One")
    second, _ = export(demo, [JWT], ids, name="Two")
    assert first["holder"] == second["holder"] == holder(demo).did
    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    "order",
    [
        [DATA_INTEGRITY, SIGNED, JWT, HOSTED],
        [SIGNED, HOSTED, DATA_INTEGRITY, JWT],
        ["Spreadsheet Basics", JWT, "Team Leadership", HOSTED, "Cloud Fundamentals", SIGNED],
    ],
)
def test_items_come_in_the_collections_order(demo: Store, ids: dict[str, str], order: list[str]) -> None:
    bundle, _warnings = export(demo, order, ids)
    assert [item.badge.name for item in check(demo, bundle).items] == order


def test_reordering_the_collection_reorders_the_bundle(demo: Store, ids: dict[str, str]) -> None:
    export(demo, FOUR_FORMS, ids)
    collections.reorder(demo, "Job profile", [ids[JWT], ids[DATA_INTEGRITY]])
    bundle, _ = build_bundle(demo, collections.get_collection(demo, "Job profile"), fetch_policy=OFFLINE)
    assert [item.badge.name for item in check(demo, bundle).items] == [JWT, DATA_INTEGRITY, HOSTED, SIGNED]


def test_a_bundle_file_verifies_through_verify_sources(demo: Store, ids: dict[str, str], tmp_path: Path) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids)
    path = tmp_path / "portfolio.jsonld"
    path.write_text(json.dumps(bundle, indent=2))
    [report] = verify_sources(demo, [str(path)], fetch_policy=OFFLINE)
    assert report.status == "valid" and outcome(report, "holder") == "passed"
    assert [item.status for item in report.items] == ["valid"] * 4


def test_the_holder_proof_needs_nothing_but_the_bundle(demo: Store, ids: dict[str, str]) -> None:
    # On another machine, with no cache and no network: the holder's did:key and the OB 3.0 issuer's did:key resolve
    # from the bundle alone; only what needs the issuer's server (here a status list) cannot be checked.
    bundle, _ = export(demo, [JWT, DATA_INTEGRITY], ids)
    report = verify(classify_payload(json.dumps(bundle)), policy=VerifierPolicy(fetch=OFFLINE))
    assert outcome(report, "holder") == "passed"
    assert [(item.badge.name, item.status) for item in report.items] == [
        (JWT, "valid"),
        (DATA_INTEGRITY, "unverifiable"),
    ]
    assert outcome(item_by_name(report, DATA_INTEGRITY), "signature") == "passed"
    assert outcome(item_by_name(report, DATA_INTEGRITY), "revocation") == "error"
    assert report.status == "unverifiable"


def test_a_recruiter_with_identities_of_their_own_verifies_the_bundle(
    demo: Store, ids: dict[str, str], tmp_path: Path
) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids)
    path = tmp_path / "portfolio.jsonld"
    path.write_text(json.dumps(bundle))
    recruiter = Store(tmp_path / "recruiter")
    shutil.copytree(demo.home, recruiter.home)  # the issuers' documents in its cache, as if fetched online
    recruiter.remove_identity("ada.lovelace@example.com")
    recruiter.add_identity("email", "hiring@company.example")
    [report] = verify_sources(recruiter, [str(path)], fetch_policy=OFFLINE)
    assert outcome(report, "holder") == "passed"
    assert [item.status for item in report.items] == ["valid"] * 4
    assert report.status == "valid"


# -- tampering -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [DATA_INTEGRITY, JWT, SIGNED])
def test_one_byte_changed_in_a_credential_makes_it_and_the_bundle_invalid(
    demo: Store, ids: dict[str, str], name: str
) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids)
    text = json.dumps(bundle)
    if name == DATA_INTEGRITY:
        credential = next(c for c in bundle["verifiableCredential"] if c.get("name") == DATA_INTEGRITY)
        description = credential["credentialSubject"]["achievement"]["description"]  # "... WCAG 2.2 AA."
        text = tamper_one_byte(text, json.dumps(description), json.dumps(description.replace("AA", "AB")))
    else:  # a byte in the middle of the compact JWS's signature
        token = stored_payload(demo, demo.get_badge(ids[name])).text
        signature = token.rsplit(".", 1)[1]
        middle = len(signature) // 2
        tampered = token[: len(token) - len(signature) + middle] + flip(signature[middle])
        tampered += signature[middle + 1 :]
        text = tamper_one_byte(text, token, tampered)
    report = check(demo, text)
    assert report.status == "invalid"
    assert outcome(report, "holder") == "failed"
    assert "changed after it was signed" in report.check("holder").message  # type: ignore[union-attr]
    item = item_by_name(report, name)
    assert item.status == "invalid"
    assert outcome(item, "signature") == "failed"
    assert [i.status for i in report.items if i is not item] == ["valid"] * 3


def test_a_changed_hosted_snapshot_breaks_the_holder_proof(demo: Store, ids: dict[str, str]) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids)
    tampered = copy.deepcopy(bundle)
    [hosted] = [b for b in tampered["portfolio"]["openBadges2"] if b["kind"] == "hosted"]
    hosted["snapshot"]["issuer"]["name"] = "Open Learning Lad"
    report = check(demo, tampered)
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda b: b.__setitem__("name", "Job profilE"), id="name"),
        pytest.param(lambda b: b["portfolio"]["collection"].__setitem__("name", "Job profilE"), id="collection-name"),
        pytest.param(lambda b: b.__setitem__("description", "For recruiters!"), id="description"),
        pytest.param(lambda b: b["portfolio"]["order"].reverse(), id="order"),
        pytest.param(lambda b: b["portfolio"]["collection"]["planned"].append("More"), id="planned"),
        pytest.param(lambda b: b["verifiableCredential"].pop(), id="credential-dropped"),
        pytest.param(lambda b: b["portfolio"]["openBadges2"].pop(), id="ob2-dropped"),
        pytest.param(lambda b: b.__setitem__("id", "urn:uuid:00000000-0000-4000-8000-000000000000"), id="id"),
    ],
)
def test_a_bundle_edited_after_signing_is_invalid(demo: Store, ids: dict[str, str], change: Any) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids, description="For recruiters.")
    tampered = copy.deepcopy(bundle)
    change(tampered)
    report = check(demo, tampered)
    assert report.status == "invalid"
    assert outcome(report, "holder") == "failed"
    assert report.decisive_check is not None and report.decisive_check.id == "holder"


def test_one_byte_of_the_collection_name_makes_the_bundle_invalid(demo: Store, ids: dict[str, str]) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids, name="Data engineer")
    text = tamper_one_byte(
        json.dumps(bundle), '"name": "Data engineer", "portfolio"', '"name": "Data enginees", "portfolio"'
    )
    report = check(demo, text)
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")
    assert report.badge.name == "Data enginees"
    assert [item.status for item in report.items] == ["valid"] * 4  # the badges themselves are untouched


def test_one_byte_of_the_holder_proof_makes_the_bundle_invalid(demo: Store, ids: dict[str, str]) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids)
    value = bundle["proof"]["proofValue"]
    middle = len(value) // 2
    tampered_value = value[:middle] + ("2" if value[middle] != "2" else "3") + value[middle + 1 :]
    report = check(demo, tamper_one_byte(json.dumps(bundle), value, tampered_value))
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("proofPurpose", "authentication", "changed after it was signed"),
        ("cryptosuite", "eddsa-jcs-2022", "changed after it was signed"),
        ("created", "2020-01-01T00:00:00Z", "changed after it was signed"),
    ],
)
def test_a_changed_proof_option_makes_the_bundle_invalid(
    demo: Store, ids: dict[str, str], field: str, value: str, message: str
) -> None:
    bundle, _ = export(demo, [DATA_INTEGRITY], ids)
    tampered = copy.deepcopy(bundle)
    tampered["proof"][field] = value
    report = check(demo, tampered)
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")
    assert message in report.check("holder").message  # type: ignore[union-attr]


def test_an_unsigned_bundle_is_invalid(demo: Store, ids: dict[str, str]) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids)
    del bundle["proof"]
    report = check(demo, bundle)
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")
    assert "no proof" in report.check("holder").message  # type: ignore[union-attr]


def sign_as(document: dict[str, Any], key: Ed25519PrivateKey, did: str) -> dict[str, Any]:
    return sign_eddsa_rdfc_2022(document, key, f"{did}#{did.removeprefix('did:key:')}", created="2026-01-01T00:00:00Z")


def other_did_key() -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    return key, f"did:key:{encode_multikey(key.public_key())}"


def test_another_holder_did_makes_the_bundle_invalid(demo: Store, ids: dict[str, str]) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids)
    _key, stranger = other_did_key()
    report = check(demo, {**bundle, "holder": stranger})
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")
    assert f"not by the holder {stranger}" in report.check("holder").message  # type: ignore[union-attr]
    assert report.badge.recipient == stranger


def test_a_bundle_resigned_by_another_key_for_the_same_holder_is_invalid(demo: Store, ids: dict[str, str]) -> None:
    bundle, _ = export(demo, FOUR_FORMS, ids)
    unsigned = {k: v for k, v in bundle.items() if k != "proof"}
    key, stranger = other_did_key()
    forged = sign_as(unsigned, key, stranger)
    report = check(demo, forged)
    assert (report.status, outcome(report, "holder")) == ("invalid", "failed")
    # Whoever re-signs it as its own holder makes a new, valid bundle: the holder is then the stranger.
    relabelled = sign_as({**unsigned, "holder": stranger}, key, stranger)
    report = check(demo, relabelled)
    assert (report.status, report.badge.recipient) == ("valid", stranger)


# -- statuses of the badges inside ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "status"),
    [
        ([HOSTED, "Cloud Fundamentals", JWT], "expired"),
        ([SIGNED, "Spreadsheet Basics"], "expired"),
        ([DATA_INTEGRITY, "Team Leadership"], "revoked"),
        ([HOSTED, "Community Mentor"], "revoked"),
        (["Cloud Fundamentals", HOSTED, "Team Leadership"], "revoked"),  # the worst status wins
    ],
)
def test_a_bundle_takes_the_worst_status_of_its_badges(
    demo: Store, ids: dict[str, str], names: list[str], status: str
) -> None:
    bundle, warnings = export(demo, names, ids)
    assert warnings == []
    report = check(demo, bundle)
    assert outcome(report, "holder") == "passed"
    assert report.status == status
    assert report.decisive_check is None  # the bundle itself is fine: the explanation is in its items
    expected = {name: demo.get_badge(ids[name]).verification["status"] for name in names}  # type: ignore[index]
    assert {item.badge.name: item.status for item in report.items} == expected


def test_an_invalid_badge_outweighs_a_revoked_one(demo: Store, ids: dict[str, str]) -> None:
    bundle, _ = export(demo, ["Team Leadership", DATA_INTEGRITY], ids)
    # Re-sign a bundle whose DI credential was changed: the holder proof holds, the credential's own does not.
    unsigned = {k: v for k, v in copy.deepcopy(bundle).items() if k != "proof"}
    credential = next(c for c in unsigned["verifiableCredential"] if c["name"] == DATA_INTEGRITY)
    credential["name"] = "Accessible Web Designer"
    me = holder(demo)
    resigned = sign_as(unsigned, me.key, me.did)
    report = check(demo, resigned)
    assert outcome(report, "holder") == "passed"
    assert report.status == "invalid"
    assert [item.status for item in report.items] == ["revoked", "invalid"]
    assert outcome(report.items[1], "signature") == "failed"


# -- what cannot be exported ---------------------------------------------------------------------------------------


def test_an_empty_collection_cannot_be_exported(demo: Store, ids: dict[str, str]) -> None:
    with pytest.raises(BundleError, match="no badges"):
        export(demo, [], ids)
    assert not (demo.home / "holder-key.pem").exists()  # nothing signed, so no key was needed


OB1_HOSTED = {
    "uid": "abc123",
    "recipient": "sha256$c7ef86405ba71b85acd8e2e95166c4b111448089f2e1599f42fe1bba46e865c5",
    "salt": "deadsea",
    "issued_on": "2013-06-01",
    "badge": {
        "version": "0.5.0",
        "name": "Old badge",
        "issuer": {"name": "Mozilla", "origin": "https://mozilla.example"},
    },
    "verify": {"type": "hosted", "url": "https://mozilla.example/assertions/abc123.json"},
}
OB1_UID_ONLY = {"uid": "def456", "recipient": "ada@example.com", "badge": {"name": "Older badge"}}


def import_json(store: Store, document: dict[str, Any], ref: str) -> str:
    [(record, _created)] = import_bytes(store, LoadedSource("file", ref, json.dumps(document).encode()))
    assert record.version == "ob0"  # a plain-string recipient: Open Badges 0.5
    return record.id


def test_a_badge_without_a_verifiable_form_is_left_out_with_a_warning(demo: Store, ids: dict[str, str]) -> None:
    old = import_json(demo, OB1_UID_ONLY, "older.json")
    collections.create_collection(demo, "Mixed")
    collections.add_badges(demo, "Mixed", [ids[DATA_INTEGRITY], old, ids[HOSTED]])
    bundle, warnings = build_bundle(demo, collections.get_collection(demo, "Mixed"), fetch_policy=OFFLINE)
    assert len(warnings) == 1 and old in warnings[0]
    assert old not in json.dumps(bundle)
    report = check(demo, bundle)
    assert report.status == "valid"
    assert [item.badge.name for item in report.items] == [DATA_INTEGRITY, HOSTED]


def test_an_ob1_hosted_badge_is_left_out_with_a_warning(demo: Store, ids: dict[str, str]) -> None:
    old = import_json(demo, OB1_HOSTED, "old.json")
    collections.create_collection(demo, "Mixed")
    collections.add_badges(demo, "Mixed", [ids[DATA_INTEGRITY], old])
    bundle, warnings = build_bundle(demo, collections.get_collection(demo, "Mixed"), fetch_policy=OFFLINE)
    assert len(warnings) == 1 and old in warnings[0]
    assert "mozilla.example" not in json.dumps(bundle)
    report = check(demo, bundle)
    assert report.status == "valid"
    assert [item.badge.name for item in report.items] == [DATA_INTEGRITY]


def test_a_collection_with_nothing_exportable_cannot_be_exported(demo: Store) -> None:
    old = import_json(demo, OB1_UID_ONLY, "older.json")
    collections.create_collection(demo, "Old")
    collections.add_badges(demo, "Old", [old])
    with pytest.raises(BundleError):
        build_bundle(demo, collections.get_collection(demo, "Old"), fetch_policy=OFFLINE)
