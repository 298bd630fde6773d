"""The apps depend one way (docs/adr/0004-app-layers.md), and every document the code cites is
in the repository (docs/README.md).

Imports are read from the source with `ast`, including imports inside functions, so a lazy
import cannot hide a dependency.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# app → the project apps it may import (besides itself)
ALLOWED = {
    "accounts": set(),
    "inspections": {"accounts"},
    "rectification": {"inspections", "accounts"},
    "exchange": {"rectification", "inspections", "accounts"},
    "devtools": {"exchange", "rectification", "inspections", "accounts", "config"},
}
PROJECT_PACKAGES = set(ALLOWED) | {"config", "tests"}


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imported_packages(path: Path) -> set[str]:
    """The top-level project packages a module imports, wherever the import statement is."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in PROJECT_PACKAGES:
                found.add(top)
    return found


def layering_violations(app: str) -> list[str]:
    allowed = ALLOWED[app] | {app}
    wrong = []
    for path in _modules(app):
        for package in sorted(imported_packages(path) - allowed):
            wrong.append(f"{path.relative_to(ROOT)} imports {package}")
    return wrong


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_app_imports_only_the_apps_below_it(app):
    assert layering_violations(app) == []


def test_product_code_never_imports_devtools_or_tests():
    for app in ("accounts", "inspections", "rectification", "exchange", "config"):
        for path in _modules(app):
            assert not imported_packages(path) & {"devtools", "tests"}, path


def test_the_checker_sees_a_lazy_import_against_the_arrows(tmp_path):
    # given a module that imports a higher app inside a function
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from rectification.models import Task\n    return Task\n")
    # then the checker reports it
    assert imported_packages(module) == {"rectification"}


def test_each_app_has_at_most_one_urls_module():
    for app in ALLOWED:
        urls = [p for p in (ROOT / app).rglob("*urls*.py")]
        assert len(urls) <= 1, urls


CITED_DOC = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.md)\b")
CITING_FILES = ("**/*.py", "**/*.html", "**/*.md", "Makefile", ".ci/run", "**/*.sh", "**/*.yml")
SKIP_PARTS = {".venv", ".git", "node_modules", "var", "static"}


def _citing_files():
    seen = set()
    for pattern in CITING_FILES:
        for path in ROOT.glob(pattern):
            rel = path.relative_to(ROOT)
            if path.is_file() and not SKIP_PARTS & set(rel.parts) and path not in seen:
                seen.add(path)
                yield path


def cited_but_missing(path: Path) -> list[str]:
    """The .md files that `path` cites and the repository lacks (resolved from the repository's
    root, from docs/ and from the citing file's folder)."""
    missing = []
    for name in CITED_DOC.findall(path.read_text(encoding="utf-8", errors="replace")):
        candidates = (ROOT / name, ROOT / "docs" / name, path.parent / name)
        if not any(c.is_file() for c in candidates):
            missing.append(name)
    return missing


def test_every_cited_document_is_in_the_repository():
    missing = {
        str(path.relative_to(ROOT)): names
        for path in _citing_files()
        if (names := cited_but_missing(path))
    }
    assert missing == {}


def test_nothing_points_outside_the_repository():
    outside = [
        str(path.relative_to(ROOT))
        for path in _citing_files()
        if "../shared" in path.read_text(encoding="utf-8", errors="replace")
        and path.name != "test_layering.py"
    ]
    assert outside == []


def test_the_citation_check_fails_on_a_missing_document(tmp_path):
    cited = tmp_path / "module.py"
    missing = "NOTES" + ".md"  # spelled in two parts so this file does not cite it itself
    cited.write_text(f'"""See docs/design.md §3 and {missing}."""\n')
    assert cited_but_missing(cited) == [missing]
