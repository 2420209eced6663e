"""The recruiter verify page ``/verify``: upload a badge image, a photo of a printed QR code, a portfolio bundle or a
credential, or paste a link, JSON or a JWT; optionally say who the badge should belong to; read the verdict.

Written for a reader who is not technical: the heading is the verdict and never contradicts the list below it, each
check is said in plain words first (``wallet.check_words``) with the verifier's own message behind "Details", and a
file with no badge in it is a neutral outcome, not a failed one.

Public-facing, so: nothing uploaded is stored (no backpack writes, no files: uploads are parsed in memory), every
fetch goes through the verifier's SSRF guard (unless ``ALLOW_PRIVATE_NETWORK`` lifts it), each request gets a fresh
in-memory cache over the serving backpack's saved issuer documents (read only; never the badge itself, which is
fetched afresh), requests are rate limited per client address, and uploads are capped by ``MAX_CONTENT_LENGTH``.
The browser never fetches anything a badge names: the badge's picture is inlined as a ``data:`` URL, fetched by the
server through the same guard, with a size cap.
"""

from __future__ import annotations

import asyncio
import base64
import io
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import IO, Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, make_response, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException

from verifier import (
    BadgeSummary,
    CheckResult,
    ExtractionError,
    FetchError,
    FetchPolicy,
    InputTooLarge,
    MalformedInput,
    Payload,
    Report,
    UnsafeInput,
    VerifierPolicy,
    classify_payload,
    extract,
    summarize,
    verify,
)
from verifier.extraction import JSONTooDeep, parse_json
from verifier.http import CachedResponse, Fetcher, MemoryCache, ResponseCache, run_sync
from wallet.cache import StoreResponseCache
from wallet.check_words import plain_words
from wallet.status_words import words_for
from wallet.store import Store

from .security import RateLimiter
from .store import backpack_registries

__all__ = ["LIMITER_KEY", "bp"]

bp = Blueprint("verify", __name__)

LIMITER_KEY = "backpack.verify_rate_limiter"
"""Where the app keeps the page's rate limiter (an object with ``allow(client)``, ``rate`` and ``per``)."""
_RATE_PERIOD = 60.0  # VERIFY_RATE is per minute
_DEADLINE = 15.0  # seconds for one verification, every fetch included
_IMAGE_DEADLINE = 5.0  # seconds for fetching the pictures of the badges shown
_MAX_IMAGE_BYTES = 512 * 1024  # a badge picture inlined in the page; larger ones are not shown
_MAX_IMAGES = 12  # pictures fetched for one page (a portfolio may hold many badges)
_MAX_BELONGS_TO = 320

# A hint meant for the command line, not for visitors of a public page.
_CLI_HINTS = ("; use --allow-private-network to allow it",)
# Checks whose failure says nothing against what the badge states about itself (who issued it, its name): a
# badge issued to someone else, expired or revoked is still the issuer's own words.
_NOT_ABOUT_CONTENT = {"recipient", "expiry", "revocation", "endorsements", "challenge", "issued_on", "valid_from"}
# Issuers whose identity is a bare key: whatever name they give themselves, nobody vouches for it.
_SELF_ASSERTED = ("did:key:", "did:jwk:")
# Special-use names (RFC 2606, RFC 6761) never resolve: a document there exists only as a saved copy.
_NEVER_RESOLVES = (".example", ".test", ".invalid")
_IMAGE_TYPES = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "image/gif": b"GIF8",
    "image/webp": b"RIFF",
    "image/svg+xml": b"",
}
# Python writes bytes and odd strings with repr(): b'\x89PNG', 'hello\x00'. Neither means anything to a reader.
_REPR = re.compile(r"""\bb(['"]).*?(?<!\\)\1|(['"])(?:(?!\2).)*?\\[xuU0-9abfnrtv].*?(?<!\\)\2""")


@dataclass
class CheckView:
    id: str
    outcome: str
    plain: str
    """What the check means, for anyone."""
    message: str
    """The verifier's own message (technical), shown behind "Details"."""


@dataclass
class ReportView:
    """What the result page shows about one report (a badge, or a bundle with one view per badge inside)."""

    report: Report
    status: str
    symbol: str
    word: str
    reason: str | None
    name: str | None
    issuer_name: str | None
    issuer_link: str | None
    issuer_domain: str | None
    self_asserted: bool
    """The issuer is a bare key (did:key): its name is its own claim."""
    confirmed: bool
    """The name and issuer were confirmed by the checks; otherwise they are as stated in the file."""
    name_from_file_name: bool
    """No name anywhere in the badge: the uploaded file's name stands in."""
    issued: str
    expires: str
    description: str | None
    image: str | None = None
    checks: list[CheckView] = field(default_factory=list)
    items: list[ReportView] = field(default_factory=list)


