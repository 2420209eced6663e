"""JSON-LD with the bundled contexts only: a document loader that never touches the network."""

from __future__ import annotations

import contextvars
import copy
import functools
import json
import re
import threading
from importlib import resources
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

from ._errors import JSONTooDeep
from ._json import MAX_JSON_DEPTH, nested_deeper_than
from ._pyld_patches import register_bundled

__all__ = [
    "MAX_EXPANSION_DEPTH",
    "Rdfc10",
    "UnknownContext",
    "bundled_context_urls",
    "canonicalize",
    "expand",
    "expand_safely",
    "load_document",
    "safe_mode_problems",
]

# Relative IRIs are resolved against this base, which cannot occur in a real document, so that they can be found.
_RELATIVE_BASE = "https://relative-iri.invalid/"


class UnknownContext(Exception):
    """A context URL that is not bundled: the document cannot be interpreted offline."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"the JSON-LD context {url} is not one the backpack knows (contexts are not fetched unless allowed)"
        )
        self.url = url


@functools.cache
def _index() -> dict[str, str]:
    folder = resources.files("verifier") / "contexts"
    index = json.loads((folder / "INDEX.json").read_text("utf-8"))
    files: dict[str, str] = {}
    for url, entry in index["contexts"].items():
        files[url] = entry["file"]
        for alias in entry.get("aliases", []):
            files[alias] = entry["file"]
    return files


_documents: dict[str, Any] = {}
_documents_lock = threading.Lock()


def _document(file_name: str) -> Any:
    """The parsed bundled document, one object per file for the life of the process: PyLD's patched caches
    (``_pyld_patches``) know bundled objects by identity, so a second copy parsed by a racing thread, used once and
    freed, would leave its ids to be taken by other objects."""
    document = _documents.get(file_name)
    if document is None:
        with _documents_lock:
            document = _documents.get(file_name)
            if document is None:
                document = json.loads((resources.files("verifier") / "contexts" / file_name).read_text("utf-8"))
                register_bundled(document)
                _documents[file_name] = document
    return document


def bundled_context_urls() -> frozenset[str]:
    return frozenset(_index())


def _normalize(url: str) -> str:
    return url.split("#", 1)[0]


# Contexts the user chose to fetch (``fetch_unknown_contexts``), for the verification running in this task only.
fetched_contexts: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "fetched_contexts", default=None
)


def load_document(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD document loader serving the bundled contexts; anything else raises ``UnknownContext``."""
    file_name = _index().get(_normalize(url))
    if file_name is None:
        extra = fetched_contexts.get()
        if extra is not None and _normalize(url) in extra:
            # No "tag": PyLD must not keep a fetched context for other verifications, which did not opt in.
            return {"contextUrl": None, "documentUrl": url, "document": extra[_normalize(url)]}
        raise UnknownContext(url)
    # "tag" lets PyLD keep the processed context across operations: bundled contexts never change.
    return {"contextUrl": None, "documentUrl": url, "document": _document(file_name), "tag": "static"}


# PyLD recurses several calls per level of a document (expansion, then a deep copy of the expanded form when
# canonicalizing), so a document must be far shallower than Python's stack: documents from outside are parsed with
# MAX_JSON_DEPTH; the verifier's own compositions of them (a proof configuration, an upgraded OB 1.0 assertion) add a
# few levels, hence the headroom. 128 levels cost ~600 frames at most; ~250 levels of objects overflowed the stack.
MAX_EXPANSION_DEPTH = MAX_JSON_DEPTH + 28


def _refuse_deep(document: Any) -> None:
    if nested_deeper_than(document, MAX_EXPANSION_DEPTH):
        raise JSONTooDeep(MAX_EXPANSION_DEPTH, "the JSON-LD document")


def _unwrap(exc: BaseException) -> BaseException:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, UnknownContext):
            return cause
        cause = getattr(cause, "cause", None) or cause.__cause__
    return exc


# Errors PyLD raises on some malformed input instead of its own JsonLdError (found by fuzzing: a context IRI it
# cannot resolve raises ValueError from its IRI resolver). They mean the same: not valid JSON-LD.
_PYLD_SLIPS = (ValueError, TypeError, KeyError, AttributeError, IndexError)


