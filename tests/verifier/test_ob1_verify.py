"""Open Badges 0.5, 1.0 and 1.1 badges, upgraded to the OB 2.0 model and verified by the OB 2.0 path.

Every document is built here, in the shapes of the 0.5 and 1.0 specifications and of the reference validator's
fixtures, and served by a real local issuer (``tests/issuer.py``); signed 1.0 badges are signed by the test's own key.
"""

from __future__ import annotations

from typing import Any

from helpers import VECTORS
from issuer import (
    IssuerFixture,
    IssuerServer,
    bake_png,
    closed_port_url,
    hash_identity,
    json_text,
    public_pem,
    rsa_private_key,
    sign_rs256,
    tamper_payload,
)
from ob2_fixtures import *  # noqa: F403 - the issuer_server, other_server and issuer fixtures
from ob2_fixtures import EARNER, make_policy

from verifier import CHECK_IDS, Report, classify_payload, summarize, verify

UNIX_ISSUED_ON = 1359217910  # 2013-01-26T16:31:50Z, the 1.0 specification's example


def outcomes(report: Report) -> dict[str, str]:
    return {c.id: c.outcome for c in report.checks}


def assert_valid(report: Report) -> None:
    problems = [c for c in report.checks if c.outcome in ("failed", "error")]
    assert report.status == "valid", problems
    assert set(outcomes(report)) <= set(CHECK_IDS)


def decisive(report: Report) -> tuple[str, str]:
    check = report.decisive_check
    assert check is not None, report.to_dict()
    return check.id, check.outcome


