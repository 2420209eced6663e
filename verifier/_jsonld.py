"""JSON-LD with the bundled contexts only: a document loader that never touches the network."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from pyld import jsonld

__all__ = ["UnknownContext", "bundled_context_urls", "expand", "load_document"]


class UnknownContext(Exception):
    """A context URL that is not bundled: the document cannot be interpreted offline."""

    def __init__(self, url: str) -> None:
        super().__init__(f"the JSON-LD context {url} is not one the backpack knows (contexts are never fetched)")
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


@functools.cache
def _document(file_name: str) -> Any:
    return json.loads((resources.files("verifier") / "contexts" / file_name).read_text("utf-8"))


def bundled_context_urls() -> frozenset[str]:
    return frozenset(_index())


def _normalize(url: str) -> str:
    return url.split("#", 1)[0]


def load_document(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD document loader serving the bundled contexts; anything else raises ``UnknownContext``."""
    file_name = _index().get(_normalize(url))
    if file_name is None:
        raise UnknownContext(url)
    return {"contextUrl": None, "documentUrl": url, "document": _document(file_name)}


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Expand ``document`` with the bundled contexts. Raises ``UnknownContext`` or ``jsonld.JsonLdError``."""
    try:
        return jsonld.expand(document, {"documentLoader": load_document})  # type: ignore[no-any-return]
    except jsonld.JsonLdError as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, UnknownContext):
                raise cause from exc
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise
