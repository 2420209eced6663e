"""Publishing a collection to a share host (``webview.host``, or any host speaking its protocol: docs/hosting.md).

The holder's did:key is the account: the wallet asks the host for a challenge, signs the collection's portfolio
bundle (a Verifiable Presentation) with the challenge and the host's domain in the proof, and posts it. Withdrawing
is the same with an empty presentation. What is live where is kept in the store's ``publications`` table.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx

from verifier import FetchPolicy
from verifier.extraction import parse_json
from verifier.signing import sign_eddsa_rdfc_2022

from . import badge_collections as collections
from .bundle import VC2_CONTEXT, build_bundle
from .errors import NotFound, WalletError
from .holder import Holder, holder
from .settings import SettingError, load_settings, validate_public_url
from .settings import fetch_policy as settings_fetch_policy
from .store import Store, now_iso

__all__ = [
    "PROOF_PURPOSE",
    "SLUG_PATTERN",
    "HostNotSet",
    "PublishError",
    "Publication",
    "publish",
    "publish_host",
    "published",
    "sign_for_host",
    "unpublish",
]

# What the holder's proof says it is for: proving control of its key, for this host's challenge.
PROOF_PURPOSE = "authentication"
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)  # the host verifies every credential before it answers
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$")
"""A page name a host accepts: 3 to 64 lowercase letters, digits and inner hyphens."""


class PublishError(WalletError):
    """The host refused, or could not be reached, or answered something unusable."""

    code = "publish_failed"


class HostNotSet(WalletError):
    """No host was given and none is saved in the settings."""

    code = "publish_host_missing"


@dataclass(frozen=True)
class Publication:
    url: str
    """The public page."""
    slug: str
    host: str
    """The host's base URL, as given to ``publish``."""
    collection_id: str
    collection_name: str
    published_at: str
    expires_at: str | None = None
    withdrawn_at: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Publication:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def state(self, now: datetime | None = None) -> Literal["live", "expired", "withdrawn"]:
        if self.withdrawn_at:
            return "withdrawn"
        if self.expires_at and datetime.fromisoformat(self.expires_at.replace("Z", "+00:00")) <= (
            now or datetime.now(UTC)
        ):
            return "expired"
        return "live"


def sign_for_host(document: dict[str, Any], me: Holder, *, challenge: str, domain: str) -> dict[str, Any]:
    """``document`` with the holder's eddsa-rdfc-2022 proof bound to one challenge and one domain (a host's)."""
    return sign_eddsa_rdfc_2022(
        document,
        me.key,
        me.verification_method,
        created=now_iso(),
        proof_purpose=PROOF_PURPOSE,
        challenge=challenge,
        domain=domain,
    )


def _client(host_url: str, transport: httpx.BaseTransport | None) -> httpx.Client:
    return httpx.Client(
        base_url=host_url.rstrip("/"),
        timeout=_TIMEOUT,
        transport=transport,
        headers={"Accept": "application/json", "User-Agent": "openbadges-backpack/0.1"},
    )


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        body = parse_json(response.content)  # the host's answer is from outside: nesting refused like any other
    except ValueError:
        body = None
    if response.is_success and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        raise PublishError(f"the host refused: {error.get('message')} ({error.get('code')})")
    raise PublishError(f"the host answered {response.status_code} without an explanation")


def _challenge(client: httpx.Client) -> tuple[str, str]:
    body = _answer(_request("POST", "/api/v1/challenges", client=client))
    challenge, domain = body.get("challenge"), body.get("domain")
    if not isinstance(challenge, str) or not isinstance(domain, str):
        raise PublishError("the host's challenge is not usable (no challenge or domain)")
    return challenge, domain


def _request(method: str, url: str, *, client: httpx.Client, **kwargs: Any) -> httpx.Response:
    try:
        return client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise PublishError(f"the host cannot be reached: {exc}") from exc


def _save(store: Store, publication: Publication) -> None:
    with store.transaction(write=True) as db:
        db.upsert("publications", publication.to_dict(), url=publication.url)


def publish_host(store: Store, given: str | None = None) -> str:
    """The host to publish to: ``given`` (an http(s) base URL), else the saved ``publish-host`` setting."""
    raw = given if given is not None else load_settings(store).publish_host
    if not raw.strip():
        raise HostNotSet(
            "no share host to publish to: give --to URL, or save one with `backpack settings set publish-host URL`"
        )
    try:
        return validate_public_url(raw)
    except ValueError as exc:
        raise SettingError(f"the share host: {exc}") from None


