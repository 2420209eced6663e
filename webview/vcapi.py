"""A VC-API verifier: ``POST /credentials/verify`` and ``POST /presentations/verify`` (W3C CCG VC-API), so that an
applicant-tracking system, or a conformance test suite, can call the backpack's verifier. Documented in docs/vc-api.md
and by the OpenAPI document served at ``/openapi.json``.

A request is ``{"verifiableCredential": …}`` or ``{"verifiablePresentation": …, "options": {"challenge", "domain"}}``
(a JSON object, or a string: a VC-JWT, a JWS, any badge text the verifier reads). The answer is 200 when it verifies,
400 when it does not, with the same body either way::

    {"verified": false, "checks": ["proof"], "warnings": [], "errors": [ProblemDetails…], "report": {…}}

``checks`` names the checks that passed as VC-API verifiers do (``proof``, ``credentialStatus``, ``expiration``…);
``errors`` and ``warnings`` are RFC 9457 ProblemDetails built from each check that did not pass (its W3C problem
type, its sentence as ``detail``, and the backpack's own check id as ``check``); ``report`` is the backpack's full
report (docs/report.md).

Public-facing like ``/verify``: the same SSRF policy (private addresses refused unless ``ALLOW_PRIVATE_NETWORK``), a
fresh in-memory cache per request, nothing stored, a size limit (``VCAPI_MAX_BYTES``) and a rate limit per client
(``VCAPI_RATE`` a minute, 0 for none). Bad input of any shape is a 400 (or 413, 415, 429), never a 500. Only JSON
bodies are accepted: a cross-site form cannot send one, so the form token (CSRF) is not asked for.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException

from verifier import CheckResult, FetchPolicy, Limits, Report, VerifierPolicy, verify
from verifier.extraction import describe_size
from verifier.http import MemoryCache

from .security import RateLimiter, csrf_exempt
from .store import backpack_registries

__all__ = ["ISSUER_NOT_IN_REGISTRY", "MAX_DEPTH", "bp", "verification_response"]

bp = Blueprint("vcapi", __name__)

ISSUER_NOT_IN_REGISTRY = "urn:openbadges-backpack:problem:issuer-not-in-registry"
"""The type of the ``issuer_known`` warning: no W3C specification defines one."""
MAX_DEPTH = 64
"""Deepest JSON nesting accepted: real credentials nest about ten levels."""
_VC = "https://www.w3.org/TR/vc-data-model#"
_LIMITER_KEY = "backpack.vcapi_rate_limiter"
_DEADLINE = 15.0
_PRESENTATIONS = ("bundle", "presentation", "presentation-jwt")
_STATIC = Path(__file__).resolve().parent / "static"

# VC-API check name -> the backpack's checks that must all pass (those present) for it to be listed.
_CREDENTIAL_CHECKS: dict[str, tuple[str, ...]] = {
    "proof": ("signature", "key_owner"),
    "credentialStatus": ("revocation",),
    "expiration": ("expiry",),
    "validFrom": ("valid_from", "issued_on"),
    "issuer": ("issuer_known",),
}
_PRESENTATION_CHECKS: dict[str, tuple[str, ...]] = {"proof": ("holder",)}


class BadRequest(Exception):
    """A request the API refuses before verifying: its status, ProblemDetails title and sentence."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    state.app.config.setdefault("VCAPI_MAX_BYTES", Limits().max_text_bytes + 64 * 1024)
    state.app.config.setdefault("VCAPI_RATE", 60)
    rate = int(state.app.config["VCAPI_RATE"])
    state.app.extensions[_LIMITER_KEY] = RateLimiter(rate, 60.0) if rate > 0 else None
    csrf_exempt(state.app, bp.name)


