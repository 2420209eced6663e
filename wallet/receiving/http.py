"""The receiving package's own HTTP client: GETs and POSTs to issuers, under the verifier's destination guard.

The verifier's fetcher only GETs; issuance needs POSTs (tokens, nonces, credential requests, exchanges). This client
keeps the same rules: http(s) only, every address a host name resolves to checked with
``verifier.http.check_destination`` and the connection made to exactly the address checked (no second DNS lookup
to rebind), no proxy from the environment, connect and read timeouts, a deadline per request, a cap on the body read.
A POST is never redirected (the body would follow the redirect to a host nobody chose); a GET follows a few
redirects, each hop guarded again.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from verifier import BlockedAddress, FetchError, FetchPolicy
from verifier.http import check_destination

__all__ = ["Answer", "IssuerClient"]

_USER_AGENT = "openbadges-backpack/0.1"
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Answer:
    """One HTTP response: its status, headers (lower-case names) and body, decoded as JSON when it is JSON."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or an empty one."""
        value = self.json()
        return value if isinstance(value, dict) else {}


def _literal_url(address: str, port: int) -> str:
    host = f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    return f"http://{host}:{port}/"


class _PinnedBackend(httpcore.SyncBackend):
    """Connections to an address checked by the verifier's guard: one lookup per connection, made here."""

    def __init__(self, policy: FetchPolicy) -> None:
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve host {host!r}") from exc
        addresses = [str(info[4][0]).split("%")[0] for info in infos]
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve host {host!r}")
        for address in addresses:
            check_destination(_literal_url(address, port), self._policy)  # raises BlockedAddress
        return super().connect_tcp(
            addresses[0], port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise BlockedAddress("refused to connect to a local socket", url=path)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, policy: FetchPolicy) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=4, network_backend=_PinnedBackend(policy)
        )


class IssuerClient:
    """Guarded requests to one issuer's endpoints for one issuance. Use as a context manager.

    ``transport`` replaces the network (never the guard's pre-check of each URL's shape and, unless the policy
    allows private networks, of its addresses)."""

    def __init__(self, policy: FetchPolicy, *, transport: httpx.BaseTransport | None = None) -> None:
        self.policy = policy
        # An injected transport connects its own way: its URLs' addresses are checked beforehand at least.
        self._pre_check = transport is not None and not policy.allow_private_network
        if transport is None:
            transport = (
                httpx.HTTPTransport(trust_env=False) if policy.allow_private_network else _GuardedTransport(policy)
            )
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            follow_redirects=False,
            headers={"User-Agent": _USER_AGENT},
            trust_env=False,
        )

    def __enter__(self) -> IssuerClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def check(self, url: str) -> None:
        """Refuse a URL the client would refuse, before anything is sent (http only when private networks are
        allowed: issuers are on https; plain http is for local development)."""
        if urlsplit(url).scheme == "http" and not self.policy.allow_private_network:
            raise FetchError("an issuer's endpoints must use https", url=url)
        # The shape (scheme, host, port) always; the addresses here only for an injected transport, since the
        # guarded one checks the very address it connects to.
        check_destination(url, self.policy if self._pre_check else replace(self.policy, allow_private_network=True))

    def get(self, url: str, *, accept: str = "application/json") -> Answer:
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            answer = self._send("GET", current, headers={"Accept": accept})
            if answer.status not in _REDIRECTS:
                return answer
            location = answer.headers.get("location")
            if not location:
                raise FetchError(f"redirect {answer.status} without a Location", url=current)
            current = urljoin(current, location)
        raise FetchError(f"more than {self.policy.max_redirects} redirects", url=url)

    def post_form(self, url: str, form: Mapping[str, str], *, headers: Mapping[str, str] | None = None) -> Answer:
        return self._post(url, {"data": dict(form)}, headers)

    def post_json(self, url: str, body: Any, *, headers: Mapping[str, str] | None = None) -> Answer:
        return self._post(url, {"json": body}, headers)

    def post_empty(self, url: str, *, headers: Mapping[str, str] | None = None) -> Answer:
        return self._post(url, {"content": b""}, headers)

    def _post(self, url: str, content: dict[str, Any], headers: Mapping[str, str] | None) -> Answer:
        answer = self._send("POST", url, headers={"Accept": "application/json", **(headers or {})}, **content)
        if answer.status in _REDIRECTS:
            raise FetchError(f"the issuer redirected a POST ({answer.status}): not followed", url=url)
        return answer

    def _send(self, method: str, url: str, *, headers: Mapping[str, str], **content: Any) -> Answer:
        self.check(url)
        policy = self.policy
        limit = policy.max_json_bytes
        started = time.monotonic()
        try:
            with self._client.stream(method, url, headers=dict(headers), **content) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise FetchError(f"response larger than the {limit // 1024} KB allowed", url=url)
                body = bytearray()
                for piece in response.iter_bytes():
                    body += piece
                    if len(body) > limit:
                        raise FetchError(f"response larger than the {limit // 1024} KB allowed", url=url)
                    if time.monotonic() - started > policy.deadline:
                        raise FetchError(f"gave up after {policy.deadline:g} s", url=url)
                headers = {k.lower(): v for k, v in response.headers.items()}
                return Answer(url, response.status_code, headers, bytes(body))
        except BlockedAddress as exc:
            raise BlockedAddress(str(exc).removesuffix(f" ({exc.url})"), url=url) from None
        except httpx.TimeoutException as exc:
            raise FetchError("timed out", url=url) from exc
        except httpx.HTTPError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, FetchError):
                raise cause from None
            raise FetchError(f"network error: {type(exc).__name__}", url=url) from exc
