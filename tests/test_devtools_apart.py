"""devtools (demo, synthetic province, benchmark) sits beside the product: no product module
imports it, so the product runs and ships without it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("accounts", "inspections", "rectification", "config")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_product_module_imports_devtools():
    offending = {
        str(path.relative_to(ROOT)): sorted(
            n for n in _imports(path) if n.split(".")[0] == "devtools"
        )
        for app in PRODUCT
        for path in (ROOT / app).rglob("*.py")
    }
    offending = {k: v for k, v in offending.items() if v}
    assert offending == {}
    # and the check reads real code: the product's modules import each other
    assert "rectification.models" in _imports(ROOT / "rectification" / "services" / "base.py")


def test_the_demo_and_bench_live_in_devtools_only():
    assert not (ROOT / "rectification" / "demo").exists()
    assert not (ROOT / "rectification" / "bench").exists()
    commands = {p.stem for p in (ROOT / "devtools" / "management" / "commands").glob("*.py")}
    assert {"load_demo", "benchmark", "generate_province"} <= commands
    product_commands = {
        p.stem for p in (ROOT / "rectification" / "management" / "commands").glob("*.py")
    }
    assert not product_commands & {"load_demo", "benchmark", "generate_province"}
