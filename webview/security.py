"""The web view's defences: security headers, CSRF tokens on forms, a rate limit for the public verify page.

Issuer-controlled text is escaped by Jinja's autoescape; pages carry no inline script, so the Content-Security-Policy
allows scripts from this origin only. Embeds are allowed to be framed only on the embed view.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict

from flask import Flask, Response, abort, current_app, request, session
from flask.sansio.app import App

__all__ = ["RateLimiter", "check_csrf", "csrf_exempt", "csrf_token", "init_app", "security_headers"]

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
    app.before_request(check_csrf)
    app.after_request(security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
