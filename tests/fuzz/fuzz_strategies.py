"""Hypothesis strategies for hostile input: raw bytes and text, JSON values of any shape, and mutations of valid
documents (a credential, a presentation, a DID document…) so that inputs get past the first checks and reach the
code behind them."""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import strategies as st

from verifier import VerifierError
from wallet.errors import WalletError

__all__ = [
    "OWN_ERRORS",
    "b64url",
    "examples",
    "hostile_text",
    "json_values",
    "mutated",
    "own_outcome",
    "token_from",
]

T = TypeVar("T")

_EXAMPLES = os.environ.get("BACKPACK_FUZZ_EXAMPLES", "").strip()


def examples(default: int) -> int:
    """Inputs for one target: its default (a few seconds' worth), or ``BACKPACK_FUZZ_EXAMPLES`` for a longer run."""
    return int(_EXAMPLES) if _EXAMPLES else default


OWN_ERRORS: tuple[type[BaseException], ...] = (VerifierError, WalletError)
"""The project's own errors: what a public entry point may raise for input it cannot read."""


def own_outcome(call: Callable[[], T], *allowed: type[BaseException]) -> T | None:
    """The result of ``call``, or None when it raised one of the project's own errors (or one of ``allowed``, the
    documented errors of a private parser). Anything else propagates and fails the target."""
    try:
        return call()
    except (*OWN_ERRORS, *allowed):
        return None


# Strings that tend to break readers: empty, whitespace, separators, prefixes that switch a parser's path, numbers
# as text, very long ones, non-ASCII, control characters and lone surrogates (valid in a Python str, not in UTF-8).
_SPECIAL = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",
        "\udfff",
        "\ufeff{",
        "did:",
        "did:key:",
        "did:web:",
        "did:jwk:",
        "did:web:%2e%2e",
        "did:key:z6Mk",
        "urn:uuid:",
        "http://",
        "https://",
        "https://127.0.0.1/",
        "data:,",
        "#",
        "@context",
        "@id",
        "@type",
        "@json",
        "@list",
        "@graph",
        "@vocab",
        "@reverse",
        "@included",
        "@nest",
        "@protected",
        "_:b0",
        "u",
        "uH4sI",
        "H4sIAAAAAAAAA",
        "1e309",
        "-0",
        "NaN",
        "9" * 400,
        "A" * 5000,
        "é\u0301",
        "\u202e",
        "sha256$",
        "md5$",
        "eyJ",
        "..",
        "{",
        "[",
        '"',
        "\\",
    ]
)

hostile_text = st.one_of(
    _SPECIAL,
    st.text(max_size=40),
    st.text(st.characters(categories=["Cs", "Cc", "Lu", "Ll", "Nd", "Po", "Zs"]), max_size=20),
)
"""Text, lone surrogates included."""

_json_text = st.one_of(_SPECIAL.filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)), st.text(max_size=30))

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _json_text,
)

json_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(_json_text, _SPECIAL.filter(str.isascii)), inner, max_size=4),
    ),
    max_leaves=12,
)
"""JSON values of any shape (every string encodable as UTF-8, so a test can serialise them)."""


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = {"id": value} if depth % 2 else [value]
    return value


_replacements = st.one_of(
    json_values,
    st.builds(_nested, st.sampled_from([50, 99, 101, 150, 300])),
    st.just({"@context": "https://example.org/unknown-context"}),
    st.just({"@id": "relative"}),
    st.just({"@list": [{"@list": [1]}]}),
    st.just({"@value": {"@value": 1}}),
    st.just({"@type": "@json", "@value": {"a": [1]}}),
)


def _paths(document: Any) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) to a value of ``document``, the root included, without recursion."""
    found: list[tuple[Any, ...]] = [()]
    stack: list[tuple[tuple[Any, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in children:
            found.append((*path, key))
            stack.append(((*path, key), child))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


def _fresh(draw: st.DrawFn) -> Any:
    """A replacement of its own: ``st.just`` hands out one object, which a later mutation must not change."""
    return copy.deepcopy(draw(_replacements))


@st.composite
def mutated(draw: st.DrawFn, base: Any, *, max_mutations: int = 4) -> Any:
    """``base`` with a few values replaced, removed, wrapped or re-typed, at paths anywhere in it."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(document)
        path = draw(st.sampled_from(sorted(paths, key=repr)))
        if not path:
            if draw(st.integers(0, 9)) == 0:
                document = _fresh(draw)
            continue
        parent, key = _parent(document, path), path[-1]
        operation = draw(st.sampled_from(["replace", "remove", "wrap", "unwrap", "stringify", "add"]))
        if operation == "replace":
            parent[key] = _fresh(draw)
        elif operation == "remove":
            del parent[key]
        elif operation == "wrap":
            value = parent[key]
            parent[key] = draw(st.sampled_from(["list", "object", "pair"]))
            parent[key] = {"list": [value], "object": {"id": value}, "pair": [value, copy.deepcopy(value)]}[parent[key]]
        elif operation == "unwrap" and isinstance(parent[key], list | dict) and parent[key]:
            values = list(parent[key].values()) if isinstance(parent[key], dict) else parent[key]
            parent[key] = values[0]
        elif operation == "stringify":
            parent[key] = json.dumps(parent[key])
        elif operation == "add" and isinstance(parent[key], dict):
            parent[key][draw(_SPECIAL.filter(str.isascii))] = _fresh(draw)
    return document


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def token_from(header: Any, claims: Any, signature: bytes = b"signature") -> str:
    """A compact JWS of any header and claims (signature not computed)."""
    parts = (json.dumps(header).encode(), json.dumps(claims).encode(), signature)
    return ".".join(b64url(part) for part in parts)