@dataclass
class Verdict:
    heading: str
    status: str
    """``valid``, ``expired``, ``revoked``, ``invalid``, ``unverifiable`` or ``none`` (no badge in the input)."""
    symbol: str
    sentence: str
    warnings: int = 0


class BackpackIssuerCache:
    """The serving backpack's saved documents, for a public page: read only, and never for a badge itself.

    An issuer's profile, keys, badge classes and revocation lists may come from the backpack's cache (with their
    HTTP freshness: stale ones are asked again). A badge (an assertion, a credential, a presentation) is always
    fetched afresh, so a revocation since it was saved shows, except where it cannot be fetched by anyone: a host
    under a special-use domain that never resolves, as the demo's issuers are. What is fetched is kept for this
    request only.
    """

    def __init__(self, saved: ResponseCache | None) -> None:
        self._saved = saved
        self._request = MemoryCache()

    def get(self, url: str) -> CachedResponse | None:
        entry = self._request.get(url)
        if entry is not None or self._saved is None:
            return entry
        saved = self._saved.get(url)
        if saved is None or saved.status != 200:
            return None
        host = (urlsplit(url).hostname or "").lower()
        if host.endswith(_NEVER_RESOLVES):
            return replace(saved, max_age=math.inf)  # the only copy there is: no one can ask for a newer one
        if _is_badge_document(saved.body):
            return None
        return saved

    def put(self, entry: CachedResponse) -> None:
        self._request.put(entry)


def _is_badge_document(body: bytes) -> bool:
    """Whether a saved document is a badge (or may be one): anything but plain JSON issuer documents."""
    try:
        document = parse_json(body)
    except ValueError:
        return True  # a JWT, or something else: not an issuer document this page would use from a saved copy
    if not isinstance(document, dict):
        return True
    raw_types = document.get("type", [])
    types = {t for t in (raw_types if isinstance(raw_types, list) else [raw_types]) if isinstance(t, str)}
    if "badge" in document or types & {"Assertion", "VerifiablePresentation"}:
        return True
    # Status lists are credentials too, but the issuer's, about many badges: they may come from a saved copy.
    return "VerifiableCredential" in types and not any("StatusList" in t for t in types)


def _backpack_cache() -> ResponseCache | None:
    """The serving backpack's HTTP cache, or None (no backpack configured, as on a share host, or none made yet)."""
    home = current_app.config.get("BACKPACK_HOME")
    if not home:
        return None
    store = Store(home)
    if not store.exists():
        return None  # reading must not create a backpack
    try:
        return StoreResponseCache(store)
    except Exception:  # noqa: BLE001 - an unreadable backpack only means no saved issuer documents
        current_app.logger.warning("verify: the backpack's cache at %s cannot be read", home, exc_info=True)
        return None


def _public_message(message: str) -> str:
    for hint in _CLI_HINTS:
        message = message.replace(hint, "")
    return _REPR.sub("(unreadable data)", message)


def _safe_link(url: str | None) -> str | None:
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _domain(url: str | None) -> str | None:
    link = _safe_link(url)
    return (urlsplit(link).hostname or None) if link else None


def _issuer_domain(issuer_id: str | None) -> str | None:
    """The web domain that vouches for the issuer: where its profile lives (a URL or a did:web), if any."""
    if issuer_id and issuer_id.startswith("did:web:"):
        return issuer_id.removeprefix("did:web:").split(":")[0].split("#")[0].replace("%3A", ":") or None
    return _domain(issuer_id)


def _content_confirmed(report: Report) -> bool:
    if not report.checks:
        return False
    return not any(c.outcome in ("failed", "error") and c.id not in _NOT_ABOUT_CONTENT for c in report.checks)


