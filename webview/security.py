"""The web view's defences: security headers, CSRF tokens on forms, form size limits in every encoding, rate limits
for the public verify page and the share pages.

Issuer-controlled text is escaped by Jinja's autoescape; pages carry no inline script, so the Content-Security-Policy
allows scripts from this origin only. Embeds are allowed to be framed only on the embed view.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from typing import NoReturn

from flask import Flask, Response, abort, current_app, render_template, request, session
from flask.sansio.app import App
from werkzeug.exceptions import TooManyRequests

__all__ = [
    "RateLimiter",
    "check_csrf",
    "check_form_size",
    "csrf_exempt",
    "csrf_token",
    "init_app",
    "security_headers",
    "too_many_requests",
]

_CSRF_FIELD = "csrf_token"
_CSRF_EXEMPT = "backpack.csrf_exempt"


def csrf_exempt(app: App, blueprint: str) -> None:
    """Exempt a blueprint's POSTs from the form token: only for JSON APIs that refuse anything but a JSON body (a
    cross-site page cannot send one without a CORS preflight, which they do not answer) and read no cookie."""
    app.extensions.setdefault(_CSRF_EXEMPT, set()).add(blueprint)


def csrf_token() -> str:
    token = session.get(_CSRF_FIELD)
    if not isinstance(token, str):
        token = session[_CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse a POST whose form does not carry this session's CSRF token (400); JSON APIs exempted by blueprint."""
    if request.method != "POST" or request.blueprint in current_app.extensions.get(_CSRF_EXEMPT, ()):
        return
    sent = request.form.get(_CSRF_FIELD, "")
    expected = session.get(_CSRF_FIELD)
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        abort(400, description="This form has expired or did not come from this site: reload the page and try again.")


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Percent-encoding makes a field up to three times longer on the wire than it is once decoded.
_URLENCODED_EXPANSION = 3


def form_field_limit() -> int:
    """The largest form field (pasted text), in bytes once decoded: ``MAX_FORM_MEMORY_SIZE``."""
    configured = current_app.config.get("MAX_FORM_MEMORY_SIZE")
    return int(configured) if configured else int(request.max_form_memory_size or 500_000)


def check_form_size() -> None:
    """Refuse (413) a form field larger than the stated limit, whatever the body's encoding.

    Werkzeug holds multipart fields to ``MAX_FORM_MEMORY_SIZE`` but not URL-encoded ones: a URL-encoded body is
    refused from its declared length when even full percent-encoding could not bring it under the limit, and every
    decoded field is measured after parsing (a chunked body declares no length)."""
    if request.method != "POST" or request.mimetype not in _FORM_TYPES:
        return
    limit = form_field_limit()
    if request.mimetype == _FORM_TYPES[0] and (request.content_length or 0) > _URLENCODED_EXPANSION * limit + 4096:
        abort(413)
    for values in request.form.listvalues():
        if any(len(value.encode("utf-8", "surrogatepass")) > limit for value in values):
            abort(413)


class RateLimiter:
    """A token bucket per client address: ``rate`` requests per ``per`` seconds, remembered for a bounded set."""

    def __init__(self, rate: int, per: float, *, max_clients: int = 10_000) -> None:
        self.rate, self.per, self.max_clients = rate, per, max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.pop(client, (float(self.rate), now))
            tokens = min(float(self.rate), tokens + (now - stamp) * self.rate / self.per)
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return allowed

    def exhausted(self, client: str) -> bool:
        """Whether ``client`` has no request left just now (without counting one)."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(client, (float(self.rate), now))
            return min(float(self.rate), tokens + (now - stamp) * self.rate / self.per) < 1


def too_many_requests(message: str, retry_after: int) -> NoReturn:
    """Answer 429 with a page saying ``message`` and when to come back (``Retry-After``, seconds)."""
    error = TooManyRequests(description=message)
    response = Response(render_template("errors/error.html", error=error), 429)
    response.headers["Retry-After"] = str(max(1, retry_after))
    response.headers["Cache-Control"] = "no-store"
    abort(response)


def security_headers(response: Response) -> Response:
    """Add the web view's security headers to ``response`` (those it does not set itself)."""
    frame_ancestors = response.headers.pop("X-Backpack-Frame-Ancestors", None) or "'none'"
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if frame_ancestors == "'none'":
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    return response


def init_app(app: Flask) -> None:
    app.before_request(check_form_size)
    app.before_request(check_csrf)
    app.after_request(security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
