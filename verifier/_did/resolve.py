"""From a proof's ``verificationMethod`` to a public key: DID resolution and URL dereferencing (OB-VERIFICATION 3.8, 4).

A signature only proves something if the key is bound to the issuer, so besides the key this module reports the
*controller*: the identifier whose own document (or, for did:key/did:jwk, whose own name) vouches for the key. The
caller compares it with the issuer id. The rules that keep that binding honest:

* did:key and did:jwk are decoded offline; a did:key fragment must repeat the key, a did:jwk fragment must be ``0``.
* did:web is always resolved; a key in a did:web fragment is never trusted (DCC's ``badDidWeb`` fixture verifies that
  way, yet its DID document does not resolve). The document's ``id`` must be the DID, and the verification method
  must be listed in ``assertionMethod``. The controller reported is the DID, not the method's own ``controller``
  property, which the document's author could set to anyone.
* ``https://issuer#z6Mk...``: with ``trust_fragment`` (the 1EdTech validator's behaviour, and what makes the spec's
  test vector verify offline) the key is read from the fragment, for http(s) controllers only; ``source`` says so.
* Any other http(s) URL is fetched: a controller document (an issuer Profile) that lists the method, or a key
  document whose ``controller`` must list the key back in its own document.

Every failure raises a ``DidResolutionError`` whose message can go straight into a report line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import SplitResult, unquote, urlsplit

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .._errors import FetchError, JSONTooDeep
from .._json import as_list, parse_json
from .keys import (
    InvalidKey,
    PublicKey,
    UnsupportedKey,
    b64url_decode,
    base58btc_decode,
    base58btc_encode,
    decode_multikey,
    public_key_from_jwk,
)

__all__ = [
    "DidResolutionError",
    "DocumentFetcher",
    "KeySource",
    "ResolvedKey",
    "UnsupportedDidMethod",
    "VerificationMethodNotFound",
    "did_jwk_document",
    "did_key_document",
    "did_web_url",
    "find_verification_method",
    "listed_methods",
    "resolve_did",
    "resolve_verification_method",
    "same_key",
]

SUPPORTED_METHODS = "did:key, did:web, did:jwk"
_MAX_ID_CHARS = 8192
"""A did:jwk of a 4096-bit RSA key is ~1 KB; anything far longer is hostile or broken."""


class DidResolutionError(Exception):
    """No usable key for a verification method. The message is written for a report line."""

    code = "did_resolution_failed"


class UnsupportedDidMethod(DidResolutionError):
    code = "unsupported_did_method"


class VerificationMethodNotFound(DidResolutionError):
    code = "verification_method_not_found"


KeySource = Literal["did:key", "did:jwk", "did:web", "fragment", "key-document", "controller-document"]


@dataclass(frozen=True)
class ResolvedKey:
    """The key of a verification method, the identifier that vouches for it, and how it was found.

    ``vm_id`` is the absolute id (a bare ``did:key:z...`` becomes ``did:key:z...#z...``). ``source`` is
    ``"fragment"`` when the key was read from the URL itself without any document confirming it.
    """

    public_key: PublicKey
    controller: str
    vm_id: str
    source: KeySource


class _Response(Protocol):
    @property
    def ok(self) -> bool: ...

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...

    @property
    def final_url(self) -> str: ...


class DocumentFetcher(Protocol):
    """What this module needs of ``verifier._fetch.Fetcher``."""

    async def fetch(self, url: str, *, kind: Literal["json"]) -> _Response: ...


# --- DID syntax -------------------------------------------------------------------------------------------------

_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID = re.compile(rf"did:(?P<method>[a-z0-9]+):(?P<msid>(?:{_IDCHAR}|:)*{_IDCHAR})")


def _short(value: str, limit: int = 96) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _parse_did(did: str) -> tuple[str, str]:
    """(method, method-specific id) of a bare DID; DID URLs (path, query, fragment) are refused here."""
    if not isinstance(did, str) or not did.startswith("did:"):
        raise DidResolutionError(f"{_short(str(did))!r} is not a DID")
    if len(did) > _MAX_ID_CHARS:
        raise DidResolutionError(f"the DID is too long ({len(did)} characters)")
    if any(char in did for char in "#?/"):
        raise DidResolutionError(f"{_short(did)} is a DID URL; a bare DID was expected here")
    match = _DID.fullmatch(did)
    if match is None:
        raise DidResolutionError(f"{_short(did)} is not a valid DID")
    return match["method"], match["msid"]


def _unsupported(method: str) -> UnsupportedDidMethod:
    return UnsupportedDidMethod(f"did:{method} is not supported (supported: {SUPPORTED_METHODS})")


def _require_method(did: str, expected: str) -> str:
    method, msid = _parse_did(did)
    if method != expected:
        raise DidResolutionError(f"{_short(did)} is not a did:{expected}")
    return msid


# --- offline methods: did:key, did:jwk ------------------------------------------------------------------------


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key (Ed25519 or P-256): one Multikey method, usable for every relationship."""
    msid = _require_method(did, "key")
    if not msid.startswith("z"):
        raise DidResolutionError(f"{_short(did)} is not a valid did:key: the key must be base58btc ('z...')")
    try:
        decode_multikey(msid)
    except (InvalidKey, UnsupportedKey) as exc:
        raise DidResolutionError(f"{_short(did)} is not a usable did:key: {exc}") from exc
    vm_id = f"{did}#{msid}"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": msid}],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


_SIGNING_RELATIONSHIPS = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")


def did_jwk_document(did: str) -> dict[str, Any]:
    """The DID document of a did:jwk: one JsonWebKey2020 method ``#0``, in the relationships its ``use`` allows
    (a ``"use": "enc"`` key only does key agreement, so it can never sign a credential)."""
    msid = _require_method(did, "jwk")
    try:
        jwk = parse_json(b64url_decode(msid).decode("utf-8"))
    except JSONTooDeep as exc:
        raise DidResolutionError(f"{_short(did)} is not a valid did:jwk: {exc}") from None
    except (InvalidKey, ValueError) as exc:
        raise DidResolutionError(f"{_short(did)} is not a valid did:jwk: not base64url-encoded JSON") from exc
    if not isinstance(jwk, dict):
        raise DidResolutionError(f"{_short(did)} is not a valid did:jwk: the JWK is not a JSON object")
    try:
        public_key_from_jwk(jwk)
    except (InvalidKey, UnsupportedKey) as exc:
        raise DidResolutionError(f"{_short(did)} is not a usable did:jwk: {exc}") from exc
    vm_id = f"{did}#0"
    use = jwk.get("use")
    if use == "enc":
        relationships: tuple[str, ...] = ("keyAgreement",)
    elif use == "sig":
        relationships = _SIGNING_RELATIONSHIPS
    else:
        relationships = (*_SIGNING_RELATIONSHIPS, "keyAgreement")
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": [{"id": vm_id, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}],
    }
    document.update({name: [vm_id] for name in relationships})
    return document


