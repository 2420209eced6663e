"""The keys of VC-JWTs and VP-JWTs, and whether their signer stands behind them (VC-JOSE-COSE "Key Discovery", the
OB 3.0 JSON Web Token Proof and the implementation guide's "key provenance").

A JOSE header names its key in one of four ways, and each says something different about who signed:

* ``kid`` is a DID URL, or the URL of a verification method in a controller document: resolved like a Data Integrity
  ``verificationMethod``; the controller vouches for the key.
* ``kid`` is a URL serving a bare JWK (OB 3.0: "a URI that can be dereferenced to an object of type JWK"): the key is
  read, but a URL proves nothing about who controls it, so the signer must list it.
* ``kid`` is a bare name (often an RFC 7638 thumbprint): looked up among the signer's own keys, in its DID document,
  or for an https signer in its controller document and ``https://<host>/.well-known/jwks.json``.
* ``jwk`` inline: anyone can put a key there, so the signer must list it, in the same places.

"Listed nowhere" is a failure (someone else signed); "the lists cannot be fetched" is an error (nothing can be said).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .._did.keys import InvalidKey, PublicKey, UnsupportedKey, jwk_thumbprint, public_key_from_jwk
from .._did.resolve import (
    DidResolutionError,
    ResolvedKey,
    UnsupportedDidMethod,
    VerificationMethodNotFound,
    listed_methods,
    resolve_did,
    resolve_verification_method,
    same_key,
)
from .._errors import FetchError, JSONTooDeep
from .._json import parse_json
from .._report import Outcome
from .._run import Run

__all__ = ["JwtKey", "jwt_key", "key_listing"]


@dataclass(frozen=True)
class JwtKey:
    """The key a JWT names, and what vouches for it."""

    public_key: PublicKey
    resolved: ResolvedKey | None = None
    """The ``kid`` resolved as a verification method: its controller vouches for the key."""
    listed: str | None = None
    """Found among the signer's own keys by its ``kid``: where (the signer vouches)."""
    unlisted: str | None = None
    """The key came with nothing vouching for it ("the inline jwk", "the JWK at <url>"): the signer must list it."""


@dataclass(frozen=True)
class _Listed:
    key: PublicKey
    names: frozenset[str]
    where: str


def _names(jwk: Any, *ids: str | None) -> frozenset[str]:
    """What a bare ``kid`` may call a listed key: the method's id and fragment, the JWK's own kid, its thumbprint."""
    names = {i for i in ids if i}
    names |= {i.rsplit("#", 1)[1] for i in ids if i and "#" in i}
    if isinstance(jwk, Mapping):
        names.add(str(jwk.get("kid") or ""))
        names.add(jwk_thumbprint(jwk) or "")
    return frozenset(n for n in names if n)


def _methods(document: Mapping[str, Any], relationship: str, *, lenient: bool, where: str) -> list[_Listed]:
    found = []
    for method, key in listed_methods(document, relationship, lenient=lenient):
        found.append(_Listed(key, _names(method.get("publicKeyJwk") or key.jwk, method["id"]), where))
    return found


def _jwks_keys(document: Mapping[str, Any], signer_id: str, where: str) -> list[_Listed]:
    keys = document.get("keys")
    found: list[_Listed] = []
    if not isinstance(keys, list):
        return found
    for jwk in keys:
        # A key for encryption, or one its own iss member gives to someone else, is not the signer's signing key.
        if not isinstance(jwk, dict) or jwk.get("use") == "enc" or jwk.get("iss", signer_id) != signer_id:
            continue
        try:
            found.append(_Listed(public_key_from_jwk(jwk), _names(jwk), where))
        except (InvalidKey, UnsupportedKey):
            continue
    return found


_KeyList = tuple[str, list[_Listed] | str | None]


