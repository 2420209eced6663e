"""The publishing API (JSON, documented in docs/hosting.md): challenges, publish, withdraw.

The host never trusts the wallet: it verifies the holder's proof (a did:key, over the whole presentation, for this
host's domain, with a challenge it issued that was never used), then every credential inside, with the verifier.
"""

from __future__ import annotations

import json
import re
import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request

from verifier import FetchPolicy, Report, VerifierPolicy, verify
from verifier.extraction import JSONTooDeep, parse_json
from wallet.shares import public_report, recipient_did

from .presentation import ProofOptionsRefused, proof_options
from .storage import HostStore, NotOwner, PortfolioRecord, Quota, QuotaExceeded

__all__ = ["ApiError", "bp", "error_response", "host_store", "public_base", "verifier_policy", "verify_items"]

bp = Blueprint("host_api", __name__, url_prefix="/api/v1")

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$")
_VERIFY_DEADLINE = 20.0


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str | None, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message or code.replace("_", " ")}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message, error.headers)


def _fail(status: int, code: str, message: str) -> NoReturn:
    raise ApiError(status, code, message)


def host_store() -> HostStore:
    return current_app.extensions["backpack_host_store"]  # type: ignore[no-any-return]


def public_base() -> str:
    return str(current_app.config["HOST_PUBLIC_URL"] or request.host_url).rstrip("/")


def domain() -> str:
    """What a holder's proof must name as its ``domain``: the host's public authority (``host[:port]``)."""
    return urlsplit(public_base()).netloc


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat().replace("+00:00", "Z") if value else None


def _rate_limit(scope: str, who: str, limit: int, period: int) -> None:
    count = host_store().hit(f"{scope}:{who}", period=period, now=_now())
    if count > limit:
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests: {limit} per {period // 60} minutes are allowed; try again later",
            {"Retry-After": str(period)},
        )


def _per_address() -> None:
    _rate_limit("address", request.remote_addr or "unknown", int(current_app.config["HOST_RATE_PER_ADDRESS"]), 60)


def _body() -> dict[str, Any]:
    limit = int(current_app.config["HOST_MAX_PRESENTATION_BYTES"])
    if request.content_length is not None and request.content_length > limit:
        _fail(413, "too_large", f"the request is larger than this host accepts ({limit} bytes)")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        _fail(413, "too_large", f"the request is larger than this host accepts ({limit} bytes)")
    try:
        body = parse_json(data)
    except JSONTooDeep as exc:
        _fail(400, "invalid_request", f"the request body is refused: {exc}")
    except ValueError:
        _fail(400, "invalid_request", "the request body is not JSON")
    if not isinstance(body, dict) or not isinstance(body.get("presentation"), dict):
        _fail(400, "invalid_request", 'the request body must be a JSON object with a "presentation" object')
    return body


def verifier_policy(*, challenge: str | None = None) -> VerifierPolicy:
    """How this host verifies: no recipient to match (a holder's proof binds the page to its holder), the SSRF
    guard on unless the host's configuration lifts it, a deadline per verification; for a request, the challenge it
    handed out and its own domain, which the holder's proof must answer."""
    fetch = FetchPolicy(
        allow_private_network=bool(current_app.config["HOST_ALLOW_PRIVATE_NETWORK"]), deadline=_VERIFY_DEADLINE
    )
    if challenge is None:
        return VerifierPolicy(fetch=fetch, recipients=())
    return VerifierPolicy(fetch=fetch, recipients=(), expected_challenge=challenge, expected_domain=domain())


def verify_items(presentation_text: str, store: HostStore, policy: VerifierPolicy) -> Report:
    """The verifier's report on a whole presentation (holder proof, then each credential), issuer documents cached
    in the database."""
    return verify(presentation_text, policy=policy, cache=store.response_cache())


@dataclass(frozen=True)
class _Verified:
    holder: str
    challenge: str
    report: Report
    text: str