def _view(report: Report, stated: BadgeSummary | None = None, file_name: str | None = None) -> ReportView:
    status = report.status
    words = words_for(status)
    decisive: CheckResult | None = report.decisive_check
    badge = report.badge
    reason = plain_words(decisive) if decisive else None
    if reason is None and status != "valid" and report.items:
        reason = "See each badge below."
    confirmed = _content_confirmed(report)
    stated = stated or BadgeSummary()
    issuer_id = badge.issuer_id or stated.issuer_id
    self_asserted = bool(issuer_id and issuer_id.startswith(_SELF_ASSERTED))
    # A bare-key issuer's web address is its own claim too: named, not linked.
    issuer_link = None if self_asserted else _safe_link(badge.issuer_url) or _safe_link(issuer_id)
    return ReportView(
        report=report,
        status=status,
        symbol=words.symbol,
        word=words.word,
        reason=reason,
        name=badge.name or stated.name or _name_from_file(file_name),
        name_from_file_name=not (badge.name or stated.name) and bool(_name_from_file(file_name)),
        issuer_name=badge.issuer_name or stated.issuer_name,
        issuer_link=issuer_link,
        issuer_domain=_issuer_domain(issuer_id) or _domain(issuer_link),
        self_asserted=self_asserted,
        confirmed=confirmed,
        issued=str(badge.issued_on or stated.issued_on or "")[:10],
        expires=str(badge.expires or stated.expires or "")[:10],
        description=badge.description or stated.description,
        checks=[CheckView(c.id, c.outcome, plain_words(c), _public_message(c.message)) for c in report.checks],
        items=[_view(item) for item in report.items],
    )