def published(store: Store) -> list[Publication]:
    """Every publication this wallet made, newest first, withdrawn and expired ones included."""
    if not store.exists():
        return []
    with store.transaction() as db:
        rows = [Publication.from_dict(row) for row in db.all("publications")]
    return sorted(rows, key=lambda p: p.published_at, reverse=True)


def publish(
    store: Store,
    collection: collections.Collection | str,
    host_url: str,
    *,
    expires: timedelta | datetime | None = None,
    slug: str | None = None,
    fetch_policy: FetchPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Publication:
    """Publish ``collection`` (a collection, its name or its id) to the host; re-publishing updates the same page.

    Returns the publication, whose ``url`` is the public page. Raises ``PublishError`` when the host refuses.
    """
    if isinstance(collection, str):
        collection = collections.get_collection(store, collection)
    if slug is not None and not SLUG_PATTERN.match(slug):
        raise PublishError(f"{slug!r} is not a page name a host accepts: 3 to 64 lowercase letters, digits, hyphens")
    host_url = host_url.rstrip("/")
    if slug is None:
        # The same collection on the same host keeps its address.
        slug = next((p.slug for p in published(store) if p.collection_id == collection.id and p.host == host_url), None)
    expires_at: str | None = None
    if isinstance(expires, timedelta):
        if expires <= timedelta(0):
            raise PublishError("the expiry must be in the future")
        expires = datetime.now(UTC) + expires
    if isinstance(expires, datetime):
        expires_at = expires.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    document, _warnings = build_bundle(
        store, collection, fetch_policy=fetch_policy or settings_fetch_policy(load_settings(store))
    )
    me = holder(store)
    with _client(host_url, transport) as client:
        challenge, domain = _challenge(client)
        # A fresh id: the bundle signed for a host is a different presentation from an exported one.
        document = {**document, "id": f"urn:uuid:{uuid.uuid4()}"}
        body: dict[str, Any] = {"presentation": sign_for_host(document, me, challenge=challenge, domain=domain)}
        if slug:
            body["slug"] = slug
        if expires_at:
            body["expires"] = expires_at
        answer = _answer(_request("POST", "/api/v1/portfolios", client=client, json=body))
    url, new_slug = answer.get("url"), answer.get("slug")
    if not isinstance(url, str) or not isinstance(new_slug, str):
        raise PublishError("the host's answer names no page")
    publication = Publication(
        url=url,
        slug=new_slug,
        host=host_url,
        collection_id=collection.id,
        collection_name=collection.name,
        published_at=now_iso(),
        expires_at=answer.get("expires") if isinstance(answer.get("expires"), str) else None,
    )
    _save(store, publication)
    return publication


def _matching(store: Store, ref: str) -> list[Publication]:
    mine = [p for p in published(store) if p.state() == "live"]
    found = [p for p in mine if ref.rstrip("/") == p.url or ref == p.slug]
    if not found:
        try:
            collection = collections.get_collection(store, ref)
        except NotFound:
            collection = None
        if collection is not None:
            found = [p for p in mine if p.collection_id == collection.id]
    if not found:
        raise NotFound(f"nothing live is published as {ref!r} (see the list of publications)")
    return found


def unpublish(
    store: Store, url_or_collection: str, *, transport: httpx.BaseTransport | None = None
) -> list[Publication]:
    """Withdraw the publication at a URL (or slug), or every live publication of a collection; the host answers
    410 for them from then on. Returns what was withdrawn."""
    me = holder(store)
    withdrawn = []
    for publication in _matching(store, url_or_collection):
        with _client(publication.host, transport) as client:
            challenge, domain = _challenge(client)
            presentation = sign_for_host(
                {
                    "@context": [VC2_CONTEXT],
                    "id": f"urn:uuid:{uuid.uuid4()}",
                    "type": ["VerifiablePresentation"],
                    "holder": me.did,
                },
                me,
                challenge=challenge,
                domain=domain,
            )
            response = _request(
                "POST",
                f"/api/v1/portfolios/{publication.slug}/withdraw",
                client=client,
                json={"presentation": presentation},
            )
            if response.status_code != 404:  # gone from the host already: only our record is left to update
                _answer(response)
        done = replace(publication, withdrawn_at=now_iso())
        _save(store, done)
        withdrawn.append(done)
    return withdrawn
