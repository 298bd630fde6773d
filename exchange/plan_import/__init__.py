"""Excel import of a rectification plan (整改方案 / 整改任务清单 / 台账).

Pipeline: `safety.check_file` (refuse hostile files before openpyxl sees them) →
`reader.read_workbook` (find the header by name, carry merged cells down) →
`validator.build_plan` (resolve units, parse deadlines, number the tree, collect every error)
→ `committer.commit_plan` (all or nothing, through the services). The blank template and the
ledger export use the same column spec (`columns.COLUMNS`).
"""

from exchange.plan_import.errors import ImportRefused, RowError

__all__ = ["ImportRefused", "RowError"]
