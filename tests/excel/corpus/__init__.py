"""A corpus of realistic rectification plans, each a small openpyxl builder in the layout a
real office publishes (docs/domain.md §2), with the outcome it must give written beside it.

Run by tests/excel/test_corpus.py. Each module defines `build() -> bytes` and `PLAN`.
"""

import importlib
import pkgutil

from tests.excel.corpus.expect import CorpusPlan


def _load() -> list[CorpusPlan]:
    plans = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("p") and info.name[1:3].isdigit():
            plans.append(importlib.import_module(f"{__name__}.{info.name}").PLAN)
    return plans


ALL: list[CorpusPlan] = _load()
BY_KEY: dict[str, CorpusPlan] = {p.key: p for p in ALL}
