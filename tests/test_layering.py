"""Layering: the verifier is a library with no storage and no UI; the wallet core has no UI either."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERIFIER_FORBIDDEN = {"wallet", "textual", "flask"}
WALLET_CORE_FORBIDDEN = {"textual", "flask"}


def imported_top_level_names(path: Path) -> set[str]:
    """Top-level package names of every absolute import in a module (at any depth: functions, try blocks…)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.split(".")[0])
    return names


def _modules(package: str, *, exclude: tuple[str, ...] = ()) -> list[Path]:
    base = ROOT / package
    return sorted(
        p for p in base.rglob("*.py") if not any(p.relative_to(ROOT).as_posix().startswith(e) for e in exclude)
    )


def test_the_helper_sees_every_kind_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os.path\nfrom flask import Flask\nfrom . import sibling\n"
        "def later():\n    import textual.app\n    importlib.import_module('wallet.store')\n"
    )
    assert imported_top_level_names(sample) == {"os", "flask", "textual", "wallet"}


def test_verifier_modules_import_no_wallet_and_no_ui() -> None:
    modules = _modules("verifier")
    assert ROOT / "verifier" / "__init__.py" in modules and len(modules) > 5
    offenders = {
        str(p.relative_to(ROOT)): sorted(imported_top_level_names(p) & VERIFIER_FORBIDDEN)
        for p in modules
        if imported_top_level_names(p) & VERIFIER_FORBIDDEN
    }
    assert offenders == {}


def test_wallet_core_modules_import_no_ui() -> None:
    modules = _modules("wallet", exclude=("wallet/cli/", "wallet/tui/"))
    assert ROOT / "wallet" / "store.py" in modules and ROOT / "wallet" / "cli" / "__init__.py" not in modules
    offenders = {
        str(p.relative_to(ROOT)): sorted(imported_top_level_names(p) & WALLET_CORE_FORBIDDEN)
        for p in modules
        if imported_top_level_names(p) & WALLET_CORE_FORBIDDEN
    }
    assert offenders == {}


def _loaded_after(statement: str, watched: set[str]) -> set[str]:
    code = (
        "import json, sys\n"
        f"{statement}\n"
        f"print(json.dumps(sorted(n for n in sys.modules if n.split('.')[0] in {sorted(watched)!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


@pytest.mark.parametrize(
    ("statement", "must_load", "must_not_load"),
    [
        ("import verifier", "verifier", {"wallet", "textual", "flask"}),
        ("import wallet.store, wallet.importer", "wallet", {"textual", "flask"}),
    ],
)
def test_importing_the_libraries_pulls_in_no_ui(statement: str, must_load: str, must_not_load: set[str]) -> None:
    loaded = _loaded_after(statement, must_not_load | {must_load})
    assert must_load in {name.split(".")[0] for name in loaded}  # the probe does see what it looks for
    assert {name.split(".")[0] for name in loaded} & must_not_load == set()


def test_the_verifier_facade_exports_exactly_its_public_names() -> None:
    import verifier

    public = sorted(name for name in dir(verifier) if not name.startswith("_") and not _is_module(verifier, name))
    assert verifier.__all__ == sorted(verifier.__all__, key=lambda n: (not n.isupper(), n))  # kept in order
    assert sorted(verifier.__all__) == public
    assert set(verifier.__all__) == {
        *("verify", "verify_many", "verify_async", "verify_many_async", "Source", "VerifierPolicy", "FetchPolicy"),
        *("Report", "CheckResult", "BadgeDisplay", "CHECK_IDS"),
        *("extract", "bake", "Extraction", "Payload", "classify_payload", "summarize", "BadgeSummary", "Limits"),
        *("VerifierError", "ExtractionError", "InputTooLarge", "MalformedInput", "UnsafeInput", "NoBadgeFound"),
        *("FetchError", "BlockedAddress"),
        *("IssuerRegistry", "parse_registry"),
    }


def _is_module(package: object, name: str) -> bool:
    import __future__

    import types

    # Sub-modules appear as attributes once imported; ``annotations`` is the ``from __future__`` feature.
    return isinstance(getattr(package, name), types.ModuleType | __future__._Feature)


@pytest.mark.parametrize("module", ["verifier.extraction", "verifier.http", "verifier.portfolio", "verifier.signing"])
def test_each_public_verifier_module_exports_what_it_names(module: str) -> None:
    import importlib

    loaded = importlib.import_module(module)
    assert loaded.__all__, module
    for name in loaded.__all__:
        assert hasattr(loaded, name), f"{module}.{name}"


def _private_verifier_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found += [n for n in names if n.startswith("verifier.") and any(p.startswith("_") for p in n.split(".")[1:])]
    return found


def test_the_helper_finds_private_verifier_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from verifier import verify\nfrom verifier._fetch import Fetcher\nimport verifier._ob3.verify\n"
        "def later():\n    from verifier import _jsonld\n"
    )
    assert _private_verifier_imports(sample) == [
        "verifier._fetch",
        "verifier._fetch.Fetcher",
        "verifier._ob3.verify",
        "verifier._jsonld",
    ]


def test_no_module_outside_the_verifier_imports_a_private_verifier_module() -> None:
    modules = _modules("wallet") + _modules("webview")
    assert ROOT / "webview" / "__init__.py" in modules
    offenders = {
        str(p.relative_to(ROOT)): _private_verifier_imports(p) for p in modules if _private_verifier_imports(p)
    }
    assert offenders == {}


def test_the_verifier_library_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier import FetchPolicy, VerifierPolicy

    monkeypatch.setenv("BACKPACK_ALLOW_PRIVATE_NETWORK", "1")
    assert FetchPolicy().allow_private_network is False
    assert VerifierPolicy().fetch.allow_private_network is False
    sources = "\n".join(p.read_text(encoding="utf-8") for p in _modules("verifier"))
    assert "os.environ" not in sources and "getenv" not in sources


def test_tinydb_is_imported_by_the_store_module_only() -> None:
    """The store seam: every other module reads and writes through ``wallet.storage``'s protocols, so the storage
    engine can change in one place."""
    modules = _modules("verifier") + _modules("wallet") + _modules("webview")
    importers = sorted(str(p.relative_to(ROOT)) for p in modules if "tinydb" in imported_top_level_names(p))
    assert importers == ["wallet/store.py"]