def _not_json_ld(exc: BaseException) -> jsonld.JsonLdError:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return jsonld.JsonLdError(f"not valid JSON-LD: {detail}", "jsonld.SyntaxError")


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Expand ``document`` with the bundled contexts. Raises ``UnknownContext``, ``JSONTooDeep`` or
    ``jsonld.JsonLdError``."""
    _refuse_deep(document)
    try:
        expanded: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": load_document})
        return expanded
    except _PYLD_SLIPS as exc:
        raise _not_json_ld(exc) from exc
    except jsonld.JsonLdError as exc:
        cause = _unwrap(exc)
        if cause is exc:
            raise
        raise cause from exc


# An IRI that RDF serialization keeps: a scheme, a colon, and no whitespace (what jsonld.js and PyLD test before
# emitting a triple). Anything else is silently dropped from the canonical form, so a signature would not cover it.
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*:[^\s<>\"{}|\\^`]*$")


def _unusable_iri(iri: str) -> str | None:
    """How an expanded IRI would fall out of the canonical form: relative, or not an IRI at all; None when fine."""
    if iri.startswith("_:"):
        return None
    if iri.startswith(_RELATIVE_BASE):
        return "relative IRI"
    if not _ABSOLUTE_IRI.match(iri):
        return "malformed IRI"
    return None


def _problem(iri: str, what: str) -> str | None:
    why = _unusable_iri(iri)
    if why is None:
        return None
    shown = repr(iri.removeprefix(_RELATIVE_BASE))
    if why == "relative IRI" and what != "the id":
        return f"{shown} is not defined by any context (relative IRI)"
    return f"{what} {shown} is a {why}: it would be left out of what the signature covers"


def _unusable_iris(node: Any, found: list[str]) -> None:
    """Every property, type and ``@id`` of the expansion that canonicalization would drop, described."""
    if isinstance(node, list):
        for item in node:
            _unusable_iris(item, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if not key.startswith("@") and (problem := _problem(key, "the property")):
            found.append(problem)
        if key == "@id" and isinstance(value, str) and (problem := _problem(value, "the id")):
            found.append(problem)
        elif key == "@type":
            for kind in value if isinstance(value, list) else [value]:
                if isinstance(kind, str) and kind != "@json" and (problem := _problem(kind, "the type")):
                    found.append(problem)
        elif key != "@value":
            _unusable_iris(value, found)


def expand_safely(document: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Expand ``document`` and say what JSON-LD "safe mode" would refuse: terms the contexts do not define (which
    expansion drops silently, so a signature would not cover them) and relative IRIs (types, ids, properties).
    An empty problem list means the document means exactly what it says, and the expansion can be reused.

    PyLD has no safe mode, so it is done here: expansion reports every dropped property; relative IRIs are resolved
    against a base that cannot occur in a real document; and every id, type and property of the expansion must be an
    absolute IRI, since RDF serialization silently drops any other (an ``id`` of ``"https ://…"`` would otherwise be
    changeable after signing). Raises ``UnknownContext`` or ``JSONTooDeep``.
    """
    _refuse_deep(document)
    dropped: list[str] = []
    try:
        expanded = jsonld.JsonLdProcessor(on_property_dropped=lambda term: dropped.append(str(term))).expand(
            document, {"documentLoader": load_document, "base": _RELATIVE_BASE}
        )
    except _PYLD_SLIPS as exc:
        return [], [f"not valid JSON-LD: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"]
    except jsonld.JsonLdError as exc:
        cause = _unwrap(exc)
        if cause is exc:
            return [], [f"not valid JSON-LD: {str(exc).splitlines()[0]}"]
        raise cause from exc
    unusable: list[str] = []
    _unusable_iris(expanded, unusable)
    problems = [f"the term {term!r} is not defined by any context" for term in dict.fromkeys(dropped)]
    problems += list(dict.fromkeys(unusable))
    return expanded, problems


def safe_mode_problems(document: dict[str, Any]) -> list[str]:
    return expand_safely(document)[1]


class Rdfc10(URDNA2015):  # type: ignore[misc]  # PyLD is untyped
    """PyLD's RDFC-1.0 (URDNA2015), with the blank node of a quad relabelled for the first-degree hash (``_:a`` for
    the node being hashed, ``_:z`` for another) by a shallow copy instead of ``copy.deepcopy``: a component is a flat
    dict of strings, so both give the same dict; the deep copies were a quarter of the algorithm's time."""

    def modify_first_degree_component(self, id_: str, component: dict[str, Any], key: str) -> dict[str, Any]:
        if component["type"] != "blank node":
            return component
        return {**component, "value": "_:a" if component["value"] == id_ else "_:z"}


class _AlreadyExpanded(jsonld.JsonLdProcessor):  # type: ignore[misc]  # PyLD is untyped
    """PyLD's own ``to_rdf`` over a document PyLD has already expanded: its first step, expansion, is skipped.

    Expanding an expanded document gives it back unchanged (JSON-LD 1.1 API, expansion is idempotent), and the
    expansions given here have passed safe mode (no relative IRI, nothing dropped), so the result is the same as
    ``to_rdf`` of the compact document: re-expanding only cost as much as the first expansion (~0.6 ms of a
    credential). The copy is needed because PyLD relabels blank nodes in place while building its node map, and the
    caller's expansion is reused (each proof of a set, the safe-mode result)."""

    def expand(self, input_: Any, options: dict[str, Any]) -> Any:
        return copy.deepcopy(input_)


def canonicalize(
    document: dict[str, Any] | list[dict[str, Any]],
    *,
    expanded: bool = False,
    algorithm: type[URDNA2015] = Rdfc10,
) -> str:
    """RDF Dataset Canonicalization (URDNA2015 = RDFC-1.0 here) to N-Quads, with the bundled contexts only.
    ``expanded``: ``document`` is PyLD's expansion of a document that passed safe mode (``expand_safely``), used as it
    is. ``algorithm``: RDFC-1.0 with another hash (a subclass of ``Rdfc10``). Raises ``UnknownContext``,
    ``JSONTooDeep`` or ``jsonld.JsonLdError``."""
    _refuse_deep(document)
    processor = _AlreadyExpanded() if expanded else jsonld.JsonLdProcessor()
    try:
        # The dataset itself, not N-Quads: canonicalization takes the dataset, so nothing is serialized and re-parsed.
        dataset = processor.to_rdf(
            document,
            {
                "documentLoader": load_document,
                "base": "",
                "produceGeneralizedRdf": False,
                # Text direction (@direction) as jsonld.js and the eddsa-rdfc-2022 cryptosuite serialize it.
                "rdfDirection": "i18n-datatype",
            },
        )
        nquads: str = algorithm().main(dataset, {"format": "application/n-quads"})
        return nquads
    except _PYLD_SLIPS as exc:
        raise _not_json_ld(exc) from exc
    except jsonld.JsonLdError as exc:
        cause = _unwrap(exc)
        if cause is exc:
            raise
        raise cause from exc