# --- did:web ----------------------------------------------------------------------------------------------------

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"(?=[^:]{{1,253}}(?::|$)){_LABEL}(?:\.{_LABEL})*(?::(?P<port>[0-9]{{1,5}}))?")


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web's document: ':' becomes '/', a port is percent-encoded in the host ('%3A'), and a
    DID with no path uses '/.well-known'. Hosts and path segments are checked so a DID cannot smuggle in a userinfo,
    another host or a '..' segment."""
    msid = _require_method(did, "web")
    host_part, *path = msid.split(":")
    host = unquote(host_part)
    match = _HOST.fullmatch(host)
    if match is None or (match["port"] is not None and not 0 < int(match["port"]) < 65536):
        raise DidResolutionError(f"{_short(did)} is not a valid did:web: {_short(host, 64)!r} is not a host name")
    for segment in path:
        if not segment or segment in (".", "..") or unquote(segment) in (".", ".."):
            raise DidResolutionError(f"{_short(did)} is not a valid did:web: empty or dot path segment")
    if path:
        return f"https://{host}/{'/'.join(path)}/did.json"
    return f"https://{host}/.well-known/did.json"


async def _fetch_json(url: str, fetcher: DocumentFetcher, subject: str) -> Any:
    try:
        result = await fetcher.fetch(url, kind="json")
    except FetchError as exc:
        raise DidResolutionError(f"cannot fetch {subject}: {exc}") from exc
    if not result.ok:
        raise DidResolutionError(f"cannot fetch {subject}: {url} answered HTTP {result.status}")
    try:
        return parse_json(result.body)
    except JSONTooDeep as exc:
        raise DidResolutionError(f"{subject} at {url} is refused: {exc}") from None
    except ValueError as exc:
        raise DidResolutionError(f"{subject} at {url} is not valid JSON") from exc


async def resolve_did(did: str, fetcher: DocumentFetcher) -> dict[str, Any]:
    """The DID document of a did:key, did:jwk (offline) or did:web (fetched). Other methods are refused: sending
    them to a third-party resolver would let that resolver pick the issuer's keys."""
    method, _msid = _parse_did(did)
    if method == "key":
        return did_key_document(did)
    if method == "jwk":
        return did_jwk_document(did)
    if method != "web":
        raise _unsupported(method)
    url = did_web_url(did)
    document = await _fetch_json(url, fetcher, f"the DID document of {_short(did)}")
    if not isinstance(document, dict):
        raise DidResolutionError(f"the DID document of {_short(did)} at {url} is not a JSON object")
    if document.get("id") != did:
        found = document.get("id")
        raise DidResolutionError(
            f"the DID document at {url} is for {_short(str(found)) if found else 'no id'}, not {_short(did)}"
        )
    return document


