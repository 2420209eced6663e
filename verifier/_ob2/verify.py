"""OB 2.0 verification flows: HostedBadge (fetch the assertion by its id) and SignedBadge (JWS with the issuer's key).

The flows do the I/O (through the shared ``Fetcher``) and record one result per check in the report; the decisions
themselves are the pure functions of ``checks``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from .._errors import FetchError, InputTooLarge, JSONTooDeep, VerifierError
from .._extract import extract
from .._json import as_list, as_object, node_id, parse_json, text_of, utc_iso
from .._payload import Payload, classify_payload, detect_version
from .._problems import gone_reason
from .._report import BadgeDisplay, Outcome, Report
from .._run import Run
from .._status.ob2_revocation_list import revocation_entry
from . import checks, upgrade
from .upgrade import LegacyVersion

__all__ = ["verify_assertion_json", "verify_hosted", "verify_signed"]

OB_NS = "https://w3id.org/openbadges#"
_ALLOWED_JWS_ALGORITHMS = ("RS256",)  # the only algorithm OB 2.0 signed badges use


def _canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_OB2_CONTEXTS = ("https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json")


def _check_json_ld(report: Report, assertion: dict[str, Any], legacy: LegacyVersion | None = None) -> bool:
    if legacy is not None:
        # Read as the reference validator reads it: upgraded in memory to the 2.0 model, then checked as 2.0.
        report.add("json_ld", "passed", f"Open Badges {legacy} assertion, read as Open Badges 2.0")
        return True
    contexts = [c for c in as_list(assertion.get("@context")) if isinstance(c, str)]
    if not any(c.rstrip("/") in _OB2_CONTEXTS for c in contexts):
        shown = ", ".join(contexts) or "none"
        report.add("json_ld", "failed", f"the @context must be https://w3id.org/openbadges/v2 (found: {shown})")
        return False
    types = {t for t in as_list(assertion.get("type")) if isinstance(t, str)}
    if contexts == [assertion.get("@context")] or assertion.get("@context") == contexts[:1]:
        # With the OB 2.0 context alone, "Assertion" can only mean obi:Assertion: expansion would say the same.
        if "Assertion" in types or f"{OB_NS}Assertion" in types:
            report.add("json_ld", "passed", "Open Badges 2.0 assertion, known context")
            return True
        report.add("json_ld", "failed", "the document is not an Open Badges 2.0 Assertion (type Assertion expected)")
        return False
    # PyLD is loaded only here: an assertion with the OB 2.0 context alone (nearly all) is decided without it.
    from pyld.jsonld import JsonLdError

    from .._jsonld import UnknownContext, expand

    try:
        expanded = expand(assertion)
    except UnknownContext as exc:
        report.add("json_ld", "error", str(exc))
        return False
    except (JsonLdError, TypeError, ValueError) as exc:
        report.add("json_ld", "failed", f"not valid JSON-LD: {str(exc).splitlines()[0]}")
        return False
    types = {t for node in expanded for t in node.get("@type", [])}
    if f"{OB_NS}Assertion" not in types:
        report.add("json_ld", "failed", "the document is not an Open Badges 2.0 Assertion (type Assertion expected)")
        return False
    report.add("json_ld", "passed", "Open Badges 2.0 assertion, known context")
    return True


async def _node(
    run: Run,
    value: Any,
    check_id: str,
    what: str,
    expected_types: tuple[str, ...],
    legacy: LegacyVersion | None = None,
) -> dict[str, Any] | None:
    """An embedded node, or the node fetched from its IRI; records ``check_id``. A fetched OB 1.1 node, or a 1.0 node
    of an OB 1.x assertion, is upgraded to 2.0 first (its id is the URL it came from)."""
    if isinstance(value, dict):
        node, outcome, message = _checked_node(run, value, None, check_id, what, expected_types, legacy)
    elif isinstance(value, str):
        fetched = await run.fetch_json(value, check_id, what, shared=True)
        if fetched is None:
            return None
        # The same fetched document (a badge class or issuer of many badges) gets the same verdict each time: it is
        # decided once per run. ``legacy`` counts only as whether the assertion is an OB 1.x one.
        key = ("ob2-node", check_id, value, legacy is not None)
        entry = run.fetcher.memo.get(key)
        if entry is None or entry[0] is not fetched:
            entry = run.fetcher.memo[key] = (
                fetched,
                *_checked_node(run, fetched, value, check_id, what, expected_types, legacy),
            )
        _fetched, node, outcome, message = entry
    else:
        run.report.add(check_id, "failed", f"the {what} is missing")
        return None
    run.report.add(check_id, outcome, message)
    return node


def _checked_node(
    run: Run,
    node: dict[str, Any],
    fetched_from: str | None,
    check_id: str,
    what: str,
    expected_types: tuple[str, ...],
    legacy: LegacyVersion | None,
) -> tuple[dict[str, Any] | None, Outcome, str]:
    """``_node``'s verdict on an embedded node, or on a document fetched from ``fetched_from`` (read, never
    changed: it may be shared by every badge of the run)."""
    origin = "embedded"
    if fetched_from is not None:
        origin = f"fetched from {fetched_from}"
        version = upgrade.node_version(node)
        if version == "1.1" or (version == "1.0" and legacy is not None):
            convert = upgrade.upgrade_issuer if check_id == "issuer" else upgrade.upgrade_badge_class
            node = convert(node, version, located_at=fetched_from)
            origin += f", Open Badges {version}"
    declared = node_id(node)
    if fetched_from is not None and check_id == "issuer" and not run.lives_at(declared, fetched_from):
        # The issuer's id anchors key ownership and the verification scope: it must be where the profile lives.
        return None, "failed", f"the issuer profile at {fetched_from} claims another id ({declared}): not trusted"
    types = {t for t in as_list(node.get("type")) if isinstance(t, str)}
    if not types & set(expected_types):
        return None, "failed", f"the {what} has type {sorted(types) or 'none'}, not {expected_types[0]}"
    label = node.get("name") if isinstance(node.get("name"), str) else node_id(node)
    return node, "passed", f"{label} ({origin})"


async def _badge_class_and_issuer(
    run: Run, assertion: dict[str, Any], legacy: LegacyVersion | None = None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    badge_class = await _node(run, assertion.get("badge"), "badge_class", "badge class", ("BadgeClass",), legacy)
    if badge_class is None:
        return None, None
    issuer = await _node(run, badge_class.get("issuer"), "issuer", "issuer profile", ("Issuer", "Profile"), legacy)
    return badge_class, issuer


def _properties(
    report: Report,
    assertion: dict[str, Any],
    badge_class: dict[str, Any] | None,
    issuer: dict[str, Any] | None,
    legacy: LegacyVersion | None = None,
) -> None:
    problems = []
    # OB 0.5 had no issue date requirement, and its badge and issuer, embedded, had no ids.
    optional = {"issuedOn", "id"} if legacy == "0.5" else set()
    for label, node, required in (
        ("assertion", assertion, checks.ASSERTION_REQUIRED),
        ("badge class", badge_class, checks.BADGE_CLASS_REQUIRED),
        ("issuer", issuer, checks.ISSUER_REQUIRED),
    ):
        if node is not None:
            wanted = [name for name in required if name not in optional or (name == "id" and node is assertion)]
            missing = checks.missing_properties(node, wanted)
            if missing:
                problems.append(f"the {label} lacks {', '.join(missing)}")
    if problems:
        report.add("properties", "failed", "; ".join(problems))
    else:
        report.add("properties", "passed", "assertion, badge class and issuer have the required properties")


def _common_checks(
    run: Run,
    assertion: dict[str, Any],
    badge_class: dict[str, Any] | None,
    issuer: dict[str, Any] | None,
    legacy: LegacyVersion | None = None,
) -> None:
    report, policy = run.report, run.policy
    report.badge = checks.display_data(assertion, badge_class or {}, issuer or {})
    _properties(report, assertion, badge_class, issuer, legacy)
    report.add("recipient", *checks.check_recipient(assertion.get("recipient"), policy.recipients))
    issued, expiry = checks.check_dates(assertion, now=policy.current_time(), skew=policy.clock_skew)
    if legacy == "0.5" and assertion.get("issuedOn") is None:
        issued = ("skipped", "no issue date (optional in Open Badges 0.5)")
    report.add("issued_on", *issued)
    report.add("expiry", *expiry)


async def _display_only(run: Run, assertion: dict[str, Any]) -> None:
    """Fill the display data of a badge whose verdict is already known, without recording checks."""
    nodes: list[dict[str, Any]] = []
    value: Any = assertion.get("badge")
    for _ in range(2):  # the badge class, then its issuer
        if isinstance(value, str):
            try:
                result = await run.fetcher.fetch(value, kind="json")
                value = parse_json(result.body) if result.ok else None
            except (FetchError, ValueError):
                value = None
        if not isinstance(value, dict):
            break
        nodes.append(value)
        value = value.get("issuer")
    reason = run.report.badge.revocation_reason
    run.report.badge = checks.display_data(assertion, *(nodes + [{}, {}])[:2])
    run.report.badge.revocation_reason = reason


def _revoked_in_document(report: Report, assertion: dict[str, Any]) -> bool:
    if assertion.get("revoked") is True:
        reason = assertion.get("revocationReason")
        report.badge.revocation_reason = reason if isinstance(reason, str) else None
        report.add("revocation", "failed", "revoked by the issuer" + (f": {reason}" if isinstance(reason, str) else ""))
        return True
    return False


async def verify_hosted(run: Run, url: str, baked_copy: dict[str, Any] | None, *, depth: int = 0) -> None:
    """HostedBadge (OB 0.5 to 2.0): fetch the assertion from ``url``; ``baked_copy`` is the copy the badge carried."""
    await _verify_hosted(run, url, baked_copy, depth=depth)
    report = run.report
    fetched = report.check("fetched")
    if baked_copy is not None and (fetched is None or fetched.outcome != "passed") and report.badge.name is None:
        # The issuer could not be asked (offline, gone, refused): show what the badge itself says, for what it is.
        reason = report.badge.revocation_reason
        report.badge = payload_display(baked_copy)
        report.badge.revocation_reason = reason or report.badge.revocation_reason


def payload_display(assertion: dict[str, Any]) -> BadgeDisplay:
    """The display data an OB 0.5 to 2.0 assertion carries itself (its embedded badge class and issuer), unverified."""
    legacy = upgrade.legacy_version(assertion)
    if legacy is not None:
        assertion = upgrade.upgrade_assertion(assertion, legacy)
    badge_class = as_object(assertion.get("badge"))
    return checks.display_data(assertion, badge_class, as_object(badge_class.get("issuer")))


async def _verify_hosted(run: Run, url: str, baked_copy: dict[str, Any] | None, *, depth: int = 0) -> None:
    report = run.report
    carried = upgrade.legacy_version(baked_copy) if baked_copy is not None else None
    report.format = f"ob{carried or 2}-hosted"
    report.badge_id = url
    run.stage = "fetched"
    try:
        result = await run.fetcher.fetch(url, kind="any")
    except FetchError as exc:
        report.add("fetched", "error", f"could not fetch the hosted assertion: {exc}")
        return
    when = f" (cached copy from {utc_iso(result.fetched_at)})" if result.from_cache else ""
    gone = gone_reason(result.body) if result.status == 410 and baked_copy is None else None
    if gone is not None:
        # A shared portfolio's link, not an assertion: its holder's act, which says nothing about the badges.
        what = "withdrawn by its holder" if gone == "withdrawn" else "expired: its holder shared it for a while"
        report.format = "bundle"
        report.add("fetched", "error", f"this shared link was {what} ({url} answered 410 Gone{when})")
        return
    if result.status == 410:
        report.add("fetched", "passed", f"{url} answered 410 Gone{when}")
        report.add("revocation", "failed", "revoked: the issuer answers 410 Gone for this assertion")
        if baked_copy:
            report.badge = checks.display_data(baked_copy, {}, {})
        return
    if result.status in (404, 403):
        report.add("fetched", "failed", f"the issuer does not serve this assertion: {url} answered {result.status}")
        return
    if not result.ok:
        report.add("fetched", "error", f"could not fetch the hosted assertion: {url} answered {result.status}")
        return
    body = result.body
    if body[:1] != b"{" and body.lstrip()[:1] != b"{":
        # The URL may serve the baked image itself.
        try:
            payload = extract(body).payload
        except InputTooLarge as exc:  # a limit of the backpack's, which says nothing against the badge
            report.add("fetched", "error", f"{url} serves a badge the backpack cannot read: {exc}")
            return
        except VerifierError as exc:
            report.add("fetched", "failed", f"{url} serves neither JSON nor a baked badge: {exc}")
            return
        if payload.version == "ob3" and payload.problem is None:
            report.add("fetched", "passed", f"fetched from {url}{when}: an OB 3.0 credential ({payload.kind})")
            await run.dispatch(payload)
            return
        if payload.kind == "jws" and depth == 0:
            await verify_signed(run, payload)
            return
        if payload.kind != "json" or payload.claims is None or depth > 0:
            report.add("fetched", "failed", f"{url} serves an image whose baked badge is not an assertion")
            return
        body = payload.text.encode()
    if len(body) > run.fetcher.policy.max_json_bytes:
        # Fetched under the image cap, since the URL could have served a baked image: JSON has the smaller cap.
        report.add(
            "fetched", "error", f"response larger than the {run.fetcher.policy.max_json_bytes // 1024} KB allowed"
        )
        return
    try:
        assertion = parse_json(body)
    except JSONTooDeep as exc:
        report.add("fetched", "error", f"the document at {url} is refused: {exc}")
        return
    except ValueError:
        report.add("fetched", "failed", f"{url} does not serve JSON")
        return
    if not isinstance(assertion, dict):
        report.add("fetched", "failed", f"{url} does not serve a JSON object")
        return
    if "VerifiablePresentation" in as_list(assertion.get("type")):
        # A share page answers a machine's Accept: application/ld+json with its signed portfolio bundle.
        report.add("fetched", "passed", f"fetched from {url}{when}: a portfolio bundle")
        await run.dispatch(classify_payload(body.decode("utf-8", "replace")))
        return
    if detect_version(assertion) == "ob3":
        report.add("fetched", "passed", f"fetched from {url}{when}: an OB 3.0 credential")
        await run.dispatch(classify_payload(body.decode("utf-8", "replace"), hint="ob3"))
        return
    legacy = upgrade.legacy_version(assertion)
    if legacy is not None:
        report.format = f"ob{legacy}-hosted"
    declared = upgrade.hosted_url(assertion, legacy) if legacy is not None else assertion.get("id")
    note = f"; it declares a different id ({declared})" if isinstance(declared, str) and declared != url else ""
    report.add("fetched", "passed", f"fetched from {url}{when}{note}")
    _note_verification_type(report, assertion, "hosted")
    if baked_copy is not None:
        if _canonical(baked_copy) != _canonical(assertion):
            report.add(
                "hosted_copy", "warning", "the baked copy differs from the hosted assertion; the hosted one wins"
            )
        else:
            report.add("hosted_copy", "passed", "the baked copy matches the hosted assertion")
    if legacy is not None:
        assertion = upgrade.upgrade_assertion(assertion, legacy, located_at=url)
    if _revoked_in_document(report, assertion):
        await _display_only(run, assertion)
        return
    _check_json_ld(report, assertion, legacy)
    badge_class, issuer = await _badge_class_and_issuer(run, assertion, legacy)
    _common_checks(run, assertion, badge_class, issuer, legacy)
    if issuer is not None:
        if legacy == "0.5":
            # A 0.5 issuer is known by its origin alone: that is where its badges must be hosted.
            issuer = {**issuer, "id": upgrade.issuer_origin(issuer) or ""}
        # Both where the document really came from and the id it claims must be in the issuer's scope: any host
        # can serve a copy that claims an id on the issuer's origin.
        scoped = dict.fromkeys([url, result.final_url, *([declared] if isinstance(declared, str) else [])])
        outcomes = [checks.check_origin(candidate, issuer) for candidate in scoped]
        report.add("origin", *next((o for o in outcomes if o[0] == "failed"), outcomes[-1]))
    report.add("revocation", "passed", "not revoked: the issuer still serves the assertion")


def _key_ids(value: Any) -> list[str]:
    return [k for k in (node_id(v) for v in as_list(value)) if k]


async def verify_signed(run: Run, payload: Payload) -> None:
    """SignedBadge (OB 1.0 to 2.0): a compact JWS verified with the issuer's key."""
    report = run.report
    report.format = "ob2-signed"
    header = payload.jws_header or {}
    assertion = payload.claims
    algorithm = header.get("alg")
    algorithm_ok = algorithm in _ALLOWED_JWS_ALGORITHMS
    if not algorithm_ok:
        report.add("signature", "failed", f"JWS algorithm {algorithm!r} is not allowed: OB 2.0 signed badges use RS256")
    if assertion is None:
        report.add("json_ld", "failed", "the JWS payload is not a JSON object")
        return
    legacy = upgrade.legacy_version(assertion)
    if legacy is not None:
        report.format = f"ob{legacy}-signed"
        assertion = upgrade.upgrade_assertion(assertion, legacy)
    report.badge_id = assertion.get("id") if isinstance(assertion.get("id"), str) else None
    _note_verification_type(report, assertion, "signed")
    _check_json_ld(report, assertion, legacy)
    badge_class, issuer = await _badge_class_and_issuer(run, assertion, legacy)
    _common_checks(run, assertion, badge_class, issuer, legacy)
    _revoked_in_document(report, assertion)
    if issuer is None:
        if algorithm_ok:
            report.add("signature", "error", "cannot check the signature without the issuer's profile")
        return
    if legacy is not None:
        if algorithm_ok:
            await _check_legacy_signature(run, payload, assertion, issuer)
        await _check_revocation_list(run, assertion, issuer)
        return
    verification = assertion.get("verification") or assertion.get("verify") or {}
    creator = node_id(verification.get("creator")) if isinstance(verification, dict) else None
    issuer_keys = _key_ids(issuer.get("publicKey"))
    candidates = [creator] if creator else issuer_keys
    if creator and creator not in issuer_keys:
        report.add("key_owner", "failed", f"the signing key {creator} is not among the issuer's public keys")
    elif not candidates:
        report.add("key_owner", "failed", "the badge names no signing key and the issuer lists no public key")
    if algorithm_ok and candidates:
        await _check_signature(run, payload, candidates, issuer, record_owner=report.check("key_owner") is None)
    await _check_revocation_list(run, assertion, issuer)


