"""docs/security.md cites tests by ``file::test``: every one it names exists, so the table stays true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")


def cited() -> list[tuple[str, str | None]]:
    """(file, test) pairs: ``tests/x.py::name`` and the ``::other`` that follow it in the same cell."""
    pairs: list[tuple[str, str | None]] = []
    for cell in DOC.split("|"):
        current: str | None = None
        for match in re.finditer(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", cell):
            path, name = match.group(1), match.group(2)
            if path:
                current = path
            if current and (path or name):
                pairs.append((current, name))
    return pairs


def test_the_doc_cites_tests() -> None:
    assert len(cited()) > 40


def test_every_cited_test_exists() -> None:
    missing = []
    for path, name in cited():
        source = ROOT / path
        if not source.exists():
            missing.append(path)
        elif name and not re.search(rf"^(async )?def {name}\(", source.read_text(encoding="utf-8"), re.MULTILINE):
            missing.append(f"{path}::{name}")
    assert missing == []
