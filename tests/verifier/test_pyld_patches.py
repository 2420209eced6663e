"""The PyLD internals the verifier patches exist in the installed PyLD, and the patches are in place."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from pyld import context_resolver
from pyld import nquads as pyld_nquads

import verifier  # noqa: F401 - importing the verifier applies the patches
from verifier import _pyld_patches
from verifier._jsonld import UnknownContext, canonicalize


def test_the_installed_pyld_is_the_major_version_the_patches_were_written_for() -> None:
    assert int(metadata.version("PyLD").split(".")[0]) == _pyld_patches.SUPPORTED_PYLD_MAJOR


def test_the_patched_functions_are_replaced_by_the_verifiers() -> None:
    assert context_resolver.canonicalize is _pyld_patches._canonicalize_scoped_context
    assert pyld_nquads.escape is _pyld_patches._escape_rdfc
    _pyld_patches.apply()  # idempotent
    assert pyld_nquads.escape is _pyld_patches._escape_rdfc


def test_canonical_nquads_escape_every_control_character_as_rdfc_1_0_requires() -> None:
    document = {
        "@context": {"name": "https://schema.org/name"},
        "@id": "urn:example:1",
        "name": "tab\there, vertical\x0btab, form\x0cfeed, delete\x7f",
    }
    nquads = canonicalize(document)
    assert '"tab\\there, vertical\\u000Btab, form\\ffeed, delete\\u007F"' in nquads


def test_pylds_caches_are_locked_and_survive_many_threads_canonicalizing_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from pyld import jsonld, resolved_context

    assert isinstance(jsonld._resolved_context_cache, _pyld_patches.LockedLRUCache)
    assert isinstance(jsonld._inverse_context_cache, _pyld_patches.LockedLRUCache)
    assert resolved_context.LRUCache is _pyld_patches.LockedLRUCache

    def document(index: int) -> dict[str, object]:
        # A fresh inline context each time: new cache entries, so the LRU caches keep evicting and reordering.
        return {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                {"extra": f"https://example.org/vocab/{index}#extra"},
            ],
            "id": f"urn:example:{index}",
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": "did:example:subject", "extra": index},
        }

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: canonicalize(document(i % 40)), range(400)))
    assert len(results) == 400 and all(f"urn:example:{i % 40}" in results[i] for i in range(400))


# -- processed scoped contexts, remembered per active context ---------------------------------------------------------

OB3_CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def _credential(extra_context: list[object], achievement_extra: object = None) -> dict[str, object]:
    achievement: dict[str, object] = {
        "id": "https://example.org/achievements/1",
        "type": ["Achievement"],
        "name": "Skill",
        "criteria": {"narrative": "Do it."},
    }
    if achievement_extra is not None:
        achievement["extra"] = achievement_extra
    return {
        "@context": [*OB3_CONTEXTS, *extra_context],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Issuer"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": achievement},
    }


def test_the_scoped_context_patch_is_in_place() -> None:
    from pyld import jsonld

    assert jsonld.JsonLdProcessor._process_context is _pyld_patches._process_context_once


def test_a_bundled_type_scoped_context_is_processed_once_per_active_context(monkeypatch: Any) -> None:
    from pyld import jsonld

    from verifier._jsonld import expand

    document = _credential([])
    first = expand(document)
    defined: list[str] = []
    original = jsonld.JsonLdProcessor._create_term_definition

    def counting(self: Any, active_ctx: Any, local_ctx: Any, term: str, *args: Any, **kwargs: Any) -> Any:
        defined.append(term)
        return original(self, active_ctx, local_ctx, term, *args, **kwargs)

    monkeypatch.setattr(jsonld.JsonLdProcessor, "_create_term_definition", counting)
    assert expand(document) == first
    assert defined == []  # Achievement, Profile, AchievementSubject…: every scoped context came from the cache


@pytest.mark.parametrize("order", ["plain first", "extended first"])
def test_a_remembered_scoped_context_never_serves_another_active_context(order: str) -> None:
    """The same bundled type-scoped context (Achievement's) over two active contexts: one where the document's own
    context defines ``extra``, one where it does not. Each expansion must see its own."""
    from verifier._jsonld import expand_safely

    plain = _credential([], achievement_extra="kept?")
    extended = _credential([{"extra": "https://example.org/vocab#extra"}], achievement_extra="kept?")
    documents = [plain, extended] if order == "plain first" else [extended, plain]
    results = {id(doc): expand_safely(doc) for doc in documents for _ in range(2)}
    plain_expanded, plain_problems = results[id(plain)]
    extended_expanded, extended_problems = results[id(extended)]
    assert plain_problems == ["the term 'extra' is not defined by any context"]
    assert extended_problems == []
    assert "https://example.org/vocab#extra" in json.dumps(extended_expanded)
    assert "https://example.org/vocab#extra" not in json.dumps(plain_expanded)


def test_only_bundled_contexts_that_load_nothing_are_remembered() -> None:
    from verifier._jsonld import _document, _index

    ob3 = _document(_index()[OB3_CONTEXTS[1]])
    scoped = ob3["@context"]["Achievement"]["@context"]
    assert id(scoped) in _pyld_patches._SELF_CONTAINED_IDS
    # An object that names a context by URL would need the document loader, which differs between verifications.
    # (Walked into sets of the test's own: the real ones hold only objects that live as long as the process.)
    naming = {
        "@context": {
            "term": {"@id": "https://example.org/t", "@context": "https://example.org/ctx"},
            "plain": {"@id": "https://example.org/p", "@context": {"inner": "https://example.org/i"}},
        }
    }
    ids: set[int] = set()
    self_contained: set[int] = set()
    assert _pyld_patches._register(naming, ids, self_contained) is False
    terms = naming["@context"]
    assert id(naming) not in self_contained and id(terms) not in self_contained
    assert id(terms["term"]) not in self_contained
    assert id(terms["plain"]) in self_contained and id(terms["plain"]["@context"]) in self_contained


def test_many_threads_expanding_with_scoped_contexts_agree_with_one_thread() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from verifier._jsonld import expand

    documents = [
        _credential([{"extra": f"https://example.org/vocab/{index % 7}#extra"}], achievement_extra=index)
        for index in range(60)
    ]
    expected = [expand(document) for document in documents]
    _pyld_patches._processed_contexts.clear()  # type: ignore[union-attr]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(expand, documents * 4))
    assert results == expected * 4


# -- canonicalizing the safe-mode expansion without expanding it again -----------------------------------------------

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "vectors" / "ob3"


def _unsecured_vectors() -> list[Any]:
    documents = []
    for path in sorted(VECTORS.glob("*.json")):
        document = json.loads(path.read_text("utf-8"))
        if isinstance(document, dict) and "@context" in document:
            documents.append(pytest.param({k: v for k, v in document.items() if k != "proof"}, id=path.stem))
    return documents


_SHAPES = {
    "list, json literal, language and direction": {
        "@context": {
            "@vocab": "https://example.org/vocab#",
            "steps": {"@container": "@list"},
            "data": {"@type": "@json"},
            "@language": "en",
        },
        "@id": "https://example.org/thing",
        "steps": ["one", {"@id": "https://example.org/step2"}, {"name": "blank step"}],
        "data": {"b": [1, 2.5, True, None], "a": "x"},
        "title": {"@value": "شارة", "@language": "ar", "@direction": "rtl"},
        "note": "line\nbreak\x0bvertical tab",
    },
    "blank nodes pointing at each other": {
        "@context": {"@vocab": "https://example.org/vocab#", "knows": {"@type": "@id"}},
        "@graph": [
            {"@id": "_:a", "name": "A", "knows": "_:b"},
            {"@id": "_:b", "name": "B", "knows": "_:a"},
            {"name": "C", "knows": "_:a"},
        ],
    },
    "a named graph": {
        "@context": {"@vocab": "https://example.org/vocab#", "claims": {"@container": "@graph"}},
        "@id": "https://example.org/holder",
        "claims": {"name": "inside a graph", "sub": {"name": "nested blank node"}},
    },
}


def _expansion_is_reused(document: Any) -> bool:
    """Whether verification canonicalizes this document from its safe-mode expansion (only then is the expansion
    reused; a document with problems, or with a context that is not bundled, is refused before)."""
    from verifier._jsonld import expand_safely

    values = document.values if hasattr(document, "values") else (document,)  # a pytest.param, or a bare document
    try:
        _expanded, problems = expand_safely(values[0])
    except UnknownContext:
        return False
    return not problems


_REUSED = [
    d for d in [*_unsecured_vectors(), *(pytest.param(d, id=k) for k, d in _SHAPES.items())] if _expansion_is_reused(d)
]


def test_the_documents_whose_expansion_is_reused_cover_the_vectors_and_every_shape() -> None:
    ids = {getattr(d, "id", None) for d in _REUSED}
    assert set(_SHAPES) <= ids
    assert len(_REUSED) > len(_SHAPES)  # public vectors too, not only the shapes written here


@pytest.mark.parametrize("document", _REUSED)
def test_the_canonical_form_of_the_expansion_is_that_of_the_document(document: dict[str, Any]) -> None:
    from pyld import jsonld

    from verifier._jsonld import expand_safely, load_document
    from verifier._ob3.suites.base import _Rdfc384

    expanded, problems = expand_safely(document)
    assert not problems
    before = json.dumps(expanded)
    pylds_own = jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": load_document,
            "rdfDirection": "i18n-datatype",
        },
    )
    assert canonicalize(document) == pylds_own  # Rdfc10 labels blank nodes as PyLD's URDNA2015 does
    assert canonicalize(expanded, expanded=True) == pylds_own
    assert canonicalize(expanded, expanded=True, algorithm=_Rdfc384) == canonicalize(document, algorithm=_Rdfc384)
    assert json.dumps(expanded) == before  # the caller's expansion is left as it was (other proofs reuse it)