async def _key_lists(run: Run, signer_id: str, relationship: str) -> AsyncGenerator[_KeyList]:
    """The signer's key lists, one at a time (a caller stops at the first that has the key): where each is, and its
    keys, None when the signer publishes no such list, or a sentence saying why it could not be read."""
    if signer_id.startswith("did:"):
        did = signer_id.split("#", 1)[0]
        where = f"the DID document of {did}"
        try:
            document = await resolve_did(did, run.fetcher)
        except FetchError as exc:
            yield where, f"{where}: {exc}"
        except DidResolutionError as exc:
            yield where, str(exc)
        else:
            yield where, _methods(document, relationship, lenient=False, where=where)
        return
    url = signer_id.split("#", 1)[0]
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        yield signer_id, f"the id {signer_id} is neither a DID nor an https URL, so it has no key list to look in"
        return
    where = f"the controller document {url}"
    profile = await _fetch_list(run, url, where)
    if profile is None or isinstance(profile, str):
        yield where, profile
    elif profile.get("id", url) != url:
        yield where, f"the document at {url} has the id {str(profile['id'])[:96]}, so it speaks for someone else"
    else:
        yield where, _methods(profile, relationship, lenient=True, where=where)
    jwks = f"https://{parts.netloc}/.well-known/jwks.json"
    key_set = await _fetch_list(run, jwks, jwks)
    if key_set is None or isinstance(key_set, str):
        yield jwks, key_set
    else:
        yield jwks, _jwks_keys(key_set, signer_id, jwks)


async def _fetch_list(run: Run, url: str, where: str) -> dict[str, Any] | str | None:
    """A key list's JSON object; None when the server says there is none (404, 410); a sentence when it could not be
    read."""
    try:
        result = await run.fetcher.fetch(url, kind="json")
    except FetchError as exc:
        return f"{where}: {exc}"
    if result.status in (404, 410):
        return None
    if not result.ok:
        return f"{where}: {url} answered HTTP {result.status}"
    try:
        document = parse_json(result.body)
    except JSONTooDeep as exc:
        return f"{where} is refused: {exc}"
    except ValueError:
        return f"{where} is not JSON"
    return document if isinstance(document, dict) else f"{where} is not a JSON object"


@dataclass(frozen=True)
class _Search:
    found: _Listed | None
    looked_in: list[str]
    """The key lists read that do not have the key."""
    problems: list[str]
    """Why the others could not be read; a list that does not exist is one of them only when no list exists at all:
    an issuer that publishes key lists, none of which has the key, has answered."""


async def _search(run: Run, signer_id: str, relationship: str, matches: Callable[[_Listed], bool]) -> _Search:
    looked_in: list[str] = []
    problems: list[str] = []
    absent: list[str] = []
    async with aclosing(_key_lists(run, signer_id, relationship)) as lists:
        async for where, keys in lists:
            if keys is None:
                absent.append(where)
                continue
            if isinstance(keys, str):
                problems.append(keys)
                continue
            found = next((listed for listed in keys if matches(listed)), None)
            if found is not None:
                return _Search(found, looked_in, problems)
            looked_in.append(where)
    if not looked_in and not problems:
        problems = [f"{signer_id} publishes no key list (not found: {', '.join(absent)})"]
    return _Search(None, looked_in, problems)


async def key_listing(run: Run, key: JwtKey, signer_id: str | None, relationship: str) -> tuple[Outcome, str]:
    """Whether the signer lists a key that came with nothing vouching for it: passed, failed (listed nowhere) or
    error (its key lists cannot be read)."""
    what = key.unlisted or "the key"
    if not signer_id:
        return "error", f"{what} proves integrity only, and no issuer or holder is named to vouch for it"
    search = await _search(run, signer_id, relationship, lambda listed: same_key(listed.key, key.public_key))
    if search.found is not None:
        return "passed", f"{what} is listed by {signer_id} in {search.found.where}"
    if search.problems:
        return "error", f"cannot tell whether {signer_id} lists {what}: " + "; ".join(search.problems)
    return "failed", f"{what} is not listed by {signer_id}: anyone could have signed with it"


async def _resolve(run: Run, vm_id: str, relationship: str) -> ResolvedKey | tuple[Outcome, str]:
    try:
        return await resolve_verification_method(
            vm_id, run.fetcher, relationship=relationship, trust_fragment=run.policy.trust_fragment_keys
        )
    except FetchError as exc:
        return "error", f"could not resolve the key {vm_id}: {exc}"
    except DidResolutionError as exc:
        outcome: Outcome = "failed" if isinstance(exc, UnsupportedDidMethod | VerificationMethodNotFound) else "error"
        return outcome, f"cannot use the key {vm_id}: {exc}"
    except (InvalidKey, UnsupportedKey) as exc:
        return "failed", f"cannot use the key {vm_id}: {exc}"