def _name_from_file(file_name: str | None) -> str | None:
    if not file_name:
        return None
    stem = PurePosixPath(file_name.replace("\\", "/")).stem
    words = re.sub(r"[-_.]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else None


def _count(report: Report, outcome: str) -> int:
    return sum(c.outcome == outcome for c in report.checks) + sum(_count(item, outcome) for item in report.items)


def _verdict(view: ReportView, belongs_to: str | None) -> Verdict:
    """The heading and the sentence under it: what a reader should conclude, never contradicting the list."""
    report, status = view.report, view.status
    what = "portfolio" if report.format == "bundle" else "badge"
    words = words_for(status)
    recipient = report.check("recipient")
    if status == "valid":
        concerns = _count(report, "warning") + _count(report, "failed")
        heading = "Valid" if not concerns else f"Valid, with {concerns} warning{'s' if concerns > 1 else ''}"
        sentence = f"This {what} is authentic and unchanged, and it has neither expired nor been revoked."
        if belongs_to and recipient is not None and recipient.outcome == "passed":
            sentence += f" It was issued to {belongs_to}."
        elif belongs_to and report.format == "bundle":
            # The verifier binds a portfolio's badges to its signing holder, and compares no identity with them.
            sentence += (
                f" {belongs_to} was not compared with its badges: a portfolio's badges are bound to the person"
                " who signed it, not to an e-mail address."
            )
        elif recipient is not None and recipient.outcome == "warning" and not belongs_to:
            sentence += (
                " Who it belongs to was not checked: enter the candidate's e-mail, web address or DID under"
                " “Belongs to” and verify again."
            )
        elif concerns:
            sentence += " Read the warnings in the list below."
        return Verdict(heading, status, words.symbol, sentence, concerns)
    sentence = words.sentence.format(what=what)
    if belongs_to and recipient is not None and recipient.outcome == "failed":
        sentence += f" It was issued to someone else, not to {belongs_to}."
    elif status == "revoked" and report.badge.revocation_reason:
        sentence += f" Reason given by the issuer: {report.badge.revocation_reason}"
    elif status == "expired" and view.expires:
        sentence = f"This {what} expired on {view.expires}."
    elif status in ("invalid", "unverifiable") and view.reason:
        sentence += " " + view.reason
    return Verdict(words.word, status, words.symbol, sentence)


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
    state.app.extensions[LIMITER_KEY] = RateLimiter(int(state.app.config["VERIFY_RATE"]), _RATE_PERIOD)


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
    link = request.args.get("url", "").strip()
    if link:
        return _verify_link(link)
    return _page("verify/form.html", limits=_limits(), belongs_to="")


def _verify_link(link: str) -> Response:
    """``GET /verify?url=<link>``: verify what the link serves (a portfolio bundle, a credential, a hosted
    assertion), fetched through the same guard as any link pasted in the form. The "check it now" links of static
    portfolios (``wallet.static_site``) point here."""
    limited = _rate_limited()
    if limited is not None:
        return limited
    if not link.startswith(("https://", "http://")) or len(link) > 2000 or any(c.isspace() for c in link):
        return _page(
            "verify/form.html",
            400,
            limits=_limits(),
            belongs_to="",
            problem="The link to check must be an http(s) address.",
        )
    return _verify_given(Given("text", link, text=link), None)


def _rate_limited() -> Response | None:
    limiter: RateLimiter = current_app.extensions[LIMITER_KEY]
    if limiter.allow(request.remote_addr or "unknown"):
        return None
    wait = max(1, math.ceil(limiter.per / max(limiter.rate, 1)))
    response = _page(
        "verify/error.html",
        429,
        heading="Too many checks at once",
        message=f"This page allows {limiter.rate} checks a minute from one address: wait a minute and try again.",
    )
    response.headers["Retry-After"] = str(wait)
    return response


# -- what was given -------------------------------------------------------------------------------------------------


@dataclass
class Given:
    kind: str
    """``photo``, ``file`` or ``text``: the form field it came from."""
    label: str
    data: bytes | None = None
    text: str | None = None


def _first_input() -> Given | None:
    """The first non-empty input: photo, file, then text."""
    for name in ("photo", "file"):
        storage: FileStorage | None = request.files.get(name)
        if storage is None:
            continue
        data = storage.read()
        if data:
            return Given(name, storage.filename or f"uploaded {name}", data=data)
    text = request.form.get("text", "").strip()
    if text:
        return Given("text", text if len(text) <= 200 else text[:197] + "…", text=text)
    return None


_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_DID = re.compile(r"did:[a-z0-9]+:[^\s<>\"]+")


def _belongs_to() -> str | None:
    """The identity the badge must belong to (an e-mail, URL or DID), None when none was given.
    Raises ValueError with a sentence for the form when what was typed is none of those."""
    value = request.form.get("belongs_to", "").strip()
    if not value:
        return None
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if len(value) <= _MAX_BELONGS_TO and any(p.fullmatch(value) for p in (_EMAIL, _URL, _DID)):
        return value
    raise ValueError(
        "“Belongs to” takes the candidate's e-mail address, a web address (https://…) or a DID (did:…): "
        "correct it, or leave it empty."
    )


@dataclass
class Read:
    """What could be read from the input before verifying it: its payload, or why there is none."""

    payload: Payload | None = None
    location: str = ""
    container: str = ""
    problem: ExtractionError | None = None


def _read(given: Given) -> Read:
    try:
        if given.data is not None:
            extraction = extract(given.data)
            read = Read(extraction.payload, extraction.location, extraction.container)
        else:
            read = Read(classify_payload(given.text or ""), "text", "text")
    except ExtractionError as exc:
        return Read(problem=exc)
    if read.payload is not None and read.payload.problem:
        return Read(problem=MalformedInput(read.payload.problem))
    return read


def _no_badge_sentence(problem: ExtractionError, kind: str) -> str:
    if isinstance(problem, JSONTooDeep):
        return "It is nested too deeply to be checked here."
    if kind == "text" and not isinstance(problem, InputTooLarge):
        return "This is neither a badge's link nor a badge's data (JSON or a JWT)."
    if isinstance(problem, InputTooLarge):
        return "It is too large to be checked here."
    if isinstance(problem, UnsafeInput):
        return "It was refused: it holds something that is not safe to open."
    if isinstance(problem, MalformedInput):
        return (
            "It is not a kind of file that holds a badge, or it is damaged. A badge comes as a PNG or SVG image, "
            "a photo of its QR code, a link, or its data (JSON or a JWT)."
        )
    return (
        "Nothing in it is a badge: no badge is baked in it, it shows no QR code that could be read, and it holds "
        "no badge link or badge data. If it is a photo of a QR code, take it again closer and sharper."
    )


# -- pictures -------------------------------------------------------------------------------------------------------


def _data_url(media_type: str, data: bytes) -> str | None:
    """A ``data:`` URL for a picture of a known type and size, or None."""
    if media_type not in _IMAGE_TYPES or not data or len(data) > _MAX_IMAGE_BYTES:
        return None
    if media_type == "image/svg+xml":
        head = data[:1024].lstrip().lower()
        if not head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) or b"<svg" not in data[:4096].lower():
            return None
    elif not data.startswith(_IMAGE_TYPES[media_type]):
        return None
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _from_data_url(url: str) -> str | None:
    match = re.fullmatch(r"data:([\w.+/-]+)(;[^,]*)?,(.*)", url.strip(), re.DOTALL)
    if match is None:
        return None
    media_type, params, body = match.group(1).lower(), match.group(2) or "", match.group(3)
    if len(body) > _MAX_IMAGE_BYTES * 2:
        return None
    try:
        data = base64.b64decode(body, validate=True) if ";base64" in params else body.encode("utf-8")
    except ValueError:
        return None
    return _data_url(media_type, data)  # re-encoded: only what was checked reaches the page