# --- finding a verification method in a document ----------------------------------------------------------------


def _absolute(ref: str, base: str) -> str:
    """A '#fragment' reference made absolute against the document id (other ids are already absolute)."""
    if ref.startswith("#") and base:
        return base.split("#", 1)[0] + ref
    return ref


def _entry_id(entry: Any, base: str) -> str | None:
    if isinstance(entry, str):
        return _absolute(entry, base)
    if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
        return _absolute(entry["id"], base)
    return None


def find_verification_method(
    document: Mapping[str, Any], vm_id: str, *, relationship: str = "assertionMethod"
) -> dict[str, Any]:
    """The verification method ``vm_id`` of ``document``, provided ``relationship`` lists it. Both shapes are read:
    methods in ``verificationMethod[]`` referenced by id from ``assertionMethod[]`` (DID Core), and method objects
    embedded in ``assertionMethod[]`` itself (DCC's legacy did:web document). Relative ids ('#key-1') are resolved
    against the document id. The result is a copy whose ``id`` is absolute."""
    base = own_id if isinstance(own_id := document.get("id"), str) else ""
    target = _absolute(vm_id, base)
    defined: dict[str, Mapping[str, Any]] = {}
    for method in as_list(document.get("verificationMethod")):
        method_id = _entry_id(method, base)
        if method_id is not None and isinstance(method, Mapping):
            defined.setdefault(method_id, method)
    referenced_only = False
    for entry in as_list(document.get(relationship)):
        if _entry_id(entry, base) != target:
            continue
        if isinstance(entry, Mapping):
            return {**entry, "id": target}
        if target in defined:
            return {**defined[target], "id": target}
        referenced_only = True
    where = f"the document of {_short(base)}" if base else "the document"
    if referenced_only:
        raise VerificationMethodNotFound(f"{_short(target)} is listed in {relationship} but not defined in {where}")
    if target in defined:
        raise VerificationMethodNotFound(f"{_short(target)} is in {where} but not listed in its {relationship}")
    raise VerificationMethodNotFound(f"{_short(target)} is not in {where}")


def _references(document: Mapping[str, Any], vm_id: str, relationship: str, *, lenient: bool) -> bool:
    """Whether a controller document lists ``vm_id`` (by id string or embedded object) in ``relationship``; with
    ``lenient`` (http(s) documents: issuer Profiles seen in the wild carry no ``assertionMethod``), a document
    without that property may list it in ``verificationMethod`` instead."""
    base = own_id if isinstance(own_id := document.get("id"), str) else ""
    name = relationship if relationship in document or not lenient else "verificationMethod"
    return any(_entry_id(entry, base) == vm_id for entry in as_list(document.get(name)))


def _profile_method(document: Mapping[str, Any], vm_id: str, relationship: str) -> dict[str, Any]:
    """Like ``find_verification_method``, but for an http(s) controller document without ``relationship`` the
    method only has to be in ``verificationMethod[]`` (the OB impl guide's Profile example has no assertionMethod)."""
    if relationship in document:
        return find_verification_method(document, vm_id, relationship=relationship)
    base = own_id if isinstance(own_id := document.get("id"), str) else ""
    for method in as_list(document.get("verificationMethod")):
        if isinstance(method, Mapping) and _entry_id(method, base) == vm_id:
            return {**method, "id": vm_id}
    raise VerificationMethodNotFound(f"{_short(vm_id)} is not in the document at {_short(base or vm_id)}")


def same_key(first: PublicKey, second: PublicKey) -> bool:
    """Whether two keys, whatever form they were read from, are the same public key."""
    spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return first.kind == second.kind and first.key.public_bytes(*spki) == second.key.public_bytes(*spki)


