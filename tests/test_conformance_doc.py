"""docs/conformance.md names, for each rule, the test that proves it: every test it names exists, and no row waits
for a test from another branch."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "conformance.md"


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_test_the_conformance_table_names_exists() -> None:
    named = 0
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| "):
            continue
        current: Path | None = None
        for match in re.finditer(r"`((?:tests/[\w/]+/)?(test_\w+\.py))?(::(test_\w+))?`", line):
            path_text, file_name, _, test = match.groups()
            if file_name:
                folder = ROOT if path_text.startswith("tests/") else ROOT / "tests" / "verifier"
                current = folder / (path_text if path_text.startswith("tests/") else file_name)
                assert current.is_file(), f"{path_text}: no such test file"
            if test:
                assert current is not None, f"{test}: which file?"
                assert test in _tests_in(current), f"{current.relative_to(ROOT)}::{test} does not exist"
                named += 1
    assert named >= 80


def test_no_rule_is_marked_as_landing() -> None:
    # A row waiting for another branch's test would be exempt from the check above; every rule names a real test or
    # says "no test yet".
    assert "(landing)" not in DOC.read_text(encoding="utf-8")