class Ob1Issuer:
    """An OB 1.0 issuer: an IssuerOrganization, a BadgeClass and assertions without any @context."""

    def __init__(self, server: IssuerServer, *, context: str | None = None) -> None:
        self.server = server
        self.context = context
        self.key = rsa_private_key()
        self.issuer_url = server.url("/organization.json")
        self.badge_url = server.url("/robotics-badge.json")
        self.key_url = server.url("/public-key.pem")
        self.revocation_url = server.url("/revoked.json")
        organization: dict[str, Any] = {
            "name": "An Example Badge Issuer",
            "url": server.base_url,
            "email": "steved@example.org",
            "revocationList": self.revocation_url,
        }
        badge_class: dict[str, Any] = {
            "name": "Awesome Robotics Badge",
            "description": "For doing awesome things with robots.",
            "image": server.url("/robotics-badge.png"),
            "criteria": server.url("/robotics-badge.html"),
            "issuer": self.issuer_url,
            "alignment": [{"name": "CCSS.ELA-Literacy.RST.11-12.3", "url": "http://www.corestandards.org/x"}],
        }
        if context:
            organization.update({"@context": context, "type": "Issuer", "id": self.issuer_url})
            badge_class.update({"@context": context, "type": "BadgeClass", "id": self.badge_url})
        server.serve(self.issuer_url, organization)
        server.serve(self.badge_url, badge_class)
        server.serve(self.key_url, public_pem(self.key), content_type="application/x-pem-file")
        server.serve(self.revocation_url, {})

    def assertion(self, uid: str = "f2c20", *, verify: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        document: dict[str, Any] = {
            "uid": uid,
            "recipient": {
                "type": "email",
                "hashed": True,
                "salt": "deadsea",
                "identity": hash_identity(EARNER, "deadsea"),
            },
            "image": self.server.url("/beths-robot-badge.png"),
            "evidence": self.server.url("/beths-robot-work.html"),
            "issuedOn": UNIX_ISSUED_ON,
            "badge": self.badge_url,
            "verify": verify or {"type": "hosted", "url": self.server.url(f"/assertions/{uid}.json")},
        }
        if self.context:
            document.update({"@context": self.context, "type": "Assertion", "id": document["verify"]["url"]})
        document.update(extra)
        return document

    def hosted(self, uid: str = "f2c20", **extra: Any) -> dict[str, Any]:
        document = self.assertion(uid, **extra)
        self.server.serve(document["verify"]["url"], document)
        return document

    def signed(self, uid: str = "abc-1234", **extra: Any) -> str:
        return sign_rs256(self.assertion(uid, verify={"type": "signed", "url": self.key_url}, **extra), self.key)


def ob05_assertion(origin: str, **extra: Any) -> dict[str, Any]:
    """An OB 0.5 assertion: a salted hash as recipient, badge and issuer embedded, paths relative to the origin."""
    document: dict[str, Any] = {
        "recipient": hash_identity(EARNER, "s3lgris"),
        "salt": "s3lgris",
        "issued_on": "2013-06-01",
        "evidence": "/work/ada.html",
        "badge": {
            "version": "0.5.0",
            "name": "Old Robotics Badge",
            "image": "/img/robotics.png",
            "description": "Built a robot, in 2013.",
            "criteria": "/criteria/robotics.html",
            "issuer": {"origin": origin, "name": "Ada's Workshop", "org": "Robot Club", "contact": "ada@example.org"},
        },
    }
    document.update(extra)
    return document


# ----------------------------------------------------------------------------------------------------------------------
# Open Badges 1.0
# ----------------------------------------------------------------------------------------------------------------------


def test_ob10_hosted_badge_by_url_is_upgraded_and_valid(issuer_server: IssuerServer) -> None:
    old = Ob1Issuer(issuer_server)
    assertion = old.hosted()
    report = verify(assertion["verify"]["url"], policy=make_policy())
    assert_valid(report)
    assert report.format == "ob1.0-hosted"
    assert report.check("json_ld").message == "Open Badges 1.0 assertion, read as Open Badges 2.0"
    assert report.check("origin").outcome == "passed"
    assert report.check("recipient").message == f"issued to {EARNER} (hashed email)"
    badge = report.badge
    assert (badge.name, badge.issuer_name, badge.issuer_id) == (
        "Awesome Robotics Badge",
        "An Example Badge Issuer",
        old.issuer_url,
    )
    assert badge.issued_on == "2013-01-26T16:31:50Z"  # the Unix time, read
    assert badge.criteria_url == issuer_server.url("/robotics-badge.html")
    assert badge.alignments == [
        {"targetName": "CCSS.ELA-Literacy.RST.11-12.3", "targetUrl": "http://www.corestandards.org/x"}
    ]


def test_ob10_baked_json_is_verified_at_its_verify_url(issuer_server: IssuerServer) -> None:
    old = Ob1Issuer(issuer_server)
    assertion = old.hosted(issuedOn=str(UNIX_ISSUED_ON))  # a Unix time written as a string
    report = verify(bake_png(json_text(assertion)), policy=make_policy())
    assert_valid(report)
    assert report.format == "ob1.0-hosted"
    assert report.check("hosted_copy").outcome == "passed"
    assert report.badge.issued_on == "2013-01-26T16:31:50Z"


def test_ob10_hosted_badge_outside_the_issuer_origin_is_invalid(
    issuer_server: IssuerServer, other_server: IssuerServer
) -> None:
    old = Ob1Issuer(issuer_server)
    assertion = old.assertion(verify={"type": "hosted", "url": other_server.url("/copy.json")})
    other_server.serve("/copy.json", assertion)
    report = verify(other_server.url("/copy.json"), policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("origin", "failed")


def test_ob10_hosted_badge_gone_is_revoked(issuer_server: IssuerServer) -> None:
    old = Ob1Issuer(issuer_server)
    assertion = old.assertion()
    issuer_server.serve(assertion["verify"]["url"], {"revoked": True}, status=410)
    report = verify(json_text(assertion), policy=make_policy())
    assert report.status == "revoked"
    assert report.format == "ob1.0-hosted"


def test_ob10_signed_badge_is_valid_with_a_pem_key_on_the_issuer_origin(issuer_server: IssuerServer) -> None:
    old = Ob1Issuer(issuer_server)
    report = verify(old.signed(), policy=make_policy())
    assert_valid(report)
    assert report.format == "ob1.0-signed"
    assert report.badge_id == "uid:abc-1234"
    assert report.check("signature").message == f"valid RS256 signature by {old.key_url}"
    assert report.check("key_owner").outcome == "passed"
    assert report.check("revocation").outcome == "passed"
    assert report.badge.name == "Awesome Robotics Badge"


def test_ob10_signed_badge_tampered_is_invalid(issuer_server: IssuerServer) -> None:
    old = Ob1Issuer(issuer_server)
    token = old.signed()
    forged = old.assertion("abc-1234", verify={"type": "signed", "url": old.key_url}, issuedOn=UNIX_ISSUED_ON + 86400)
    report = verify(tamper_payload(token, forged), policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("signature", "failed")


def test_ob10_signed_badge_with_a_key_elsewhere_is_invalid(
    issuer_server: IssuerServer, other_server: IssuerServer
) -> None:
    # Anyone can sign a badge naming a real issuer's badge class with their own key: the key must be the issuer's.
    old = Ob1Issuer(issuer_server)
    mallory = rsa_private_key(1)
    key_url = other_server.serve("/key.pem", public_pem(mallory), content_type="text/plain")
    token = sign_rs256(old.assertion("abc-1234", verify={"type": "signed", "url": key_url}), mallory)
    report = verify(token, policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("key_owner", "failed")
    assert "is not on the issuer's origin" in report.check("key_owner").message


def test_ob10_signed_badge_in_the_revocation_list_is_revoked(issuer_server: IssuerServer) -> None:
    old = Ob1Issuer(issuer_server)
    issuer_server.serve(old.revocation_url, {"abc-1234": "Issued in error", "qp8g1s": "Honor code violation"})
    report = verify(old.signed(), policy=make_policy())
    assert report.status == "revoked"
    assert report.check("revocation").message == "revoked by the issuer: Issued in error"


def test_ob10_signed_badge_json_without_its_jws_is_unverifiable(issuer_server: IssuerServer) -> None:
    old = Ob1Issuer(issuer_server)
    claims = old.assertion("abc-1234", verify={"type": "signed", "url": old.key_url})
    report = verify(json_text(claims), policy=make_policy())
    assert report.status == "unverifiable"
    assert report.format == "ob1.0-signed"


# ----------------------------------------------------------------------------------------------------------------------
# Open Badges 1.1
# ----------------------------------------------------------------------------------------------------------------------


def test_ob11_hosted_badge_is_upgraded_and_valid(issuer_server: IssuerServer) -> None:
    old = Ob1Issuer(issuer_server, context="https://w3id.org/openbadges/v1")
    assertion = old.hosted(issuedOn="2016-05-15")
    assert classify_payload(json_text(assertion)).version == "ob1"
    report = verify(json_text(assertion), policy=make_policy())
    assert_valid(report)
    assert report.format == "ob1.1-hosted"
    assert report.badge.issued_on == "2016-05-15T00:00:00Z"
    assert report.check("issuer").outcome == "passed"


def test_ob11_signed_badge_is_valid(issuer_server: IssuerServer) -> None:
    old = Ob1Issuer(issuer_server, context="https://w3id.org/openbadges/v1")
    claims = old.assertion("s1", verify={"type": "signed", "url": old.key_url}, id="urn:uuid:s1")
    report = verify(sign_rs256(claims, old.key), policy=make_policy())
    assert_valid(report)
    assert report.format == "ob1.1-signed"


# ----------------------------------------------------------------------------------------------------------------------
# Open Badges 0.5
# ----------------------------------------------------------------------------------------------------------------------


def test_ob05_hosted_badge_is_upgraded_and_valid(issuer_server: IssuerServer) -> None:
    url = issuer_server.serve("/assertions/ada.json", ob05_assertion(issuer_server.base_url))
    report = verify(url, policy=make_policy())
    assert_valid(report)
    assert report.format == "ob0.5-hosted"
    assert report.check("json_ld").message == "Open Badges 0.5 assertion, read as Open Badges 2.0"
    assert report.check("recipient").message == f"issued to {EARNER} (hashed email)"
    badge = report.badge
    assert (badge.name, badge.issuer_name) == ("Old Robotics Badge", "Ada's Workshop: Robot Club")
    assert badge.issued_on == "2013-06-01T00:00:00Z"
    assert badge.image == issuer_server.url("/img/robotics.png")  # relative to the issuer's origin
    assert badge.criteria_url == issuer_server.url("/criteria/robotics.html")
    assert badge.evidence == [{"id": issuer_server.url("/work/ada.html")}]


def test_ob05_badge_without_issue_date_is_valid(issuer_server: IssuerServer) -> None:
    document = ob05_assertion(issuer_server.base_url)
    del document["issued_on"]
    url = issuer_server.serve("/assertions/ada.json", document)
    report = verify(url, policy=make_policy())
    assert_valid(report)
    assert report.check("issued_on").outcome == "skipped"


def test_ob05_badge_hosted_off_its_issuer_origin_is_invalid(
    issuer_server: IssuerServer, other_server: IssuerServer
) -> None:
    url = other_server.serve("/assertions/ada.json", ob05_assertion(issuer_server.base_url))
    report = verify(url, policy=make_policy())
    assert report.status == "invalid"
    assert decisive(report) == ("origin", "failed")


def test_ob05_json_alone_is_unverifiable_and_shows_what_it_says() -> None:
    text = json_text(ob05_assertion("https://old.example.org"))
    payload = classify_payload(text)
    assert payload.version == "ob0"
    assert summarize(payload).issued_on == "2013-06-01"
    report = verify(text, policy=make_policy())
    assert report.status == "unverifiable"
    assert report.format == "ob0.5-hosted"
    assert decisive(report) == ("fetched", "error")
    assert (report.badge.name, report.badge.issuer_name) == ("Old Robotics Badge", "Ada's Workshop: Robot Club")
    assert report.badge.issued_on == "2013-06-01T00:00:00Z"


# ----------------------------------------------------------------------------------------------------------------------
# What an unverifiable badge carries is still shown; Unix times are read everywhere
# ----------------------------------------------------------------------------------------------------------------------


def test_unreachable_ob2_badge_shows_the_name_and_issuer_it_carries() -> None:
    assertion = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": closed_port_url("/a1.json"),
        "recipient": {"type": "email", "hashed": False, "identity": EARNER},
        "issuedOn": UNIX_ISSUED_ON,
        "verification": {"type": "HostedBadge"},
        "badge": {
            "type": "BadgeClass",
            "id": "https://issuer.example.org/b.json",
            "name": "Embedded Badge",
            "issuer": {"type": "Profile", "id": "https://issuer.example.org/i.json", "name": "Embedded Issuer"},
        },
    }
    text = json_text(assertion)
    report = verify(text, policy=make_policy())
    assert report.status == "unverifiable"
    assert decisive(report) == ("fetched", "error")
    data = report.to_dict()["badge"]
    assert (data["name"], data["issuer_name"], data["issued_on"]) == (
        "Embedded Badge",
        "Embedded Issuer",
        "2013-01-26T16:31:50Z",
    )
    assert summarize(classify_payload(text)).issued_on == "2013-01-26T16:31:50Z"


def test_ob10_shared_vector_offline_is_unverifiable_not_invalid() -> None:
    # The Python bakery's OB 1.0 PNG (tests/fixtures/vectors/baked/py-baked_heart.png): its issuer is example.org.
    report = verify((VECTORS / "baked" / "py-baked_heart.png").read_bytes(), policy=make_policy(offline=True))
    assert report.status == "unverifiable"
    assert report.format == "ob1.0-hosted"
    assert decisive(report) == ("fetched", "error")


# ----------------------------------------------------------------------------------------------------------------------
# OB 2.0 verification types other than hosted and signed
# ----------------------------------------------------------------------------------------------------------------------


def test_hosted_badge_declaring_a_blockchain_verification_is_checked_as_hosted_with_a_warning(
    issuer: IssuerFixture,
) -> None:
    assertion = issuer.hosted_assertion("m1", verification={"type": "MerkleProof2017"})
    report = verify(json_text(assertion), policy=make_policy())
    assert_valid(report)
    assert report.format == "ob2-hosted"
    assert report.check("format").outcome == "warning"
    assert report.check("format").message == (
        "the badge declares MerkleProof2017 verification, which the backpack does not check: "
        "only its hosted copy was verified"
    )


def test_badge_whose_only_verification_is_a_token_is_unverifiable_and_named(issuer: IssuerFixture) -> None:
    assertion = issuer.assertion(
        "urn:uuid:7e4c0a36-1d1f-4b4e-9a55-6a1f6f0f7f01",
        verification={"type": "ERC721TokenVerification2018"},
        badge=issuer.default_badge,
    )
    report = verify(json_text(assertion), policy=make_policy())
    assert report.status == "unverifiable"
    assert report.format == "ob2-erc721tokenverification2018"
    assert decisive(report) == ("format", "error")
    assert "ERC721TokenVerification2018" in report.check("format").message
    assert report.badge.name == "Robotics Badge"  # what the badge carries, shown unverified


def test_signed_badge_with_lower_case_signed_badge_type_verifies_and_says_so(issuer: IssuerFixture) -> None:
    claims = issuer.signed_claims("s9")
    claims["verification"]["type"] = "signedBadge"
    report = verify(sign_rs256(claims, issuer.key), policy=make_policy())
    assert_valid(report)
    assert report.format == "ob2-signed"
    assert report.check("format").message == "verification type 'signedBadge' is not spelled as the spec spells it"


def test_signed_badge_json_with_lower_case_type_is_unverifiable(issuer: IssuerFixture) -> None:
    claims = issuer.signed_claims("s9")
    claims["verification"]["type"] = "signedBadge"
    report = verify(json_text(claims), policy=make_policy())
    assert report.status == "unverifiable"
    assert report.format == "ob2-signed"


def test_hosted_url_serving_a_signed_badge_document_is_verified_as_hosted_and_says_so(issuer: IssuerFixture) -> None:
    assertion = issuer.hosted_assertion("h2", verification={"type": "SignedBadge", "creator": issuer.key_id})
    report = verify(assertion["id"], policy=make_policy())
    assert_valid(report)
    assert report.check("format").message == (
        "the badge declares SignedBadge verification but was verified as hosted: read as given"
    )