def _key_of(method: Mapping[str, Any], vm_id: str) -> PublicKey:
    """The key material of a verification method: ``publicKeyMultibase``, ``publicKeyJwk`` or, for the
    ``Ed25519VerificationKey2018`` methods of Ed25519Signature2018 issuers, ``publicKeyBase58`` (never two, unless
    they are the same key: two verifiers must not be able to pick different keys from one method)."""
    multibase, jwk, base58 = method.get("publicKeyMultibase"), method.get("publicKeyJwk"), method.get("publicKeyBase58")
    try:
        keys = [decode_multikey(multibase)] if isinstance(multibase, str) else []
        if isinstance(jwk, Mapping):
            keys.append(public_key_from_jwk(jwk))
        if isinstance(base58, str):
            keys.append(_ed25519_2018_key(method, base58))
    except (InvalidKey, UnsupportedKey) as exc:
        raise DidResolutionError(f"the key of {_short(vm_id)} is unusable: {exc}") from exc
    if not keys:
        raise DidResolutionError(f"{_short(vm_id)} has no publicKeyMultibase or publicKeyJwk")
    if any(not same_key(keys[0], other) for other in keys[1:]):
        raise DidResolutionError(f"{_short(vm_id)} gives two different keys")
    return keys[0]


def listed_methods(
    document: Mapping[str, Any], relationship: str, *, lenient: bool
) -> list[tuple[dict[str, Any], PublicKey]]:
    """Every verification method ``document`` lists for ``relationship`` (embedded, or referenced and defined in
    ``verificationMethod[]``), with its key; ids made absolute. With ``lenient`` (an http(s) controller document),
    a document without ``relationship`` lists its ``verificationMethod[]``. Methods whose key is unusable are left
    out: they cannot have made any signature."""
    base = own_id if isinstance(own_id := document.get("id"), str) else ""
    defined = {
        method_id: method
        for method in as_list(document.get("verificationMethod"))
        if isinstance(method, Mapping) and (method_id := _entry_id(method, base)) is not None
    }
    name = relationship if relationship in document or not lenient else "verificationMethod"
    found: list[tuple[dict[str, Any], PublicKey]] = []
    for entry in as_list(document.get(name)):
        entry_id = _entry_id(entry, base)
        method = entry if isinstance(entry, Mapping) else defined.get(entry_id or "")
        if entry_id is None or method is None:
            continue
        try:
            found.append(({**method, "id": entry_id}, _key_of(method, entry_id)))
        except DidResolutionError:
            continue
    return found


def _ed25519_2018_key(method: Mapping[str, Any], base58: str) -> PublicKey:
    """``publicKeyBase58`` holds the raw key bytes, so only the method's type says which kind of key it is."""
    if method.get("type") != "Ed25519VerificationKey2018":
        raise UnsupportedKey(f"publicKeyBase58 is only read for Ed25519VerificationKey2018, not {method.get('type')!r}")
    raw = base58btc_decode(base58)
    if len(raw) != 32:
        raise InvalidKey(f"an Ed25519 key has 32 bytes, this publicKeyBase58 {len(raw)}")
    return decode_multikey("z" + base58btc_encode(b"\xed\x01" + raw))


# --- verificationMethod -> key ----------------------------------------------------------------------------------


async def _resolve_did_method(vm_id: str, fetcher: DocumentFetcher, relationship: str) -> ResolvedKey:
    did, has_fragment, fragment = vm_id.partition("#")
    method, msid = _parse_did(did)
    source: KeySource
    if method == "key":
        if has_fragment and fragment != msid:
            raise DidResolutionError(f"{_short(vm_id)}: a did:key fragment must repeat the key itself")
        document, target, source = did_key_document(did), f"{did}#{msid}", "did:key"
    elif method == "jwk":
        if has_fragment and fragment != "0":
            raise DidResolutionError(f"{_short(vm_id)}: the only did:jwk verification method is #0")
        document, target, source = did_jwk_document(did), f"{did}#0", "did:jwk"
    elif method == "web":
        if has_fragment and not fragment:
            raise DidResolutionError(f"{_short(vm_id)} has an empty fragment")
        document, source = await resolve_did(did, fetcher), "did:web"
        target = vm_id if has_fragment else _only_method(document, did, relationship)
    else:
        raise _unsupported(method)
    found = find_verification_method(document, target, relationship=relationship)
    return ResolvedKey(_key_of(found, target), did, target, source)


