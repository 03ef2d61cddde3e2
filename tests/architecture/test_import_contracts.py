"""One-way imports: the import-linter contracts of pyproject.toml ([tool.importlinter]) hold, so the default
test run enforces them as CI's `lint-imports` does; and no module imports a private (`_`-prefixed) module
or name of another top-level package."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
#: the code whose imports are rules (the tests are white-box: they may reach internals)
CODE = ("harness", "mock_portal", "reference_portal", "suites", "loadtests", "benchmarks")


def test_import_contracts_are_kept() -> None:
    # no_cache: nothing written into the checkout; import-linter reads the contracts from pyproject.toml
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_the_contracts_cover_the_rules_the_architecture_states() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    ids = {contract["id"] for contract in config["contracts"]}
    assert {"harness-launcher", "mock-portal-layers", "mock-portal-acyclic", "harness-core"} <= ids
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = sorted(i for i in ids if f"`{i}`" not in architecture)
    assert not missing, f"contracts docs/ARCHITECTURE.md does not describe: {missing}"


def _imports(path: Path) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """(line, module, names imported from it) of every import in a file, function-level ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, tuple(alias.name for alias in node.names)


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def test_no_private_module_is_imported_across_packages() -> None:
    found = []
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            for line, module, names in _imports(path):
                package, *rest = module.split(".")
                if package == top or package not in CODE:
                    continue
                private = [part for part in rest if _private(part)] + [name for name in names if _private(name)]
                if private:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {module} ({', '.join(private)})")
    assert not found, "private modules or names of another package imported:\n" + "\n".join(found)