def _verified_presentation(presentation: dict[str, Any], *, with_items: bool) -> _Verified:
    """Check the proof options, the challenge and the holder's signature; with ``with_items``, every credential."""
    store = host_store()
    try:
        options = proof_options(presentation, expected_domain=domain())
    except ProofOptionsRefused as refused:
        _fail(401, refused.code, refused.message)
    state = store.nonce_state(options.challenge, now=_now())
    if state != "fresh":
        messages = {
            "unknown": "this host did not issue the proof's challenge: ask POST /api/v1/challenges for one",
            "used": "the proof's challenge was already used: ask for a new one and sign again",
            "expired": "the proof's challenge has expired: ask for a new one and sign again",
        }
        _fail(401, f"challenge_{state}", messages[state])
    text = json.dumps(presentation, ensure_ascii=False, separators=(",", ":"))
    report = verify_items(text, store, verifier_policy(challenge=options.challenge))
    holder_check = report.check("holder")
    if holder_check is None or holder_check.outcome != "passed":
        reason = holder_check.message if holder_check else "the document is not a presentation"
        _fail(401, "holder_proof_failed", f"the holder's proof does not hold: {reason}")
    challenge_check = report.check("challenge")
    if challenge_check is None or challenge_check.outcome != "passed":
        reason = challenge_check.message if challenge_check else "the proof answers no challenge"
        _fail(401, "wrong_challenge", f"the holder's proof was not made for this request: {reason}")
    own_failures = [
        c for c in report.checks if c.outcome in ("failed", "error") and c.id not in ("holder", "challenge")
    ]
    if own_failures:
        _fail(422, "presentation_invalid", f"the presentation is not valid: {own_failures[0].message}")
    if with_items:
        if not report.items:
            _fail(422, "empty_presentation", "the presentation holds no credential to publish")
        for position, item in enumerate(report.items, start=1):
            name = item.badge.name or f"credential {position}"
            if item.status == "invalid":
                decisive = item.decisive_check
                reason = decisive.message if decisive else "it did not pass verification"
                _fail(422, "credential_invalid", f"{name!r} is not a valid credential: {reason}")
            subject = recipient_did(item)
            if subject is not None and subject != options.holder:
                _fail(
                    422,
                    "not_issued_to_holder",
                    f"{name!r} was issued to {subject}, not to the holder {options.holder}",
                )
    return _Verified(options.holder, options.challenge, report, text)


def _consume(challenge: str) -> None:
    if not host_store().consume_nonce(challenge, now=_now()):
        _fail(401, "challenge_used", "the proof's challenge was already used: ask for a new one and sign again")


def page_url(slug: str) -> str:
    return f"{public_base()}/p/{slug}"


def _portfolio_json(record: PortfolioRecord, items: list[Report] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": record.slug,
        "url": page_url(record.slug),
        "holder": record.holder_did,
        "state": record.state(_now()),
        "created": _iso(record.created_at),
        "updated": _iso(record.updated_at),
        "expires": _iso(record.expires_at),
        "withdrawn": _iso(record.withdrawn_at),
    }
    if items is not None:
        body["items"] = [{"name": item.badge.name, "status": item.status} for item in items]
    return body


def _expiry(raw: Any, now: datetime) -> datetime:
    longest = now + timedelta(days=int(current_app.config["HOST_MAX_DAYS"]))
    if raw is None:
        return longest
    if not isinstance(raw, str):
        _fail(400, "invalid_expiry", '"expires" must be an ISO 8601 date-time')
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        _fail(400, "invalid_expiry", '"expires" must be an ISO 8601 date-time')
    if value.tzinfo is None:
        _fail(400, "invalid_expiry", '"expires" must carry a time zone (for example a final "Z")')
    if value <= now:
        _fail(400, "invalid_expiry", '"expires" must be in the future')
    return min(value.astimezone(UTC), longest)