async def _check_signature(
    run: Run, payload: Payload, key_urls: list[str], issuer: dict[str, Any], *, record_owner: bool
) -> None:
    report = run.report
    issuer_id = node_id(issuer)
    problems: list[str] = []
    for key_url in key_urls:
        key_document = await run.fetch_json(key_url, "signature", "signing key")
        if key_document is None:
            return
        pem = key_document.get("publicKeyPem")
        if not isinstance(pem, str):
            problems.append(f"the key {key_url} has no publicKeyPem")
            continue
        owner = node_id(key_document.get("owner"))
        if not run.lives_at(node_id(key_document), key_url):
            report.add("key_owner", "failed", f"the key at {key_url} claims another id ({node_id(key_document)})")
            return
        if record_owner:
            if owner != issuer_id:
                report.add(
                    "key_owner", "failed", f"the key {key_url} is owned by {owner!r}, not the issuer {issuer_id}"
                )
                record_owner = False
            else:
                report.add("key_owner", "passed", f"the key {key_url} belongs to the issuer")
        problem = _jws_problem(payload, pem)
        if problem is not None:
            problems.append(f"{problem} with {key_url}")
            continue
        report.add("signature", "passed", f"valid RS256 signature by {key_url}")
        return
    report.add("signature", "failed", "the JWS signature does not verify: " + "; ".join(problems))


