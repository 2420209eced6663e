"""The places where the backpack changes PyLD's behaviour, checked against the PyLD version they were written for.

PyLD is the JSON-LD processor; these patches replace some of its internals:

* ``pyld.context_resolver.canonicalize`` (speed): the canonical key of the bundled scoped contexts is remembered;
* ``JsonLdProcessor._process_context`` (speed): a bundled scoped context processed over a given active context is
  remembered (see ``_process_context_once``);
* ``pyld.nquads.escape`` (correctness): canonical N-Quads escape every control character as RDFC-1.0 requires;
* PyLD's context caches (thread safety): its module-level LRU caches (``cachetools``, not thread-safe) are replaced
  by locked ones, since a web server verifies in several threads at once (one in ~30 concurrent verifications failed
  with a ``KeyError`` from inside the cache).

All are internals of PyLD 3.x. ``apply()`` refuses to run on another major version or when one is gone, so that an
upgrade fails loudly at import rather than verifying differently; ``tests/verifier`` pins this too.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from importlib import metadata
from typing import Any

from cachetools import LRUCache
from frozendict import frozendict
from pyld import context_resolver, jsonld, resolved_context
from pyld import nquads as pyld_nquads

__all__ = ["SUPPORTED_PYLD_MAJOR", "LockedLRUCache", "PatchTargetMissing", "apply", "register_bundled"]

SUPPORTED_PYLD_MAJOR = 3


class PatchTargetMissing(RuntimeError):
    """The installed PyLD is not the one the patches were written for."""


# PyLD keys its cache of scoped (type- and property-scoped) contexts by their JCS canonical form, recomputed on every
# use: a third of a credential's verification. The scoped contexts of the bundled documents never change, so their
# canonical form is remembered. Only dicts whose every value is an object of a bundled document qualify: those
# objects live as long as the process (the documents are cached), so an id names one object forever, and input
# documents can never match.
_BUNDLED_OBJECT_IDS: set[int] = set()
_canonical_forms: dict[tuple[tuple[str, int], ...], bytes] = {}
_pyld_canonicalize: Callable[[Any], bytes] = context_resolver.canonicalize


# Bundled objects that name no context by URL anywhere inside (no string "@context" or "@import"): processing one as
# a context needs no document loader, so its result depends only on the active context and the options.
_SELF_CONTAINED_IDS: set[int] = set()


def register_bundled(node: Any) -> None:
    """Remember ``node`` (a bundled document, which must live as long as the process) and every object in it."""
    _register(node, _BUNDLED_OBJECT_IDS, _SELF_CONTAINED_IDS)


def _register(node: Any, ids: set[int], self_contained_ids: set[int]) -> bool:
    """Add ``node`` and what it holds to ``ids``, its objects that name no context by URL to ``self_contained_ids``;
    whether ``node`` names none."""
    ids.add(id(node))
    self_contained = True
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("@context", "@import") and _names_a_url(value):
                self_contained = False
            self_contained = _register(value, ids, self_contained_ids) and self_contained
        if self_contained:
            self_contained_ids.add(id(node))
    elif isinstance(node, list):
        for value in node:
            self_contained = _register(value, ids, self_contained_ids) and self_contained
    return self_contained


def _names_a_url(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and any(isinstance(item, str) for item in value))


def _canonicalize_scoped_context(context: Any) -> bytes:
    if type(context) is dict and all(id(value) in _BUNDLED_OBJECT_IDS for value in context.values()):
        key = tuple((name, id(value)) for name, value in context.items())
        form = _canonical_forms.get(key)
        if form is None:
            form = _canonical_forms[key] = _pyld_canonicalize(context)
        return form
    return _pyld_canonicalize(context)


# PyLD caches a processed context by the active context it was processed over (its "_uuid"), but a type-scoped
# context (``propagate=False``) is processed over a fresh clone of the active context, with a fresh uuid: every node
# typed Achievement, Profile, DataIntegrityProof... re-processed its type's context, ~140 term definitions and two
# thirds of an OB 3.0 credential's expansion. Here the result is remembered when it can only ever be the same:
# * the active context is frozen (PyLD freezes every context it finishes and never changes one after) and its uuid,
#   unique to that object, is the key, so an inline context of a document (another active context) never matches;
# * the local context is an object of a bundled document (by identity: those live as long as the process), one that
#   loads nothing (``_SELF_CONTAINED_IDS``), so neither the document loader nor a fetched context plays a part;
# * every other input that processing reads is in the key: the flags, the base IRI and the processing mode.
# Failures are not remembered (they are raised again), nor is anything that is not a finished, frozen context.
_PROCESSED_CONTEXTS_MAX = 256  # ~24 KB each (a copy of the term mappings); an OB 3.0 credential uses ~16
_processed_contexts: LRUCache[tuple[Any, ...], Any] | None = None
_pyld_process_context: Callable[..., Any] = jsonld.JsonLdProcessor._process_context


def _process_context_once(
    self: Any,
    active_ctx: Any,
    local_ctx: Any,
    options: dict[str, Any],
    override_protected: bool = False,
    propagate: bool = True,
    validate_scoped: bool = True,
    cycles: Any = None,
) -> Any:
    cache = _processed_contexts
    if cache is None or type(active_ctx) is not frozendict or id(local_ctx) not in _SELF_CONTAINED_IDS:
        return _pyld_process_context(
            self, active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
    key = (
        active_ctx.get("_uuid"),
        id(local_ctx),
        override_protected,
        propagate,
        validate_scoped,
        options.get("base"),
        options.get("processingMode"),
    )
    processed = cache.get(key) if key[0] is not None else None
    if processed is None:
        processed = _pyld_process_context(
            self, active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if key[0] is not None and type(processed) is frozendict:
            cache[key] = processed
    return processed


# RDFC-1.0 writes literals in canonical N-Quads: \b \t \n \f \r \" \\ as such, every other control character
# (U+0000-U+001F, U+007F) as \u00XX. PyLD 3.3 escapes only five of them, so a description holding a vertical tab
# or a form feed canonicalized differently here than in every other implementation, and honest signatures failed.
_ECHAR = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_NQUADS_ESCAPES = {code: _ECHAR.get(chr(code), f"\\u{code:04X}") for code in [*range(0x20), 0x22, 0x5C, 0x7F]}


def _escape_rdfc(value: str) -> str:
    return value.translate(_NQUADS_ESCAPES)


class LockedLRUCache(LRUCache):  # type: ignore[type-arg]
    """An LRU cache whose every access holds one lock: reading an LRU entry reorders it, which is a write."""

    def __init__(self, maxsize: int, getsizeof: Any = None) -> None:
        super().__init__(maxsize, getsizeof)
        self._lock = threading.RLock()

    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            super().__delitem__(key)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return super().__contains__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)

    def pop(self, key: Any, *default: Any) -> Any:
        with self._lock:
            return super().pop(key, *default)

    def popitem(self) -> tuple[Any, Any]:
        with self._lock:
            return super().popitem()


def _lock_caches() -> None:
    for name in ("_resolved_context_cache", "_inverse_context_cache"):
        cache = getattr(jsonld, name)
        if not isinstance(cache, LockedLRUCache):
            setattr(jsonld, name, LockedLRUCache(maxsize=cache.maxsize))
    resolved_context.LRUCache = LockedLRUCache  # each resolved context's own cache of processed contexts


def apply() -> None:
    """Install the patches (idempotent)."""
    global _processed_contexts
    version = metadata.version("PyLD")
    if int(version.split(".", 1)[0]) != SUPPORTED_PYLD_MAJOR:
        raise PatchTargetMissing(f"PyLD {version} is installed; the backpack needs PyLD {SUPPORTED_PYLD_MAJOR}.x")
    for module, name in ((context_resolver, "canonicalize"), (pyld_nquads, "escape")):
        if not callable(getattr(module, name, None)):
            raise PatchTargetMissing(f"PyLD {version} has no {module.__name__}.{name}: the patches cannot apply")
    for module, name in ((jsonld, "_resolved_context_cache"), (jsonld, "_inverse_context_cache")):
        if not isinstance(getattr(module, name, None), LRUCache):
            raise PatchTargetMissing(f"PyLD {version} has no LRU cache {module.__name__}.{name} to lock")
    if getattr(resolved_context, "LRUCache", None) is None:
        raise PatchTargetMissing(f"PyLD {version}'s resolved_context no longer uses an LRUCache")
    current = getattr(jsonld.JsonLdProcessor, "_process_context", None)
    if current is not _process_context_once and not _has_parameters(
        current,
        ("self", "active_ctx", "local_ctx", "options", "override_protected", "propagate", "validate_scoped", "cycles"),
    ):
        raise PatchTargetMissing(f"PyLD {version}'s JsonLdProcessor._process_context is not the one patched here")
    context_resolver.canonicalize = _canonicalize_scoped_context
    pyld_nquads.escape = _escape_rdfc
    _lock_caches()
    if _processed_contexts is None:
        _processed_contexts = LockedLRUCache(maxsize=_PROCESSED_CONTEXTS_MAX)
    jsonld.JsonLdProcessor._process_context = _process_context_once


def _has_parameters(function: Any, names: tuple[str, ...]) -> bool:
    try:
        return tuple(inspect.signature(function).parameters) == names
    except (TypeError, ValueError):
        return False


apply()