async def _bare_jwk_at(run: Run, url: str) -> PublicKey | tuple[Outcome, str] | None:
    """The key at ``url`` when it serves a bare JWK (no verification method, no controller document); None for
    anything else."""
    try:
        result = await run.fetcher.fetch(url.split("#", 1)[0], kind="json")
        document = parse_json(result.body) if result.ok else None
    except (FetchError, ValueError):
        return None
    if not isinstance(document, dict) or "kty" not in document:
        return None
    if {"publicKeyJwk", "publicKeyMultibase", "verificationMethod", "controller"} & document.keys():
        return None
    try:
        return public_key_from_jwk(document)
    except (InvalidKey, UnsupportedKey) as exc:
        return "failed", f"the JWK at {url} is unusable: {exc}"


async def _by_name(run: Run, kid: str, signer_id: str, relationship: str) -> JwtKey | tuple[Outcome, str]:
    name = kid.lstrip("#")
    search = await _search(run, signer_id, relationship, lambda listed: name in listed.names)
    if search.found is not None:
        return JwtKey(search.found.key, listed=search.found.where)
    if search.problems:
        return "error", f"cannot look up the kid {kid!r} among the keys of {signer_id}: " + "; ".join(search.problems)
    places = ", ".join(search.looked_in) or "its key lists"
    return "failed", f"the kid {kid!r} names no key of {signer_id} (looked in {places})"


async def jwt_key(
    run: Run,
    header: dict[str, Any],
    signer_id: str | None,
    *,
    relationship: str = "assertionMethod",
    check_id: str = "key_owner",
) -> JwtKey | None:
    """The verification key a JWT's header names (a VC's by its issuer, a VP's by its holder), and what vouches for
    it; a key that cannot be found or used is recorded as ``check_id``, in a sentence."""
    run.stage = check_id
    found = await _find(run, header, signer_id, relationship)
    if isinstance(found, JwtKey):
        return found
    run.report.add(check_id, *found)
    return None


async def _find(
    run: Run, header: dict[str, Any], signer_id: str | None, relationship: str
) -> JwtKey | tuple[Outcome, str]:
    kid, jwk = header.get("kid"), header.get("jwk")
    if isinstance(kid, str) and kid.startswith(("did:", "http://", "https://")):
        resolved = await _resolve(run, kid, relationship)
        if isinstance(resolved, ResolvedKey):
            return JwtKey(resolved.public_key, resolved=resolved)
        if kid.startswith("did:"):
            return resolved
        bare = await _bare_jwk_at(run, kid)
        if isinstance(bare, PublicKey):
            return JwtKey(bare, unlisted=f"the JWK at {kid}")
        return bare or resolved
    if isinstance(kid, str) and kid and signer_id and signer_id.startswith("did:"):
        resolved = await _resolve(run, f"{signer_id.split('#', 1)[0]}#{kid.lstrip('#')}", relationship)
        if isinstance(resolved, ResolvedKey):
            return JwtKey(resolved.public_key, resolved=resolved)
        if resolved[0] != "failed":
            return resolved
        by_name = await _by_name(run, kid, signer_id, relationship)  # a thumbprint rather than a fragment
        return by_name if isinstance(by_name, JwtKey) else resolved
    if isinstance(kid, str) and kid and signer_id and signer_id.startswith("https://"):
        return await _by_name(run, kid, signer_id, relationship)
    if isinstance(jwk, dict):
        try:
            return JwtKey(public_key_from_jwk(jwk), unlisted="the inline jwk")
        except (InvalidKey, UnsupportedKey) as exc:
            return "failed", f"the JWS header's jwk is unusable: {exc}"
    if isinstance(kid, str) and kid:
        who = f"the id {signer_id}" if signer_id else "no issuer or holder id"
        return "error", f"the kid {kid!r} is not a URL and {who} has no key list to look it up in"
    return "failed", "the JOSE header names no key (neither a kid nor a jwk)"
