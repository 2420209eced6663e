"""The PyLD internals the verifier patches exist in the installed PyLD, and the patches are in place."""

from __future__ import annotations

from importlib import metadata

from pyld import context_resolver
from pyld import nquads as pyld_nquads

import verifier  # noqa: F401 - importing the verifier applies the patches
from verifier import _pyld_patches
from verifier._jsonld import canonicalize


def test_the_installed_pyld_is_the_major_version_the_patches_were_written_for() -> None:
    assert int(metadata.version("PyLD").split(".")[0]) == _pyld_patches.SUPPORTED_PYLD_MAJOR


def test_both_patched_functions_are_replaced_by_the_verifiers() -> None:
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