def _only_method(document: Mapping[str, Any], did: str, relationship: str) -> str:
    """A bare did:web as verification method names its only ``relationship`` method, like a bare did:key does."""
    ids = {entry_id for entry in as_list(document.get(relationship)) if (entry_id := _entry_id(entry, did))}
    if len(ids) != 1:
        raise DidResolutionError(
            f"{_short(did)} has {len(ids)} {relationship} methods; the verification method must name one with '#'"
        )
    return ids.pop()


def _split_url(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise DidResolutionError(f"{_short(url)} is not a valid URL") from exc


async def _resolve_url_method(
    vm_id: str, fetcher: DocumentFetcher, relationship: str, trust_fragment: bool
) -> ResolvedKey:
    url, _, fragment = vm_id.partition("#")
    parts = _split_url(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        scheme = f"{parts.scheme}: identifiers" if parts.scheme else "relative references"
        raise DidResolutionError(
            f"cannot resolve verification method {_short(vm_id)}: {scheme} are not supported "
            f"(supported: {SUPPORTED_METHODS} and http(s) URLs)"
        )
    if trust_fragment and fragment:
        try:
            return ResolvedKey(decode_multikey(fragment), url, vm_id, "fragment")
        except (InvalidKey, UnsupportedKey):
            pass  # not a key: dereference the URL like any other
    document = await _fetch_json(url, fetcher, "the verification method's document")
    if not isinstance(document, dict):
        raise DidResolutionError(f"the document at {url} is not a JSON object")
    if "publicKeyMultibase" in document or "publicKeyJwk" in document:
        return await _key_document(document, vm_id, fetcher, relationship)
    if "id" in document and document["id"] != url:
        raise DidResolutionError(f"the document at {url} has the id {_short(str(document['id']))}, not {url}")
    found = _profile_method(document, vm_id, relationship)
    return ResolvedKey(_key_of(found, vm_id), url, vm_id, "controller-document")


async def _key_document(
    document: Mapping[str, Any], vm_id: str, fetcher: DocumentFetcher, relationship: str
) -> ResolvedKey:
    """A standalone key (``{id, controller, publicKeyMultibase}``). It names its own controller, so the controller
    must confirm it: otherwise any server could publish a key 'controlled' by someone else's issuer id."""
    if "id" in document and document["id"] != vm_id:
        raise DidResolutionError(f"the key document at {_short(vm_id)} has the id {_short(str(document['id']))}")
    key = _key_of(document, vm_id)
    controller = document.get("controller")
    if not isinstance(controller, str) or not controller:
        raise DidResolutionError(f"the key document {_short(vm_id)} names no controller")
    is_did = controller.startswith("did:")
    if is_did:
        controller_document: Any = await resolve_did(controller, fetcher)
    else:
        if _split_url(controller).scheme not in ("http", "https"):
            raise DidResolutionError(f"the controller {_short(controller)} of {_short(vm_id)} cannot be resolved")
        controller_document = await _fetch_json(controller, fetcher, f"the controller document of {_short(vm_id)}")
        if not isinstance(controller_document, dict):
            raise DidResolutionError(f"the controller document at {_short(controller)} is not a JSON object")
        if controller_document.get("id", controller) != controller:
            raise DidResolutionError(f"the document at {_short(controller)} is not the controller document it names")
    if not _references(controller_document, vm_id, relationship, lenient=not is_did):
        raise VerificationMethodNotFound(
            f"the controller {_short(controller)} does not list the key {_short(vm_id)} in its {relationship}"
        )
    return ResolvedKey(key, controller, vm_id, "key-document")


async def resolve_verification_method(
    vm_id: str,
    fetcher: DocumentFetcher,
    *,
    relationship: str = "assertionMethod",
    trust_fragment: bool = True,
) -> ResolvedKey:
    """The public key of a proof's ``verificationMethod`` and the controller vouching for it (OB-VERIFICATION 3.8).

    ``trust_fragment=False`` is the strict mode: an ``https://issuer#z6Mk...`` method is then dereferenced like any
    other URL instead of taking the key from its fragment. DIDs never take a key from a fragment.
    """
    if not isinstance(vm_id, str) or not vm_id:
        raise DidResolutionError("the proof's verificationMethod is missing or not a string")
    if len(vm_id) > _MAX_ID_CHARS:
        raise DidResolutionError(f"the verification method id is too long ({len(vm_id)} characters)")
    if vm_id.startswith("did:"):
        return await _resolve_did_method(vm_id, fetcher, relationship)
    return await _resolve_url_method(vm_id, fetcher, relationship, trust_fragment)
