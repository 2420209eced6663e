"""OB 2.0 verification end to end, against a real HTTP issuer on 127.0.0.1 (``tests/issuer.py``).

Each case asserts the report's status and the check that decides it (``report.decisive_check``), with its outcome.
The clock is pinned (``NOW``); badges are issued on 2026-01-15 unless a test says otherwise.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter
from typing import Any

import pytest
from issuer import (
    IssuerFixture,
    IssuerServer,
    Route,
    bake_png,
    bake_svg,
    closed_port_url,
    hash_identity,
    json_text,
    public_pem,
    qr_photo,
    rsa_private_key,
    sign_hs256,
    sign_rs256,
    tamper_payload,
    unsigned_jws,
)
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import RSAKey
from ob2_fixtures import *  # noqa: F403 - the issuer_server, other_server and issuer fixtures
from ob2_fixtures import EARNER, make_policy

from verifier import CHECK_IDS, FetchPolicy, Report, VerifierPolicy, verify, verify_async, verify_many
from verifier.http import MemoryCache
from verifier.portfolio import GoneReason, gone_problem

HOSTED_CHECKS = [
    "extracted",
    "fetched",
    "json_ld",
    "badge_class",
    "issuer",
    "properties",
    "recipient",
    "issued_on",
    "expiry",
    "origin",
    "revocation",
]


def decisive(report: Report) -> tuple[str, str]:
    check = report.decisive_check
    assert check is not None, f"no decisive check in {report.to_dict()}"
    return check.id, check.outcome


def outcomes(report: Report) -> dict[str, str]:
    return {c.id: c.outcome for c in report.checks}


def assert_valid(report: Report) -> None:
    problems = [c for c in report.checks if c.outcome in ("failed", "error")]
    assert report.status == "valid", problems
    assert report.decisive_check is None
    assert problems == []
    assert set(outcomes(report)) <= set(CHECK_IDS)


# ----------------------------------------------------------------------------------------------------------------------
# Hosted badges: valid from every kind of source
# ----------------------------------------------------------------------------------------------------------------------


def test_hosted_badge_by_url_is_valid_with_every_check_passed(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a1")
    report = verify(assertion["id"], policy=make_policy())
    assert_valid(report)
    assert [c.id for c in report.checks] == HOSTED_CHECKS
    assert set(outcomes(report).values()) == {"passed"}
    assert report.format == "ob2-hosted"
    assert report.badge_id == assertion["id"]
    assert report.check("recipient").message == f"issued to {EARNER} (hashed email)"
    assert report.check("origin").message == f"hosted on {issuer.server.authority}, allowed by the issuer"
    badge = report.badge
    assert (badge.name, badge.issuer_name, badge.issuer_id) == ("Robotics Badge", "Example Issuer", issuer.issuer_id)
    assert badge.issuer_url == issuer.base_url + "/"
    assert badge.image == issuer.url("/badges/robotics.png")
    assert badge.criteria == "Build something with robotics."
    assert badge.criteria_url == issuer.url("/badges/robotics/criteria")
    assert badge.recipient == "hashed email"
    assert badge.issued_on == "2026-01-15T10:00:00Z"
    assert badge.alignments == [
        {
            "targetName": "Robotics Engineering",
            "targetUrl": "https://esco.example.org/skill/robotics",
            "targetFramework": "ESCO",
            "targetCode": "S1.2.3",
        }
    ]
    assert badge.evidence == [{"id": issuer.url("/evidence/1"), "narrative": "A robot that sorts socks."}]
    assert badge.revocation_reason is None
    # The assertion, its badge class and the issuer profile: fetched once each, nothing else.
    assert issuer.server.counts() == Counter(["/assertions/a1.json", "/badges/robotics.json", "/issuer.json"])


@pytest.mark.parametrize(
    ("container", "content", "location"),
    [
        ("png", "json", "PNG iTXt 'openbadges'"),
        ("svg", "json", "SVG <assertion> body"),
        ("png", "url", "PNG iTXt 'openbadges'"),
        ("svg", "url", "SVG <assertion> verify"),
        ("text", "json", "text"),
        ("photo", "url", "QR code 1"),
    ],
)
def test_hosted_badge_from_every_source_is_valid(
    issuer: IssuerFixture, container: str, content: str, location: str
) -> None:
    assertion = issuer.hosted_assertion("a1")
    text = json_text(assertion) if content == "json" else assertion["id"]
    source: str | bytes
    if container == "png":
        source = bake_png(text)
    elif container == "svg":
        source = bake_svg(text)
    elif container == "photo":
        source = qr_photo(text)
    else:
        source = text
    report = verify(source, policy=make_policy())
    assert_valid(report)
    assert report.check("extracted").message == f"{content} payload from {location}"
    assert report.badge_id == assertion["id"]
    assert report.badge.name == "Robotics Badge"
    # A copy carried in the file is compared with the hosted original, which is always fetched.
    expected_copy = "passed" if content == "json" else None
    assert outcomes(report).get("hosted_copy") == expected_copy
    assert issuer.server.counts()["/assertions/a1.json"] == 1


def test_moodle_style_text_html_content_type_is_accepted(issuer_server: IssuerServer) -> None:
    moodle = IssuerFixture(issuer_server, name="Moodle Site", content_type="text/html; charset=utf-8")
    assertion = moodle.hosted_assertion(path="/badges/assertion.php?b=3b1f&obversion=2")
    assert issuer_server.routes["/badges/assertion.php?b=3b1f&obversion=2"].content_type.startswith("text/html")
    report = verify(assertion["id"], policy=make_policy())
    assert_valid(report)
    assert report.badge.issuer_name == "Moodle Site"


def test_redirected_assertion_is_followed(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a1")
    issuer.server.routes["/old/a1"] = Route(status=301, redirect_to="/assertions/a1.json")
    report = verify(assertion["id"].replace("/assertions/a1.json", "/old/a1"), policy=make_policy())
    assert_valid(report)
    assert "it declares a different id" in report.check("fetched").message
    assert issuer.server.paths[:2] == ["/old/a1", "/assertions/a1.json"]


# ----------------------------------------------------------------------------------------------------------------------
# Revocation
# ----------------------------------------------------------------------------------------------------------------------


def test_revoked_flag_in_the_hosted_assertion(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a1")
    # What an issuer serves for a revoked hosted badge: only the id, the flag and a reason.
    issuer.publish({"id": assertion["id"], "revoked": True, "revocationReason": "Issued to the wrong person"})
    report = verify(bake_png(json_text(assertion)), policy=make_policy())
    assert report.status == "revoked"
    assert decisive(report) == ("revocation", "failed")
    assert report.check("revocation").message == "revoked by the issuer: Issued to the wrong person"
    assert report.badge.revocation_reason == "Issued to the wrong person"
    assert outcomes(report)["hosted_copy"] == "warning"  # the baked copy does not say revoked; the issuer does
    assert outcomes(report)["fetched"] == "passed"


def test_410_gone_means_revoked(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a1")
    issuer.publish("gone", assertion["id"], status=410, content_type="text/plain")
    report = verify(json_text(assertion), policy=make_policy())
    assert report.status == "revoked"
    assert decisive(report) == ("revocation", "failed")
    assert "410 Gone" in report.check("revocation").message
    assert outcomes(report)["fetched"] == "passed"
    # The baked copy still says what the badge was.
    assert report.badge.issued_on == "2026-01-15T10:00:00Z"


@pytest.mark.parametrize(("reason", "words"), [("withdrawn", "withdrawn by its holder"), ("expired", "expired")])
def test_a_link_gone_by_its_holders_act_is_not_called_revoked(
    issuer: IssuerFixture, reason: GoneReason, words: str
) -> None:
    problem = gone_problem(reason, "ask them for a new one")
    url = issuer.publish(
        problem, issuer.base_url + "/s/shared-link", status=410, content_type="application/problem+json"
    )
    report = verify(url, policy=make_policy())
    assert report.status == "unverifiable"
    assert report.check("revocation") is None
    assert report.check("fetched").outcome == "error"
    assert words in report.check("fetched").message and "revoked" not in report.check("fetched").message


def test_a_problem_document_does_not_hide_an_assertion_revoked_by_410(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a2")
    problem = gone_problem("withdrawn", "not the issuer's act, it claims")
    issuer.publish(problem, assertion["id"], status=410, content_type="application/problem+json")
    report = verify(json_text(assertion), policy=make_policy())  # the baked copy says it is an assertion
    assert report.status == "revoked"
    assert decisive(report) == ("revocation", "failed")


@pytest.mark.parametrize(
    ("entry", "reason"),
    [("id", None), ("object", "Plagiarised project"), ("object-without-reason", None)],
)
def test_signed_badge_in_the_issuer_revocation_list(
    issuer_server: IssuerServer, entry: str, reason: str | None
) -> None:
    issuer = IssuerFixture(issuer_server, revocation_list=True)
    token = issuer.signed_assertion("s1")
    badge_id = issuer.signed_claims("s1")["id"]
    other = "urn:uuid:00000000-0000-4000-8000-000000000000"
    if entry == "id":
        issuer.revoke(other, badge_id)
    elif entry == "object":
        issuer.revoke({"id": other, "revocationReason": "not this one"}, {"id": badge_id, "revocationReason": reason})
    else:
        issuer.revoke({"id": badge_id})
    report = verify(token, policy=make_policy())
    assert report.status == "revoked"
    assert decisive(report) == ("revocation", "failed")
    assert report.badge.revocation_reason == reason
    assert report.check("revocation").message == "revoked by the issuer" + (f": {reason}" if reason else "")
    assert outcomes(report)["signature"] == "passed"
    assert issuer_server.counts()["/revocations.json"] == 1


def test_signed_badge_not_in_the_revocation_list_is_valid(issuer_server: IssuerServer) -> None:
    issuer = IssuerFixture(issuer_server, revocation_list=True)
    issuer.revoke("urn:uuid:00000000-0000-4000-8000-000000000000", {"id": issuer.signed_claims("other")["id"]})
    report = verify(issuer.signed_assertion("s1"), policy=make_policy())
    assert_valid(report)
    assert report.check("revocation").message == "not in the issuer's revocation list"


# ----------------------------------------------------------------------------------------------------------------------
# Signed badges
# ----------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("container", ["text", "png", "svg"])
def test_signed_badge_is_valid(issuer: IssuerFixture, container: str) -> None:
    token = issuer.signed_assertion("s1")
    source = {"text": token, "png": bake_png(token), "svg": bake_svg(token)}[container]
    report = verify(source, policy=make_policy())
    assert_valid(report)
    assert report.format == "ob2-signed"
    assert report.badge_id == issuer.signed_claims("s1")["id"]
    assert report.check("signature").message == f"valid RS256 signature by {issuer.key_id}"
    assert outcomes(report)["key_owner"] == "passed"
    assert outcomes(report)["revocation"] == "skipped"
    assert issuer.server.counts() == Counter(["/badges/robotics.json", "/issuer.json", "/keys/main.json"])


def test_signed_badge_without_creator_tries_the_issuer_keys(issuer: IssuerFixture) -> None:
    report = verify(issuer.signed_assertion("s1", creator=None), policy=make_policy())
    assert_valid(report)
    assert report.check("signature").message == f"valid RS256 signature by {issuer.key_id}"


def test_tampered_jws_payload_is_invalid(issuer: IssuerFixture) -> None:
    thief = "thief@example.org"
    token = issuer.signed_assertion("s1")
    forged = tamper_payload(token, issuer.signed_claims("s1", recipient=thief))
    report = verify(forged, policy=make_policy(recipients=(thief,)))
    assert report.status == "invalid"
    assert decisive(report) == ("signature", "failed")
    assert "does not verify" in report.check("signature").message
    assert outcomes(report)["recipient"] == "passed"  # the forged claims name the thief: only the signature tells


def test_jws_signed_by_another_key_is_invalid(issuer: IssuerFixture) -> None:
    report = verify(issuer.signed_assertion("s1", key=rsa_private_key(1)), policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("signature", "failed")


@pytest.mark.parametrize("forgery", ["alg-none-unsecured", "alg-none-with-signature", "hs256-with-public-pem"])
def test_jws_with_a_forbidden_algorithm_is_invalid(issuer: IssuerFixture, forgery: str) -> None:
    claims = issuer.signed_claims("s1")
    if forgery == "alg-none-unsecured":
        token, alg = unsigned_jws(claims), "none"
        assert token.endswith(".")  # RFC 7515 unsecured JWS: empty signature
    elif forgery == "alg-none-with-signature":
        token, alg = unsigned_jws(claims, signature=b"whatever"), "none"
    else:
        token, alg = sign_hs256(claims, public_pem(issuer.key).encode("ascii")), "HS256"
    report = verify(token, policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("signature", "failed")
    assert report.check("signature").message.startswith(f"JWS algorithm {alg!r} is not allowed")
    assert "/keys/main.json" not in issuer.server.paths  # no key is even fetched for a forbidden algorithm


@pytest.mark.parametrize("case", ["key-owned-by-someone-else", "creator-not-in-issuer-keys", "attacker-key"])
def test_key_not_owned_by_the_issuer_is_invalid(issuer: IssuerFixture, other_server: IssuerServer, case: str) -> None:
    stranger = rsa_private_key(1)
    if case == "key-owned-by-someone-else":
        # The issuer lists the key, but the key document names another owner.
        issuer.publish_key(issuer.key_id, issuer.key, owner=other_server.url("/issuer.json"))
        token = issuer.signed_assertion("s1")
        expected = f"is owned by {other_server.url('/issuer.json')!r}"
    elif case == "creator-not-in-issuer-keys":
        # A second key the issuer serves (and owns) but does not list in its publicKey.
        unlisted = issuer.publish_key(issuer.url("/keys/unlisted.json"), stranger)["id"]
        token = issuer.signed_assertion("s1", key=stranger, creator=unlisted)
        expected = "is not among the issuer's public keys"
    else:
        # An attacker's key on another host that claims the issuer as owner.
        attacker = other_server.url("/key.json")
        IssuerFixture(other_server, name="Attacker").publish_key(attacker, stranger, owner=issuer.issuer_id)
        token = issuer.signed_assertion("s1", key=stranger, creator=attacker)
        expected = "is not among the issuer's public keys"
    report = verify(token, policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("key_owner", "failed")
    assert expected in report.check("key_owner").message
    assert outcomes(report)["signature"] == "passed"  # the signature is fine: the key is just not the issuer's


# ----------------------------------------------------------------------------------------------------------------------
# Dates and recipients
# ----------------------------------------------------------------------------------------------------------------------


def _badge(issuer: IssuerFixture, kind: str, **options: Any) -> str:
    if kind == "hosted":
        return issuer.hosted_assertion("a1", **options)["id"]
    return issuer.signed_assertion("s1", **options)


@pytest.mark.parametrize("kind", ["hosted", "signed"])
def test_expired_badge(issuer: IssuerFixture, kind: str) -> None:
    report = verify(_badge(issuer, kind, expires="2026-03-01T00:00:00Z"), policy=make_policy())
    assert report.status == "expired"
    assert decisive(report) == ("expiry", "failed")
    assert report.check("expiry").message == "expired on 2026-03-01"
    assert report.badge.expires == "2026-03-01T00:00:00Z"


@pytest.mark.parametrize("kind", ["hosted", "signed"])
def test_badge_not_yet_expired_is_valid(issuer: IssuerFixture, kind: str) -> None:
    report = verify(_badge(issuer, kind, expires="2027-01-01T00:00:00Z"), policy=make_policy())
    assert_valid(report)
    assert report.check("expiry").message == "valid until 2027-01-01"


@pytest.mark.parametrize("kind", ["hosted", "signed"])
def test_badge_issued_in_the_future_is_invalid(issuer: IssuerFixture, kind: str) -> None:
    report = verify(_badge(issuer, kind, issued_on="2026-07-01T00:00:00Z"), policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("issued_on", "failed")
    assert report.check("issued_on").message.startswith("issued in the future")


def test_issued_within_the_clock_skew_is_valid(issuer: IssuerFixture) -> None:
    report = verify(_badge(issuer, "hosted", issued_on="2026-06-01T12:03:00Z"), policy=make_policy())
    assert_valid(report)


@pytest.mark.parametrize("hashed", [True, False], ids=["hashed", "plain"])
def test_wrong_recipient_is_invalid(issuer: IssuerFixture, hashed: bool) -> None:
    badge_id = _badge(issuer, "hosted", recipient="someone.else@example.org", hashed=hashed)
    report = verify(badge_id, policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("recipient", "failed")
    shown = "a hashed email" if hashed else "someone.else@example.org"
    assert report.check("recipient").message.startswith(f"issued to {shown}, which is none of the identities given")


@pytest.mark.parametrize("hashed", [True, False], ids=["hashed", "plain"])
def test_recipient_matches_case_insensitively(issuer: IssuerFixture, hashed: bool) -> None:
    badge_id = _badge(issuer, "hosted", hashed=hashed)
    report = verify(badge_id, policy=make_policy(recipients=("nobody@example.org", "Earner@Example.ORG")))
    assert_valid(report)
    assert report.check("recipient").outcome == "passed"


def test_recipient_hash_is_what_the_spec_says() -> None:
    # OB 2.0: sha256 of UTF-8(identity + salt), hex (the spec's reference vector).
    assert hash_identity("nobody@example.org", "deadsea") == (
        "sha256$ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942"
    )
    assert hash_identity("mayze") == "sha256$" + hashlib.sha256(b"mayze").hexdigest()


def test_no_recipients_given_is_a_warning_and_valid(issuer: IssuerFixture) -> None:
    report = verify(_badge(issuer, "hosted"), policy=make_policy(recipients=()))
    assert report.status == "valid"
    assert report.decisive_check is None
    assert report.check("recipient").outcome == "warning"
    assert report.check("recipient").message.startswith("not checked")


# ----------------------------------------------------------------------------------------------------------------------
# Verification scope (origin)
# ----------------------------------------------------------------------------------------------------------------------


def test_assertion_hosted_on_another_origin_is_invalid(issuer: IssuerFixture, other_server: IssuerServer) -> None:
    assertion = issuer.hosted_assertion("a1", server=other_server)
    report = verify(assertion["id"], policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("origin", "failed")
    assert (
        report.check("origin").message == f"the assertion is hosted on {other_server.authority}, outside the "
        f"issuer's allowed origins ({issuer.server.authority})"
    )


def test_assertion_on_an_allowed_origin_is_valid(issuer_server: IssuerServer, other_server: IssuerServer) -> None:
    issuer = IssuerFixture(issuer_server, verification={"allowedOrigins": [other_server.authority]})
    report = verify(issuer.hosted_assertion("a1", server=other_server)["id"], policy=make_policy())
    assert_valid(report)
    assert report.check("origin").message == f"hosted on {other_server.authority}, allowed by the issuer"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/assertions/2026/a1.json", "valid"), ("/assertions/a1.json", "invalid"), ("/other/a1.json", "invalid")],
)
def test_starts_with_policy(issuer_server: IssuerServer, path: str, status: str) -> None:
    prefix = issuer_server.url("/assertions/2026/")
    issuer = IssuerFixture(issuer_server, verification={"startsWith": [prefix]})
    report = verify(issuer.hosted_assertion(path=path)["id"], policy=make_policy())
    assert report.status == status
    if status == "valid":
        assert report.check("origin").outcome == "passed"
    else:
        assert decisive(report) == ("origin", "failed")
        assert report.check("origin").message == (
            f"the assertion id does not start with any of the issuer's prefixes ({prefix})"
        )


def test_forged_assertion_on_another_host_claiming_an_issuer_id_is_not_valid(
    issuer: IssuerFixture, other_server: IssuerServer
) -> None:
    thief = "thief@example.org"
    forged = issuer.assertion(issuer.url("/assertions/never-issued.json"), recipient=thief)
    url = other_server.serve("/copy.json", forged)
    report = verify(url, policy=make_policy(recipients=(thief,)))
    # The scope is checked for where the document came from, not only for the id it claims.
    assert report.status == "invalid"
    assert decisive(report) == ("origin", "failed")
    assert other_server.authority in report.check("origin").message


def test_issuer_profile_declaring_another_hosts_id_is_not_trusted(
    issuer: IssuerFixture, other_server: IssuerServer
) -> None:
    thief = "thief@example.org"
    impostor = IssuerFixture(other_server, name=issuer.name, key=rsa_private_key(1))
    impostor.profile["id"] = issuer.issuer_id
    impostor.publish(impostor.profile, other_server.url("/issuer.json"))
    impostor.publish_key(impostor.key_id, impostor.key, owner=issuer.issuer_id)
    report = verify(impostor.signed_assertion("s1", recipient=thief), policy=make_policy(recipients=(thief,)))
    # Otherwise the report would show the real issuer's id, with key ownership checked against it.
    assert report.status == "invalid"
    assert decisive(report) == ("issuer", "failed")
    assert issuer.issuer_id in report.check("issuer").message
    assert report.badge.issuer_id != issuer.issuer_id


def test_url_serving_a_baked_image_is_verified(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a1")
    url = issuer.publish(bake_png(json_text(assertion)), issuer.url("/a1.png"), content_type="image/png")
    report = verify(url, policy=make_policy())
    assert_valid(report)
    assert "it declares a different id" in report.check("fetched").message


def test_url_serving_a_jws_is_verified_as_a_signed_badge(issuer: IssuerFixture) -> None:
    url = issuer.publish(issuer.signed_assertion("s1"), issuer.url("/s1.jws"), content_type="application/jws")
    report = verify(url, policy=make_policy())
    assert_valid(report)
    assert report.format == "ob2-signed"
    assert outcomes(report)["signature"] == "passed"


# ----------------------------------------------------------------------------------------------------------------------
# Network failures and limits: unverifiable, never valid
# ----------------------------------------------------------------------------------------------------------------------


def test_unreachable_assertion_host_is_unverifiable() -> None:
    report = verify(closed_port_url("/assertions/a1.json"), policy=make_policy())
    assert report.status == "unverifiable"
    assert decisive(report) == ("fetched", "error")
    assert "network error" in report.check("fetched").message


def test_unreachable_issuer_profile_is_unverifiable(issuer: IssuerFixture) -> None:
    dead_issuer = closed_port_url("/issuer.json")
    badge = issuer.badge_class("robotics", issuer=dead_issuer)
    report = verify(issuer.hosted_assertion("a1", badge=badge["id"])["id"], policy=make_policy())
    assert report.status == "unverifiable"
    assert decisive(report) == ("issuer", "error")
    assert report.check("issuer").message.startswith("could not fetch the issuer profile")


def test_unreachable_signing_key_is_unverifiable(issuer: IssuerFixture) -> None:
    del issuer.server.routes["/keys/main.json"]
    report = verify(issuer.signed_assertion("s1"), policy=make_policy())
    assert report.status == "unverifiable"
    assert decisive(report) == ("signature", "error")
    assert report.check("signature").message.endswith("answered 404")


@pytest.mark.parametrize(("slow_path", "stage"), [("/assertions/a1.json", "fetched"), ("/issuer.json", "issuer")])
def test_slow_issuer_gives_up_at_the_deadline(issuer: IssuerFixture, slow_path: str, stage: str) -> None:
    assertion = issuer.hosted_assertion("a1")
    issuer.server.routes[slow_path].delay = 10.0
    deadline = 1.5
    started = time.monotonic()
    report = verify(assertion["id"], policy=make_policy(deadline=deadline))
    elapsed = time.monotonic() - started
    assert report.status == "unverifiable"
    assert decisive(report) == (stage, "error")
    assert report.check(stage).message == f"gave up after {deadline:g} s waiting for the issuer"
    assert deadline - 0.1 <= elapsed < deadline + 2


@pytest.mark.parametrize(
    ("document", "declared_length", "stage"),
    [
        ("badge-class", True, "badge_class"),
        ("issuer", False, "issuer"),
        ("assertion", True, "fetched"),
        ("assertion", False, "fetched"),
    ],
)
def test_oversized_document_is_refused(issuer: IssuerFixture, document: str, declared_length: bool, stage: str) -> None:
    assertion = issuer.hosted_assertion("a1")
    target = {"badge-class": "/badges/robotics.json", "issuer": "/issuer.json", "assertion": "/assertions/a1.json"}
    route = issuer.server.routes[target[document]]
    padded = dict(route.body)  # type: ignore[arg-type]
    padded["description"] = "x" * 3_000_000
    route.body, route.send_length = padded, declared_length
    # JSON documents are capped by max_json_bytes; a hosted assertion URL may serve a baked image: max_image_bytes.
    policy = make_policy(max_json_bytes=64 * 1024, max_image_bytes=256 * 1024)
    started = time.monotonic()
    report = verify(assertion["id"], policy=policy)
    assert time.monotonic() - started < 5
    assert report.status == "unverifiable"
    assert decisive(report) == (stage, "error")
    limit_kb = 256 if document == "assertion" else 64
    assert f"response larger than the {limit_kb} KB allowed" in report.check(stage).message


def test_json_limit_applies_to_badge_class_just_over_it(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a1")
    size = len(issuer.server.routes["/badges/robotics.json"].body_bytes())
    assert_valid(verify(assertion["id"], policy=make_policy(max_json_bytes=size)))
    report = verify(assertion["id"], policy=make_policy(max_json_bytes=size - 1))
    assert decisive(report) == ("badge_class", "error")


def test_redirect_loop_is_refused(issuer: IssuerFixture) -> None:
    issuer.server.routes["/loop/a"] = Route(redirect_to="/loop/b")
    issuer.server.routes["/loop/b"] = Route(status=307, redirect_to=issuer.server.url("/loop/a"))
    report = verify(issuer.server.url("/loop/a"), policy=make_policy())
    assert report.status == "unverifiable"
    assert decisive(report) == ("fetched", "error")
    assert "redirect loop" in report.check("fetched").message
    assert issuer.server.paths == ["/loop/a", "/loop/b"]


def test_too_many_redirects_are_refused(issuer: IssuerFixture) -> None:
    for hop in range(5):
        issuer.server.routes[f"/hop/{hop}"] = Route(redirect_to=f"/hop/{hop + 1}")
    issuer.hosted_assertion(path="/hop/5")
    report = verify(issuer.server.url("/hop/0"), policy=make_policy(max_redirects=3))
    assert report.status == "unverifiable"
    assert decisive(report) == ("fetched", "error")
    assert "more than 3 redirects" in report.check("fetched").message
    assert_valid(verify(issuer.server.url("/hop/0"), policy=make_policy(max_redirects=5)))


def test_private_address_refused_without_allow_private_network(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a1")
    policy = VerifierPolicy(fetch=FetchPolicy(allow_private_network=False), recipients=(EARNER,))
    report = verify(assertion["id"], policy=policy)
    assert report.status == "unverifiable"
    assert decisive(report) == ("fetched", "error")
    assert "refused to fetch from a private or local address (127.0.0.1)" in report.check("fetched").message
    assert issuer.server.paths == []  # refused before connecting


def test_assertion_the_issuer_does_not_serve_is_invalid(issuer: IssuerFixture) -> None:
    report = verify(issuer.url("/assertions/nope.json"), policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("fetched", "failed")
    assert report.check("fetched").message.endswith("answered 404")


def test_server_error_for_the_assertion_is_unverifiable(issuer: IssuerFixture) -> None:
    url = issuer.server.serve("/assertions/a1.json", "oops", status=503, content_type="text/plain")
    report = verify(url, policy=make_policy())
    assert report.status == "unverifiable"
    assert decisive(report) == ("fetched", "error")
    assert report.check("fetched").message.endswith("answered 503")


# ----------------------------------------------------------------------------------------------------------------------
# Baked copies
# ----------------------------------------------------------------------------------------------------------------------


def test_baked_copy_differing_from_hosted_warns_and_hosted_wins(issuer: IssuerFixture) -> None:
    hosted = issuer.hosted_assertion("a1")
    # The baked copy claims an expiry long past; the hosted original (the source of truth) has none.
    baked = dict(hosted, expires="2026-02-01T00:00:00Z", narrative="edited")
    report = verify(bake_png(json_text(baked)), policy=make_policy())
    assert report.status == "valid"
    assert report.decisive_check is None
    assert report.check("hosted_copy").outcome == "warning"
    assert "the hosted one wins" in report.check("hosted_copy").message
    assert report.check("expiry").message == "does not expire"
    assert report.badge.expires is None


# ----------------------------------------------------------------------------------------------------------------------
# Many badges, caching, offline
# ----------------------------------------------------------------------------------------------------------------------


def test_verify_many_fetches_every_document_once(issuer_server: IssuerServer, other_server: IssuerServer) -> None:
    issuers = [IssuerFixture(issuer_server, name="Alpha"), IssuerFixture(other_server, name="Beta", key=None)]
    sources: list[str] = []
    for issuer in issuers:
        classes = [issuer.badge_class("robotics")["id"], issuer.badge_class("welding")["id"]]
        for n in range(10):
            sources.append(issuer.hosted_assertion(f"a{n}", badge=classes[n % 2])["id"])
    labels = [f"badge {n}" for n in range(20)]
    reports = verify_many(sources, policy=make_policy(), labels=labels)
    assert [r.source for r in reports] == labels
    assert [r.status for r in reports] == ["valid"] * 20
    assert [r.badge_id for r in reports] == sources
    assert {r.badge.issuer_name for r in reports[:10]} == {"Alpha"}
    assert {r.badge.issuer_name for r in reports[10:]} == {"Beta"}
    for server in (issuer_server, other_server):
        counts = server.counts()
        assert len(counts) == 10 + 2 + 1  # assertions, badge classes, issuer profile
        assert set(counts.values()) == {1}, counts


def _without_time(report: Report) -> dict[str, Any]:
    return {**report.to_dict(), "checked_at": None}


def test_badges_that_share_documents_get_the_reports_each_would_get_alone(issuer: IssuerFixture) -> None:
    # One run decides a badge class or issuer once for all its badges: each report must still be its own.
    robotics, welding = issuer.badge_class("robotics")["id"], issuer.badge_class("welding")["id"]
    sources = [issuer.hosted_assertion(f"a{n}", badge=[robotics, welding][n % 3 == 2])["id"] for n in range(6)]
    cache = MemoryCache()
    verify_many(sources, policy=make_policy(), cache=cache)  # fills the cache: the rest is answered from it
    together = verify_many(sources, policy=make_policy(offline=True), cache=cache)
    alone = [verify(source, policy=make_policy(offline=True), cache=cache) for source in sources]
    assert [_without_time(r) for r in together] == [_without_time(r) for r in alone]
    assert [r.badge.name for r in together] == ["Robotics Badge"] * 2 + ["Welding Badge"] + ["Robotics Badge"] * 2 + [
        "Welding Badge"
    ]
    for report, source in zip(together, sources, strict=True):
        assert_valid(report)
        assert report.check("fetched").message.startswith(f"fetched from {source} (cached copy from ")
    # A report's display data is its own: changing one changes no other.
    together[0].badge.alignments.append({"targetName": "changed"})
    assert together[1].badge.alignments == alone[1].badge.alignments


def test_a_shared_issuer_that_claims_another_id_fails_every_badge_of_the_run(issuer: IssuerFixture) -> None:
    issuer.publish({**issuer.profile, "id": issuer.url("/elsewhere.json")}, issuer.issuer_id)
    sources = [issuer.hosted_assertion(f"a{n}")["id"] for n in range(3)]
    reports = verify_many(sources, policy=make_policy())
    expected = f"the issuer profile at {issuer.issuer_id} claims another id ({issuer.url('/elsewhere.json')})"
    for report in reports:
        assert decisive(report) == ("issuer", "failed")
        assert report.check("issuer").message == f"{expected}: not trusted"
    assert issuer.server.counts()["/issuer.json"] == 1


def test_a_shared_badge_class_that_is_not_json_fails_every_badge_of_the_run(issuer: IssuerFixture) -> None:
    broken = issuer.url("/badges/broken.json")
    issuer.publish(b"{not json", broken)
    sources = [issuer.hosted_assertion(f"a{n}", badge=broken)["id"] for n in range(3)]
    for report in verify_many(sources, policy=make_policy()):
        assert decisive(report) == ("badge_class", "failed")
        assert report.check("badge_class").message == f"the badge class at {broken} is not JSON"


def test_verify_async_takes_the_options_of_verify(issuer_server: IssuerServer) -> None:
    issuer = IssuerFixture(issuer_server)
    badge_id = issuer.hosted_assertion("a1")["id"]
    cache = MemoryCache()
    report = asyncio.run(verify_async(badge_id, policy=make_policy(), label="my badge", cache=cache))
    assert report.source == "my badge"
    assert_valid(report)
    assert badge_id in cache.entries


def test_cache_with_max_age_is_reused_across_calls(issuer_server: IssuerServer) -> None:
    issuer = IssuerFixture(issuer_server, headers={"Cache-Control": "public, max-age=300"})
    badge_id = issuer.hosted_assertion("a1")["id"]
    cache = MemoryCache()
    first = verify(badge_id, policy=make_policy(), cache=cache)
    assert_valid(first)
    assert "cached" not in first.check("fetched").message
    assert len(issuer_server.requests) == 3
    second = verify(badge_id, policy=make_policy(), cache=cache)
    assert_valid(second)
    assert "(cached copy from" in second.check("fetched").message
    assert len(issuer_server.requests) == 3  # nothing fetched again
    assert set(cache.entries) == {badge_id, issuer.default_badge["id"], issuer.issuer_id}


def test_no_store_is_not_cached(issuer_server: IssuerServer) -> None:
    issuer = IssuerFixture(issuer_server, headers={"Cache-Control": "no-store"})
    badge_id = issuer.hosted_assertion("a1")["id"]
    cache = MemoryCache()
    verify(badge_id, policy=make_policy(), cache=cache)
    assert cache.entries == {}
    assert_valid(verify(badge_id, policy=make_policy(), cache=cache))
    assert len(issuer_server.requests) == 6


def _etag_issuer(server: IssuerServer) -> tuple[IssuerFixture, dict[str, Any], MemoryCache]:
    """An issuer whose documents carry ETags and must be revalidated each time; one verification done."""
    issuer = IssuerFixture(server, etags=True, headers={"Cache-Control": "no-cache"})
    assertion = issuer.hosted_assertion("a1")
    cache = MemoryCache()
    assert_valid(verify(assertion["id"], policy=make_policy(), cache=cache))
    assert [r.status for r in server.requests] == [200, 200, 200]
    assert all("if-none-match" not in r.headers for r in server.requests)
    server.clear_log()
    return issuer, assertion, cache


def test_etag_is_kept_with_the_cached_response(issuer_server: IssuerServer) -> None:
    _issuer, assertion, cache = _etag_issuer(issuer_server)
    entry = cache.get(assertion["id"])
    assert entry is not None
    assert entry.etag == issuer_server.routes["/assertions/a1.json"].headers["ETag"]
    assert entry.max_age == 0.0  # no-cache: stored, but never fresh


def test_document_changed_behind_its_etag_is_fetched_again(issuer_server: IssuerServer) -> None:
    issuer, assertion, cache = _etag_issuer(issuer_server)
    old_etag = cache.get(assertion["id"]).etag
    # The issuer revokes it: a new ETag, so a full 200 answer, and the cache does not hide the change.
    issuer.publish({"id": assertion["id"], "revoked": True, "revocationReason": "Withdrawn"})
    report = verify(assertion["id"], policy=make_policy(), cache=cache)
    assert report.status == "revoked"
    assert decisive(report) == ("revocation", "failed")
    assert report.badge.revocation_reason == "Withdrawn"
    (request,) = issuer_server.requests
    assert (request.path, request.status) == ("/assertions/a1.json", 200)
    assert request.headers["if-none-match"] == old_etag
    new_etag = issuer_server.routes["/assertions/a1.json"].headers["ETag"]
    assert new_etag != old_etag
    assert cache.get(assertion["id"]).etag == new_etag


def test_etag_revalidation_with_304(issuer_server: IssuerServer) -> None:
    _issuer, assertion, cache = _etag_issuer(issuer_server)
    report = verify(assertion["id"], policy=make_policy(), cache=cache)
    assert [r.status for r in issuer_server.requests] == [304, 304, 304]
    assert all(r.headers["if-none-match"].startswith('"') for r in issuer_server.requests)
    assert_valid(report)
    assert "(cached copy from" in report.check("fetched").message


def test_offline_with_a_warm_cache_is_valid_from_the_cache(issuer: IssuerFixture) -> None:
    badge_id = issuer.hosted_assertion("a1")["id"]
    cache = MemoryCache()
    assert_valid(verify(badge_id, policy=make_policy(), cache=cache))
    fetched = len(issuer.server.requests)
    report = verify(badge_id, policy=make_policy(offline=True), cache=cache)
    assert_valid(report)
    assert "cached" in report.check("fetched").message
    assert len(issuer.server.requests) == fetched


def test_offline_with_a_cold_cache_is_unverifiable(issuer: IssuerFixture) -> None:
    badge_id = issuer.hosted_assertion("a1")["id"]
    report = verify(badge_id, policy=make_policy(offline=True), cache=MemoryCache())
    assert report.status == "unverifiable"
    assert decisive(report) == ("fetched", "error")
    assert "offline, and this document was never fetched before" in report.check("fetched").message
    assert issuer.server.paths == []


def test_offline_signed_badge_with_a_warm_cache(issuer: IssuerFixture) -> None:
    token = issuer.signed_assertion("s1")
    cache = MemoryCache()
    assert_valid(verify(token, policy=make_policy(), cache=cache))
    fetched = len(issuer.server.requests)
    assert_valid(verify(token, policy=make_policy(offline=True), cache=cache))
    assert len(issuer.server.requests) == fetched


def test_signing_by_hand_matches_the_jws_standard(issuer: IssuerFixture) -> None:
    # The test issuer signs with `cryptography` alone; the verifier checks with joserfc: both must agree.
    token = sign_rs256({"hello": "world"}, issuer.key, typ="JWT")
    key = RSAKey.import_key(public_pem(issuer.key))
    verified = jws.deserialize_compact(token, key, algorithms=["RS256"])
    assert verified.headers() == {"alg": "RS256", "typ": "JWT"}
    assert json.loads(verified.payload) == {"hello": "world"}
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(tamper_payload(token, {"hello": "mars"}), key, algorithms=["RS256"])


def test_hosted_assertion_json_over_the_json_cap_is_refused_even_under_the_image_cap(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("a1")
    route = issuer.server.routes["/assertions/a1.json"]
    padded = dict(route.body)  # type: ignore[arg-type]
    padded["narrative"] = "x" * 100_000
    route.body = padded
    report = verify(assertion["id"], policy=make_policy(max_json_bytes=64 * 1024, max_image_bytes=256 * 1024))
    assert decisive(report) == ("fetched", "error")
    assert "larger than the 64 KB allowed" in report.check("fetched").message


def test_issuer_profile_reached_through_a_redirect_may_declare_its_final_url(issuer: IssuerFixture) -> None:
    # The badge class names the issuer under an old path that now redirects: the profile declares where it lives.
    old = issuer.url("/old/issuer.json")
    issuer.server.routes["/old/issuer.json"] = Route(status=301, redirect_to=issuer.issuer_id)
    badge = issuer.badge_class("moved", issuer=old)
    assertion = issuer.hosted_assertion("a1", badge=badge["id"])
    report = verify(assertion["id"], policy=make_policy())
    assert_valid(report)
    assert report.badge.issuer_id == issuer.issuer_id


def test_issuer_profile_on_a_redirect_to_another_id_on_the_same_host_is_not_trusted(issuer: IssuerFixture) -> None:
    issuer.publish({**issuer.profile, "id": issuer.url("/someone-else.json")}, issuer.url("/tenant.json"))
    badge = issuer.badge_class("tenant", issuer=issuer.url("/tenant.json"))
    report = verify(issuer.hosted_assertion("a1", badge=badge["id"])["id"], policy=make_policy())
    assert decisive(report) == ("issuer", "failed")


def test_hashed_flag_written_as_a_string_is_understood(issuer: IssuerFixture) -> None:
    assertion = issuer.assertion(issuer.url("/assertions/s.json"))
    assertion["recipient"]["hashed"] = "true"
    issuer.publish(assertion)
    report = verify(assertion["id"], policy=make_policy())
    assert_valid(report)
    assert report.check("recipient").outcome == "passed"
