"""Reports: the status precedence, the decisive check, the JSON form and its schema (docs/report.schema.json)."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
from issuer import IssuerFixture, IssuerServer, closed_port_url
from ob2_fixtures import *  # noqa: F403 - the issuer_server, other_server and issuer fixtures
from ob2_fixtures import make_policy

from verifier import CHECK_IDS, BadgeDisplay, CheckResult, Report, verify, verify_many
from verifier._report import REPORT_SCHEMA_VERSION, Outcome, Status

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMA = json.loads((DOCS / "report.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
OUTCOMES: tuple[str, ...] = get_args(Outcome)
STATUSES: tuple[str, ...] = get_args(Status)


def report_with(*checks: tuple[str, str]) -> Report:
    report = Report(source="test", checked_at="2026-06-01T12:00:00Z")
    for check_id, outcome in checks:
        report.add(check_id, outcome, f"{check_id} {outcome}")  # type: ignore[arg-type]
    return report


def schema_errors(document: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]


# ----------------------------------------------------------------------------------------------------------------------
# Status precedence (pure)
# ----------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("checks", "status"),
    [
        ([], "unverifiable"),
        ([("extracted", "passed")], "valid"),
        ([("extracted", "passed"), ("recipient", "warning"), ("revocation", "skipped")], "valid"),
        ([("fetched", "error")], "unverifiable"),
        ([("expiry", "failed")], "expired"),
        ([("expiry", "failed"), ("fetched", "error")], "expired"),
        ([("revocation", "failed")], "revoked"),
        ([("revocation", "failed"), ("expiry", "failed")], "revoked"),
        ([("revocation", "failed"), ("expiry", "failed"), ("issuer", "error")], "revoked"),
        ([("signature", "failed"), ("revocation", "failed")], "invalid"),
        ([("expiry", "failed"), ("recipient", "failed")], "invalid"),
        ([("origin", "failed"), ("issuer", "error")], "invalid"),
        ([("extracted", "failed")], "invalid"),
        ([("hosted_copy", "warning"), ("format", "error")], "unverifiable"),
    ],
)
def test_status_precedence(checks: list[tuple[str, str]], status: str) -> None:
    assert report_with(*checks).status == status


@pytest.mark.parametrize("check_id", sorted(CHECK_IDS))
def test_a_failure_of_each_check_decides_the_status(check_id: str) -> None:
    expected = {"revocation": "revoked", "expiry": "expired"}.get(check_id, "invalid")
    report = report_with(("extracted", "passed"), (check_id, "failed"))
    assert report.status == expected
    assert report.decisive_check == CheckResult(check_id, "failed", f"{check_id} failed")
    assert report_with((check_id, "error")).status == "unverifiable"
    for harmless in ("passed", "warning", "skipped"):
        assert report_with((check_id, harmless)).status == "valid"


def test_decisive_check_is_the_first_of_the_deciding_kind() -> None:
    report = report_with(
        ("fetched", "error"),
        ("expiry", "failed"),
        ("revocation", "failed"),
        ("recipient", "failed"),
        ("signature", "failed"),
    )
    assert report.status == "invalid"
    assert report.decisive_check.id == "recipient"  # first integrity failure, not revocation/expiry before it
    report = report_with(("fetched", "passed"), ("badge_class", "error"), ("issuer", "error"), ("expiry", "passed"))
    assert report.decisive_check.id == "badge_class"
    report = report_with(("expiry", "failed"), ("revocation", "failed"))
    assert report.decisive_check.id == "revocation"
    assert report_with(("extracted", "passed")).decisive_check is None
    assert report_with().decisive_check is None


def test_add_replaces_an_earlier_result_of_the_same_check() -> None:
    report = report_with(("fetched", "passed"), ("signature", "error"), ("revocation", "passed"))
    report.add("signature", "failed", "bad signature")
    assert [c.id for c in report.checks] == ["fetched", "revocation", "signature"]
    assert report.check("signature") == CheckResult("signature", "failed", "bad signature")
    assert report.status == "invalid"
    assert report.check("key_owner") is None


def test_unknown_check_id_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown check id 'not_a_check'"):
        CheckResult("not_a_check", "passed", "")
    with pytest.raises(ValueError, match="unknown check id"):
        report_with().add("Signature", "passed", "")
    data = report_with(("fetched", "passed")).to_dict()
    data["checks"].append({"id": "telepathy", "outcome": "passed", "message": "trust me"})
    with pytest.raises(ValueError, match="unknown check id 'telepathy'"):
        Report.from_dict(data)
    assert schema_errors(data)


# ----------------------------------------------------------------------------------------------------------------------
# JSON form
# ----------------------------------------------------------------------------------------------------------------------


def full_report() -> Report:
    badge = BadgeDisplay(
        name="Robotics Badge",
        description="Robots <b>and</b> more",
        image="https://issuer.example.org/badges/robotics.png",
        criteria="Build a robot.",
        criteria_url="https://issuer.example.org/criteria",
        issuer_name="Example Issuer",
        issuer_url="https://issuer.example.org/",
        issuer_id="https://issuer.example.org/issuer.json",
        recipient="hashed email",
        issued_on="2026-01-15T10:00:00Z",
        expires="2027-01-15T10:00:00Z",
        alignments=[{"targetName": "Robotics", "targetUrl": "https://esco.example.org/s/1"}],
        evidence=[{"id": "https://issuer.example.org/evidence/1", "narrative": "Sorted socks, ünïcödé"}],
        endorsements=["https://endorser.example.org/e/1"],
        revocation_reason="Issued by mistake",
    )
    report = Report(
        source="my badge.png",
        checked_at="2026-06-01T12:00:00Z",
        format="ob2-hosted",
        badge_id="https://issuer.example.org/assertions/a1.json",
        badge=badge,
    )
    for check_id in CHECK_IDS:
        report.add(check_id, "passed", f"{check_id} is fine")
    report.add("revocation", "failed", "revoked by the issuer: Issued by mistake")
    return report


def test_to_dict_shape() -> None:
    data = full_report().to_dict()
    assert list(data) == [
        "schema_version",
        "source",
        "format",
        "badge_id",
        "status",
        "checked_at",
        "badge",
        "checks",
        "items",
    ]
    assert data["schema_version"] == REPORT_SCHEMA_VERSION == 1
    assert data["status"] == "revoked"
    assert list(data["badge"]) == [f.name for f in fields(BadgeDisplay)]
    assert data["checks"][-1] == {
        "id": "revocation",
        "outcome": "failed",
        "message": "revoked by the issuer: Issued by mistake",
        "problem": {
            "type": "https://www.w3.org/ns/credentials/status-list#STATUS_VERIFICATION_ERROR",
            "title": "STATUS_VERIFICATION_ERROR",
            "code": -129,
        },
    }
    passed = [c for c in data["checks"] if c["outcome"] in ("passed", "skipped")]
    assert passed and all("problem" not in c for c in passed)  # only what did not pass carries a problem type
    assert json.loads(json.dumps(data)) == data  # plain JSON types only


def test_round_trip_through_json() -> None:
    report = full_report()
    again = Report.from_dict(json.loads(json.dumps(report.to_dict(), ensure_ascii=False)))
    assert again == report
    assert again.to_dict() == report.to_dict()
    assert again.decisive_check == report.decisive_check


def test_round_trip_of_an_empty_report() -> None:
    report = Report(source="12 bytes", checked_at="2026-06-01T12:00:00Z")
    data = report.to_dict()
    assert data["status"] == "unverifiable"
    assert data["badge"]["alignments"] == [] and data["badge"]["name"] is None
    assert Report.from_dict(data) == report
    assert schema_errors(data) == []


def test_from_dict_derives_the_status_again() -> None:
    data = report_with(("fetched", "passed"), ("signature", "failed")).to_dict()
    data["status"] = "valid"  # a tampered or stale stored status is not trusted
    assert Report.from_dict(data).status == "invalid"


def test_from_dict_ignores_unknown_badge_fields() -> None:
    data = full_report().to_dict()
    data["badge"]["future_field"] = "x"
    assert Report.from_dict(data).badge == full_report().badge


# ----------------------------------------------------------------------------------------------------------------------
# The schema and the documentation match the code
# ----------------------------------------------------------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_enums_match_the_code() -> None:
    check = SCHEMA["$defs"]["check"]["properties"]
    assert check["id"]["enum"] == list(CHECK_IDS)
    assert tuple(check["outcome"]["enum"]) == OUTCOMES
    assert set(SCHEMA["properties"]["status"]["enum"]) == set(STATUSES)
    badge = SCHEMA["$defs"]["badge"]
    assert list(badge["properties"]) == [f.name for f in fields(BadgeDisplay)]
    assert badge["required"] == [f.name for f in fields(BadgeDisplay)]
    assert SCHEMA["properties"]["schema_version"]["const"] == REPORT_SCHEMA_VERSION
    assert set(SCHEMA["required"]) == set(full_report().to_dict())


def test_full_report_matches_the_schema() -> None:
    assert schema_errors(full_report().to_dict()) == []


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: d.update(status="pending"),
        lambda d: d.update(schema_version=2),
        lambda d: d.update(extra="x"),
        lambda d: d.pop("checked_at"),
        lambda d: d.update(checked_at="yesterday"),
        lambda d: d.update(format="OB2"),
        lambda d: d["badge"].pop("issuer_id"),
        lambda d: d["badge"].update(name=42),
        lambda d: d["badge"]["alignments"].append({"targetName": 1}),
        lambda d: d["checks"][0].update(outcome="ok"),
        lambda d: d["checks"][0].pop("message"),
        lambda d: d["checks"].append({"id": "magic", "outcome": "passed", "message": ""}),
    ],
    ids=[
        "status",
        "schema_version",
        "extra-property",
        "missing-checked_at",
        "checked_at-not-a-date",
        "format",
        "missing-badge-field",
        "badge-field-type",
        "alignment-type",
        "outcome",
        "missing-message",
        "check-id",
    ],
)
def test_schema_rejects_malformed_reports(corrupt: Any) -> None:
    data = copy.deepcopy(full_report().to_dict())
    corrupt(data)
    assert schema_errors(data) != []


def test_documentation_covers_every_check_outcome_and_status() -> None:
    text = (DOCS / "report.md").read_text(encoding="utf-8")
    documented = re.findall(
        r"^\| `([a-z_]+)` \| .* \| (?:invalid|\*\*expired\*\*|\*\*revoked\*\*|never fails) \|$", text, re.M
    )
    assert documented == list(CHECK_IDS)
    for outcome in OUTCOMES:
        assert f"| `{outcome}` |" in text
    precedence = re.findall(r"^\d\. \*\*([a-z]+)\*\*", text, re.M)
    assert precedence == ["invalid", "revoked", "expired", "unverifiable", "valid"]
    for field in fields(BadgeDisplay):
        assert f"`{field.name}`" in text
    assert "docs/report.schema.json" in text


# ----------------------------------------------------------------------------------------------------------------------
# Real reports from the local issuer validate against the schema
# ----------------------------------------------------------------------------------------------------------------------


def test_real_reports_match_the_schema(issuer_server: IssuerServer) -> None:
    issuer = IssuerFixture(issuer_server, revocation_list=True)
    revoked = issuer.hosted_assertion("revoked")
    issuer.publish({"id": revoked["id"], "revoked": True, "revocationReason": "Mistake"})
    issuer.revoke({"id": issuer.signed_claims("s-revoked")["id"], "revocationReason": "Cheating"})
    sources: dict[str, str | bytes] = {
        "valid": issuer.hosted_assertion("valid")["id"],
        "valid-signed": issuer.signed_assertion("s-valid"),
        "revoked": revoked["id"],
        "revoked-signed": issuer.signed_assertion("s-revoked"),
        "expired": issuer.hosted_assertion("expired", expires="2026-02-01T00:00:00Z")["id"],
        "invalid": issuer.hosted_assertion("wrong", recipient="someone@example.org")["id"],
        "unverifiable": closed_port_url(),
        "no-badge": b"just some text, no badge",
        "ob3": json.dumps({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}),
    }
    reports = verify_many(list(sources.values()), policy=make_policy(), labels=list(sources))
    statuses = {r.source: r.status for r in reports}
    assert statuses == {
        "valid": "valid",
        "valid-signed": "valid",
        "revoked": "revoked",
        "revoked-signed": "revoked",
        "expired": "expired",
        "invalid": "invalid",
        "unverifiable": "unverifiable",
        "no-badge": "invalid",
        "ob3": "invalid",  # a VC with no proof
    }
    for report in reports:
        data = json.loads(json.dumps(report.to_dict()))
        assert schema_errors(data) == [], (report.source, data)
        assert Report.from_dict(data).to_dict() == data
        ids = [c["id"] for c in data["checks"]]
        assert len(ids) == len(set(ids)), ids
    by_label = {r.source: r for r in reports}
    assert by_label["revoked-signed"].to_dict()["badge"]["revocation_reason"] == "Cheating"
    assert by_label["no-badge"].to_dict()["format"] is None
    assert by_label["ob3"].to_dict()["format"] == "ob3-data-integrity"


def test_report_of_a_verify_call_round_trips(issuer: IssuerFixture) -> None:
    report = verify(issuer.hosted_assertion("a1")["id"], policy=make_policy())
    data = report.to_dict()
    assert data["status"] == "valid"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", data["checked_at"])
    assert schema_errors(data) == []
    assert Report.from_dict(data) == report


@pytest.mark.parametrize(
    ("check_id", "outcome", "message", "title"),
    [
        ("signature", "failed", "the signature does not match", "PROOF_VERIFICATION_ERROR"),
        ("key_owner", "failed", "signed by someone else", "CRYPTOGRAPHIC_SECURITY_ERROR"),
        ("json_ld", "failed", "the term 'x' is not defined", "PARSING_ERROR"),
        ("expiry", "failed", "expired on 2026-01-01", "RANGE_ERROR"),
        ("revocation", "error", "could not fetch the status list", "STATUS_RETRIEVAL_ERROR"),
        ("revocation", "error", "fewer than the minimum (STATUS_LIST_LENGTH_ERROR)", "STATUS_LIST_LENGTH_ERROR"),
        ("challenge", "failed", "the proof answers the challenge 'a', not the one asked", "INVALID_CHALLENGE_ERROR"),
        ("challenge", "failed", "the proof is for the domain 'a', not 'b'", "INVALID_DOMAIN_ERROR"),
        ("data_model", "failed", "an evidence object has no type", "MALFORMED_VALUE_ERROR"),
    ],
)
def test_every_check_that_does_not_pass_carries_a_standard_problem_type(
    check_id: str, outcome: str, message: str, title: str
) -> None:
    result = CheckResult(check_id, outcome, message)  # type: ignore[arg-type]
    assert result.problem is not None and result.problem.title == title
    assert result.to_dict()["problem"]["type"].endswith("#" + title)


def test_every_check_id_has_a_problem_type_for_failure_and_error() -> None:
    # issuer_known only warns, about trust: no W3C specification types it (docs/report.md).
    assert CheckResult("issuer_known", "warning", "").problem is None
    for check_id in set(CHECK_IDS) - {"issuer_known"}:
        for outcome in ("failed", "warning", "error"):
            assert CheckResult(check_id, outcome, "").problem is not None  # type: ignore[arg-type]
        assert CheckResult(check_id, "passed", "").problem is None


def test_a_badge_display_serialises_as_dataclasses_would_without_sharing_its_lists() -> None:
    from dataclasses import asdict, fields

    from verifier._report import BadgeDisplay, Report

    values: dict[str, object] = {f.name: f"{f.name} value" for f in fields(BadgeDisplay)}
    values |= {"alignments": [{"targetName": "A"}], "evidence": [{"id": "e"}], "endorsements": ["x"]}
    values["issuer_name_confirmed"] = True
    badge = BadgeDisplay(**values)  # type: ignore[arg-type]
    data = Report("source", "2026-01-01T00:00:00Z", badge=badge).to_dict()["badge"]
    assert data == asdict(badge) and list(data) == list(asdict(badge))
    data["alignments"][0]["targetName"] = "changed"
    data["endorsements"].append("y")
    assert badge.alignments == [{"targetName": "A"}] and badge.endorsements == ["x"]