def new_slug() -> str:
    """120 random bits in lowercase base32: unguessable, and safe in any URL or file name."""
    return b32encode(secrets.token_bytes(15)).decode("ascii").lower()


# -- endpoints ----------------------------------------------------------------------------------------------------


@bp.post("/challenges")
def challenges() -> Response:
    _per_address()
    store = host_store()
    now = _now()
    expires = now + timedelta(minutes=int(current_app.config["HOST_CHALLENGE_MINUTES"]))
    challenge = secrets.token_urlsafe(32)
    store.create_nonce(challenge, now=now, expires_at=expires)
    if secrets.randbelow(50) == 0:
        store.purge(now=now)  # now and then, on a cheap request: no scheduler needed
    response = jsonify({"challenge": challenge, "domain": domain(), "expires": _iso(expires)})
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/portfolios")
def publish() -> Response:
    _per_address()
    body = _body()
    now = _now()
    slug = body.get("slug")
    if slug is not None and (not isinstance(slug, str) or not SLUG.match(slug)):
        _fail(400, "invalid_slug", "a slug is 3 to 64 lowercase letters, digits and inner hyphens")
    expires_at = _expiry(body.get("expires"), now)
    verified = _verified_presentation(body["presentation"], with_items=True)
    _rate_limit("holder", verified.holder, int(current_app.config["HOST_RATE_PER_HOLDER"]), 3600)
    store = host_store()
    existing = store.get_portfolio(slug) if slug else None
    if existing is not None and existing.holder_did != verified.holder:
        _fail(403, "not_owner", f"the portfolio {slug!r} belongs to another holder")
    _consume(verified.challenge)
    name = body["presentation"].get("name")
    quota = Quota(
        max_portfolios=int(current_app.config["HOST_MAX_PORTFOLIOS"]),
        max_items=int(current_app.config["HOST_MAX_ITEMS"]),
        max_bytes=int(current_app.config["HOST_MAX_HOLDER_BYTES"]),
    )
    try:
        record, created = store.save_portfolio(
            slug or new_slug(),
            holder_did=verified.holder,
            name=name if isinstance(name, str) else "",
            presentation=verified.text,
            item_count=len(verified.report.items),
            expires_at=expires_at,
            now=now,
            quota=quota,
            reports=[public_report(item, holder_did=verified.holder).to_dict() for item in verified.report.items],
        )
    except NotOwner:
        _fail(403, "not_owner", f"the portfolio {slug!r} belongs to another holder")
    except QuotaExceeded as exc:
        _fail(403, "quota_exceeded", str(exc))
    response = jsonify(_portfolio_json(record, verified.report.items))
    response.status_code = 201 if created else 200
    response.headers["Location"] = page_url(record.slug)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/portfolios/<slug>")
def portfolio(slug: str) -> Response:
    _per_address()  # a slug's existence and holder are public, but not to be enumerated at speed
    record = host_store().get_portfolio(slug)
    if record is None:
        _fail(404, "not_found", "there is no portfolio at this address")
    return jsonify(_portfolio_json(record))


@bp.post("/portfolios/<slug>/withdraw")
@bp.delete("/portfolios/<slug>")
def withdraw(slug: str) -> Response:
    _per_address()
    body = _body()
    store = host_store()
    record = store.get_portfolio(slug)
    if record is None:
        _fail(404, "not_found", "there is no portfolio at this address")
    verified = _verified_presentation(body["presentation"], with_items=False)
    if record.holder_did != verified.holder:
        _fail(403, "not_owner", f"the portfolio {slug!r} belongs to another holder")
    _consume(verified.challenge)
    try:
        withdrawn = store.withdraw_portfolio(slug, holder_did=verified.holder, now=_now())
    except NotOwner:
        _fail(403, "not_owner", f"the portfolio {slug!r} belongs to another holder")
    assert withdrawn is not None
    response = jsonify(_portfolio_json(withdrawn))
    response.headers["Cache-Control"] = "no-store"
    return response
