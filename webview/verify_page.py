"""The recruiter verify page ``/verify``: upload a badge image, a photo of a printed QR code, a portfolio bundle or a
credential, or paste a link, JSON or a JWT, and see every check of its verification.

Public-facing, so: nothing uploaded is stored (no backpack writes, no files: uploads are parsed in memory), every
fetch goes through the verifier's SSRF guard (unless ``ALLOW_PRIVATE_NETWORK`` lifts it), each request gets a fresh
in-memory cache, requests are rate limited per client address, and uploads are capped by ``MAX_CONTENT_LENGTH``.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import IO, Any

from flask import Blueprint, Response, current_app, make_response, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException

from verifier import CheckResult, FetchPolicy, Report, VerifierPolicy, verify
from verifier.http import MemoryCache
from wallet.status_words import words_for

from .security import RateLimiter
from .store import backpack_registries

__all__ = ["bp"]

bp = Blueprint("verify", __name__)

_LIMITER_KEY = "backpack.verify_rate_limiter"
_RATE_PERIOD = 60.0  # VERIFY_RATE is per minute
_DEADLINE = 15.0  # seconds for one verification, every fetch included

# A hint meant for the command line, not for visitors of a public page.
_CLI_HINTS = ("; use --allow-private-network to allow it",)


@dataclass
class CheckView:
    id: str
    outcome: str
    message: str


@dataclass
class ReportView:
    """What the result page shows about one report (a badge, or a bundle with one view per badge inside)."""

    report: Report
    status: str
    symbol: str
    word: str
    sentence: str
    reason: str | None
    name: str
    issued: str
    expires: str
    issuer_link: str | None
    checks: list[CheckView]
    items: list[ReportView] = field(default_factory=list)


def _public_message(message: str) -> str:
    for hint in _CLI_HINTS:
        message = message.replace(hint, "")
    return message


def _safe_link(url: str | None) -> str | None:
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _view(report: Report) -> ReportView:
    status = report.status
    words = words_for(status)
    what = "portfolio" if report.format == "bundle" else "badge"
    decisive: CheckResult | None = report.decisive_check
    badge = report.badge
    reason = _public_message(decisive.message) if decisive else None
    if reason is None and status != "valid" and report.items:
        reason = "See each badge below."
    return ReportView(
        report=report,
        status=status,
        symbol=words.symbol,
        word=words.word,
        sentence=words.sentence.format(what=what),
        reason=reason,
        name=badge.name or ("Portfolio" if what == "portfolio" else "Open Badge"),
        issued=str(badge.issued_on or "")[:10],
        expires=str(badge.expires or "")[:10],
        issuer_link=_safe_link(badge.issuer_url),
        checks=[CheckView(c.id, c.outcome, _public_message(c.message)) for c in report.checks],
        items=[_view(item) for item in report.items],
    )


def _memory_stream(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None = None,
    content_length: int | None = None,
) -> IO[bytes]:
    """Uploads stay in memory (bounded by MAX_CONTENT_LENGTH), never in a temporary file."""
    return io.BytesIO()


@bp.url_value_preprocessor
def _uploads_in_memory(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before every before_request function, so before the CSRF check parses the form.
    request._get_current_object()._get_file_stream = _memory_stream  # type: ignore[attr-defined,method-assign]


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    state.app.extensions[_LIMITER_KEY] = RateLimiter(int(state.app.config["VERIFY_RATE"]), _RATE_PERIOD)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return _no_store(make_response(render_template(template, **context), status))


def _limits() -> dict[str, str]:
    def size(value: Any) -> str:
        if not value:
            return "any size"
        value = int(value)
        if value >= 1024 * 1024:
            return f"{value / (1024 * 1024):.0f} MB"
        return f"{math.ceil(value / 1024)} KB" if value >= 1024 else f"{value} bytes"

    return {
        "file": size(current_app.config.get("MAX_CONTENT_LENGTH")),
        "text": size(current_app.config.get("MAX_FORM_MEMORY_SIZE")),
    }


@bp.get("/verify")
def form() -> Response:
    return _page("verify/form.html", limits=_limits())


def _first_input() -> tuple[str, str | bytes, str] | None:
    """(which field, what to verify, a label) for the first non-empty input: photo, file, then text."""
    for name in ("photo", "file"):
        storage: FileStorage | None = request.files.get(name)
        if storage is None:
            continue
        data = storage.read()
        if data:
            return name, data, storage.filename or f"uploaded {name}"
    text = request.form.get("text", "").strip()
    if text:
        return "text", text, text if len(text) <= 200 else text[:197] + "…"
    return None


@bp.post("/verify")
def submit() -> Response:
    limiter: RateLimiter = current_app.extensions[_LIMITER_KEY]
    if not limiter.allow(request.remote_addr or "unknown"):
        wait = max(1, math.ceil(limiter.per / max(limiter.rate, 1)))
        response = _page(
            "verify/error.html",
            429,
            heading="Too many checks at once",
            message=f"This page allows {limiter.rate} checks a minute from one address: wait a minute and try again.",
        )
        response.headers["Retry-After"] = str(wait)
        return response
    found = _first_input()
    if found is None:
        return _page(
            "verify/form.html",
            400,
            limits=_limits(),
            problem="Choose a photo or a file, or paste a link, JSON or a JWT, then press Verify.",
        )
    kind, source, label = found
    policy = VerifierPolicy(
        fetch=FetchPolicy(allow_private_network=bool(current_app.config["ALLOW_PRIVATE_NETWORK"]), deadline=_DEADLINE),
        recipients=(),
        registries=backpack_registries(),
    )
    report = verify(source, policy=policy, label=label, cache=MemoryCache())
    extracted = report.check("extracted")
    if extracted is not None and extracted.outcome == "failed":
        return _page(
            "verify/result.html", 422, view=_view(report), unreadable=_public_message(extracted.message), kind=kind
        )
    return _page("verify/result.html", view=_view(report), unreadable=None, kind=kind)


_FRIENDLY_ERRORS = {
    400: "This form could not be used",
    413: "That upload is too large",
}


@bp.errorhandler(400)
@bp.errorhandler(413)
def _friendly_error(error: HTTPException) -> Response:
    code = error.code or 400
    if code == 413:
        limits = _limits()
        message = (
            f"The verify page accepts files up to {limits['file']} and pasted text up to {limits['text']}: "
            "choose a smaller file (a badge image or a photo of its QR code is enough)."
        )
    else:
        message = error.description or "Reload the page and try again."
    return _page("verify/error.html", code, heading=_FRIENDLY_ERRORS[code], message=message)