# ----------------------------------------------------------------------------------------------------------------------
# Reading the request
# ----------------------------------------------------------------------------------------------------------------------


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def _body() -> dict[str, Any]:
    mimetype = request.mimetype
    if not (mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))):
        raise BadRequest(415, "Unsupported Media Type", "send the request as JSON (Content-Type: application/json)")
    limit = int(current_app.config["VCAPI_MAX_BYTES"])
    if request.content_length is not None and request.content_length > limit:
        raise BadRequest(413, "PARSING_ERROR", f"the request is larger than the {describe_size(limit)} allowed")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise BadRequest(413, "PARSING_ERROR", f"the request is larger than the {describe_size(limit)} allowed")
    try:
        body = json.loads(data)
    except RecursionError:
        raise BadRequest(400, "PARSING_ERROR", f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise BadRequest(400, "PARSING_ERROR", "the request body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest(400, "PARSING_ERROR", "the request body must be a JSON object")
    if _too_deep(body):
        raise BadRequest(400, "PARSING_ERROR", f"the JSON is nested deeper than {MAX_DEPTH} levels")
    return body


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise BadRequest(400, "MALFORMED_VALUE_ERROR", "'options' must be an object")
    for name in ("challenge", "domain"):
        if name in options and not isinstance(options[name], str):
            raise BadRequest(400, "MALFORMED_VALUE_ERROR", f"'options.{name}' must be a string")
    checks = options.get("checks")
    if checks is not None and not (isinstance(checks, list) and all(isinstance(c, str) for c in checks)):
        raise BadRequest(400, "MALFORMED_VALUE_ERROR", "'options.checks' must be an array of strings")
    return options


def _document(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if value is None:
        raise BadRequest(400, "MALFORMED_VALUE_ERROR", f"the request has no '{field}'")
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    raise BadRequest(400, "MALFORMED_VALUE_ERROR", f"'{field}' must be a JSON object or a string (a JWT)")


# ----------------------------------------------------------------------------------------------------------------------
# The answer
# ----------------------------------------------------------------------------------------------------------------------


def _problem(check: CheckResult, index: int | None) -> dict[str, Any]:
    problem = check.problem
    if problem is not None:
        found: dict[str, Any] = {"type": problem.type, "title": problem.title, "code": problem.code}
    elif check.id == "issuer_known":
        found = {"type": ISSUER_NOT_IN_REGISTRY, "title": "ISSUER_NOT_IN_REGISTRY"}
    else:  # every other check has a W3C type (verifier/_problems_w3c.py); kept total for any future one
        found = {"type": f"urn:openbadges-backpack:problem:{check.id}", "title": check.id.upper()}
    found.update(detail=check.message, check=check.id, outcome=check.outcome)
    if index is not None:
        found["credentialIndex"] = index
    return found


def _passed(report: Report, names: dict[str, tuple[str, ...]]) -> list[str]:
    outcomes = {c.id: c.outcome for c in report.checks}
    passed = []
    for name, ids in names.items():
        present = [outcomes[i] for i in ids if i in outcomes]
        if present and all(outcome == "passed" for outcome in present):
            passed.append(name)
    return passed


def _sort(reports: Iterable[tuple[Report, int | None]], lenient: set[str]) -> tuple[list[Any], list[Any]]:
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for report, index in reports:
        for check in report.checks:
            if check.id == "recipient" and check.outcome == "warning":
                continue  # "not checked": this API is never asked whom a credential was issued to
            if check.outcome == "warning" or (check.outcome == "error" and check.id in lenient):
                warnings.append(_problem(check, index))
            elif check.outcome in ("failed", "error"):
                errors.append(_problem(check, index))
    return errors, warnings


def verification_response(report: Report, *, presentation: bool, options: dict[str, Any] | None = None) -> dict:
    """The VC-API verification result of ``report``: ``verified`` (no error), ``checks`` that passed, ``errors`` and
    ``warnings`` as ProblemDetails, and the report itself. A status that could not be checked is an error unless
    ``options.checks`` leaves ``credentialStatus`` out (a revoked badge stays an error: it was checked)."""
    options = options or {}
    asked = options.get("checks")
    lenient = set() if asked is None or {"credentialStatus", "status"} & set(asked) else {"revocation"}
    if presentation:
        checks = _passed(report, _PRESENTATION_CHECKS)
        challenge = report.check("challenge")
        if challenge is not None and challenge.outcome == "passed":
            checks += [name for name in ("challenge", "domain") if options.get(name)]
        sorted_ = _sort([(report, None), *((item, i) for i, item in enumerate(report.items))], lenient)
    else:
        checks = _passed(report, _CREDENTIAL_CHECKS)
        sorted_ = _sort([(report, None)], lenient)
    errors, warnings = sorted_
    return {
        "verified": not errors,
        "checks": checks,
        "warnings": warnings,
        "errors": errors,
        "report": report.to_dict(),
    }


def _answer(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _refusal(status: int, title: str, detail: str) -> Response:
    """A request refused before verification: a W3C type for what the VC Data Model names, else RFC 9457's
    ``about:blank`` with the HTTP status's phrase as title."""
    kind = _VC + title if title in ("PARSING_ERROR", "MALFORMED_VALUE_ERROR") else "about:blank"
    problem = {"type": kind, "title": title, "detail": detail, "status": status}
    return _answer({"verified": False, "checks": [], "warnings": [], "errors": [problem]}, status)


def _rate_limited() -> Response | None:
    limiter: RateLimiter | None = current_app.extensions.get(_LIMITER_KEY)
    if limiter is None or limiter.allow(request.remote_addr or "unknown"):
        return None
    response = _refusal(429, "Too Many Requests", f"at most {limiter.rate} verifications a minute from one address")
    response.headers["Retry-After"] = str(max(1, math.ceil(limiter.per / max(limiter.rate, 1))))
    return response


def _verify(field: str, presentation: bool) -> Response:
    limited = _rate_limited()
    if limited is not None:
        return limited
    try:
        body = _body()
        options = _options(body)
        text = _document(body, field)
    except BadRequest as refused:
        return _refusal(refused.status, refused.title, refused.detail)
    policy = VerifierPolicy(
        fetch=FetchPolicy(allow_private_network=bool(current_app.config["ALLOW_PRIVATE_NETWORK"]), deadline=_DEADLINE),
        recipients=(),
        expected_challenge=options.get("challenge") if presentation else None,
        expected_domain=options.get("domain") if presentation else None,
        registries=backpack_registries(),
    )
    try:
        report = verify(text, policy=policy, label=field, cache=MemoryCache())
    except RecursionError:
        return _refusal(400, "PARSING_ERROR", f"the JSON is nested too deeply to be read (at most {MAX_DEPTH} levels)")
    if presentation != (report.format in _PRESENTATIONS) and report.format is not None:
        elsewhere = "/presentations/verify" if report.format in _PRESENTATIONS else "/credentials/verify"
        what = "a presentation" if report.format in _PRESENTATIONS else "a credential, not a presentation"
        return _refusal(400, "MALFORMED_VALUE_ERROR", f"'{field}' is {what}: send it to {elsewhere}")
    result = verification_response(report, presentation=presentation, options=options)
    return _answer(result, 200 if result["verified"] else 400)


@bp.post("/credentials/verify")
def verify_credential() -> Response:
    return _verify("verifiableCredential", presentation=False)


@bp.post("/presentations/verify")
def verify_presentation() -> Response:
    return _verify("verifiablePresentation", presentation=True)


@bp.get("/openapi.json")
def openapi() -> Response:
    response = Response(_openapi_bytes(), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@functools.cache
def _openapi_bytes() -> bytes:
    return (_STATIC / "openapi.json").read_bytes()


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    return _refusal(code, "PARSING_ERROR" if code in (400, 413) else error.name, error.description or error.name)