def _authority(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else None


async def _check_legacy_signature(
    run: Run, payload: Payload, assertion: dict[str, Any], issuer: dict[str, Any]
) -> None:
    """OB 1.x: ``verify.url`` (upgraded to ``creator``) serves the public key, as PEM text (or a key document).

    The 1.0 specification stops at "the key verifies the JWS"; that proves nothing about who signed unless the key is
    the issuer's, so the key must be served from the issuer's own origin (its profile's location or its ``url``).
    """
    report = run.report
    key_url = node_id(as_object(assertion.get("verification")).get("creator"))
    if key_url is None:
        report.add("key_owner", "failed", "the signed badge names no public key (verify.url)")
        return
    owners = {a for a in (_authority(node_id(issuer)), _authority(text_of(issuer.get("url")))) if a}
    if _authority(key_url) not in owners:
        shown = ", ".join(sorted(owners)) or "none"
        report.add("key_owner", "failed", f"the signing key {key_url} is not on the issuer's origin ({shown})")
        return
    run.stage = "signature"
    try:
        result = await run.fetcher.fetch(key_url, kind="json")
    except FetchError as exc:
        report.add("signature", "error", f"could not fetch the signing key: {exc}")
        return
    if not result.ok:
        report.add("signature", "error", f"could not fetch the signing key: {key_url} answered {result.status}")
        return
    text = result.body.decode("utf-8", "replace").strip()
    pem: Any = text
    if text.startswith("{"):
        try:
            pem = as_object(parse_json(text)).get("publicKeyPem")
        except ValueError:
            pem = None
    if not isinstance(pem, str) or "-----BEGIN" not in pem:
        report.add("signature", "failed", f"the key at {key_url} is not a PEM public key")
        return
    report.add("key_owner", "passed", f"the key {key_url} is served from the issuer's origin")
    problem = _jws_problem(payload, pem)
    if problem is None:
        report.add("signature", "passed", f"valid RS256 signature by {key_url}")
    else:
        report.add("signature", "failed", f"the JWS signature does not verify with {key_url}: {problem}")


def _jws_problem(payload: Payload, pem: str) -> str | None:
    """None when the compact JWS verifies with the RSA key ``pem`` (RS256 only), else what went wrong."""
    from joserfc import jws  # loaded for signed assertions only
    from joserfc.errors import JoseError
    from joserfc.jwk import RSAKey

    from .._jose import jws_registry

    try:
        key = RSAKey.import_key(pem)
        jws.deserialize_compact(
            payload.text, key, algorithms=list(_ALLOWED_JWS_ALGORITHMS), registry=jws_registry(_ALLOWED_JWS_ALGORITHMS)
        )
    except (JoseError, ValueError, TypeError) as exc:
        return type(exc).__name__
    return None


def _note_verification_type(report: Report, assertion: dict[str, Any], path: str) -> None:
    """Say which verification the assertion declares when it is not the one the backpack ran (``path``)."""
    kind, written, standard = upgrade.verification_kind(assertion)
    if kind == "missing" or (kind == path and standard):
        return
    if kind == path:
        report.add("format", "warning", f"verification type {written!r} is not spelled as the spec spells it")
    elif kind == "other":
        report.add(
            "format",
            "warning",
            f"the badge declares {written} verification, which the backpack does not check: "
            f"only its {'hosted copy' if path == 'hosted' else 'JWS signature'} was verified",
        )
    else:
        report.add(
            "format", "warning", f"the badge declares {written} verification but was verified as {path}: read as given"
        )


async def verify_assertion_json(run: Run, assertion: dict[str, Any]) -> None:
    """An OB 0.5 to 2.0 assertion given as JSON (pasted, or baked as JSON): verified at its issuer when it is hosted."""
    report = run.report
    legacy = upgrade.legacy_version(assertion)
    family = f"ob{legacy}" if legacy is not None else "ob2"
    kind, written, _standard = upgrade.verification_kind(assertion)
    if kind == "signed":
        report.format = f"{family}-signed"
        report.badge = payload_display(assertion)
        report.add("signature", "error", "this is the JSON of a signed badge without its JWS: verify the JWS")
        return
    badge_url = upgrade.hosted_url(assertion, legacy)
    if badge_url is None or not badge_url.startswith(("http://", "https://")):
        report.format = f"{family}-hosted"
        report.badge = payload_display(assertion)
        if kind == "other":
            report.format = f"{family}-{re.sub('[^a-z0-9]', '', str(written).lower())}"
            report.add("format", "error", f"the badge uses {written} verification, which the backpack cannot check yet")
        elif legacy == "0.5":
            report.add(
                "fetched", "error", "an Open Badges 0.5 assertion holds no URL to verify it at: verify its URL or image"
            )
        else:
            report.add("fetched", "failed", "a hosted assertion needs an http(s) id to be fetched from")
        return
    await verify_hosted(run, badge_url, assertion)


async def _check_revocation_list(run: Run, assertion: dict[str, Any], issuer: dict[str, Any]) -> None:
    report = run.report
    if report.check("revocation") is not None:
        return
    list_url = node_id(issuer.get("revocationList"))
    if not list_url:
        report.add("revocation", "skipped", "the issuer publishes no revocation list")
        return
    document = await run.fetch_json(list_url, "revocation", "revocation list")
    if document is None:
        return
    document = upgrade.upgrade_revocation_list(document)
    revoked, reason = revocation_entry(document, assertion)
    if revoked:
        report.badge.revocation_reason = reason
        report.add("revocation", "failed", "revoked by the issuer" + (f": {reason}" if reason else ""))
    else:
        report.add("revocation", "passed", "not in the issuer's revocation list")