async def _fetch_images(urls: list[str], cache: ResponseCache) -> dict[str, str]:
    """Fetch badge pictures through the verifier's guarded fetcher; the ones that fail are simply not shown."""
    policy = FetchPolicy(
        allow_private_network=bool(current_app.config["ALLOW_PRIVATE_NETWORK"]),
        max_image_bytes=_MAX_IMAGE_BYTES,
        deadline=_IMAGE_DEADLINE,
    )
    found: dict[str, str] = {}

    async def one(fetcher: Fetcher, url: str) -> None:
        try:
            result = await fetcher.fetch(url, kind="image")
        except FetchError:
            return
        media_type = result.content_type.split(";")[0].strip().lower()
        inlined = _data_url(media_type, result.body) if result.ok else None
        if inlined:
            found[url] = inlined

    async with Fetcher(policy, cache=cache) as fetcher:
        try:
            async with asyncio.timeout(_IMAGE_DEADLINE):
                await asyncio.gather(*(one(fetcher, url) for url in urls))
        except TimeoutError:
            pass
    return found


def _add_images(view: ReportView, read: Read, given: Given, cache: ResponseCache) -> None:
    """Each badge's picture: the uploaded badge image itself, a ``data:`` URL it carries, or one fetched here."""
    if given.data is not None and read.container in ("png", "svg") and not view.items:
        view.image = _data_url("image/png" if read.container == "png" else "image/svg+xml", given.data)
    wanted: dict[str, list[ReportView]] = {}
    for shown in [view, *view.items]:
        if shown.image is not None:
            continue
        source = shown.report.badge.image or ""
        if source.startswith("data:"):
            shown.image = _from_data_url(source)
        elif _safe_link(source) and not (urlsplit(source).hostname or "").endswith(_NEVER_RESOLVES):
            wanted.setdefault(source, []).append(shown)
    if not wanted:
        return
    fetched = run_sync(_fetch_images(list(wanted)[:_MAX_IMAGES], cache))
    for url, views in wanted.items():
        for shown in views:
            shown.image = fetched.get(url)


# -- the form's answer ----------------------------------------------------------------------------------------------


def _form_problem(problem: str, belongs_to: str) -> Response:
    return _page("verify/form.html", 400, limits=_limits(), problem=problem, belongs_to=belongs_to)


@bp.post("/verify")
def submit() -> Response:
    limited = _rate_limited()
    if limited is not None:
        return limited
    typed = request.form.get("belongs_to", "").strip()[: _MAX_BELONGS_TO + 1]
    try:
        belongs_to = _belongs_to()
    except ValueError as exc:
        return _form_problem(str(exc), typed)
    given = _first_input()
    if given is None:
        return _form_problem("Choose a photo or a file, or paste a link, JSON or a JWT, then press Verify.", typed)
    return _verify_given(given, belongs_to)


def _verify_given(given: Given, belongs_to: str | None) -> Response:
    read = _read(given)
    if read.problem is not None or read.payload is None:
        problem = read.problem or MalformedInput("no badge")
        where = "text" if given.kind == "text" else "file"
        verdict = Verdict(f"No badge found in this {where}", "none", "○", _no_badge_sentence(problem, given.kind))
        return _page(
            "verify/result.html",
            verdict=verdict,
            view=None,
            details=_public_message(str(problem)),
            kind=given.kind,
            belongs_to=belongs_to,
        )
    cache = BackpackIssuerCache(_backpack_cache())
    policy = VerifierPolicy(
        fetch=FetchPolicy(allow_private_network=bool(current_app.config["ALLOW_PRIVATE_NETWORK"]), deadline=_DEADLINE),
        recipients=(belongs_to,) if belongs_to else (),
        registries=backpack_registries(),
    )
    report = verify(read.payload, policy=policy, label=given.label, cache=cache)
    if read.location:
        # Verified from the payload read above: say where in the input it was found, as verify() would have.
        report.checks = [
            CheckResult(c.id, c.outcome, f"{read.payload.kind} payload from {read.location}")
            if c.id == "extracted" and c.outcome == "passed"
            else c
            for c in report.checks
        ]
    stated = summarize(read.payload)
    view = _view(report, stated, given.label if given.kind == "file" else None)
    _add_images(view, read, given, cache)
    return _page(
        "verify/result.html",
        verdict=_verdict(view, belongs_to),
        view=view,
        details=None,
        kind=given.kind,
        belongs_to=belongs_to,
    )


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
