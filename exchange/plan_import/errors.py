"""What the importer tells the office when a file cannot be imported."""

from dataclasses import dataclass


class ImportRefused(Exception):
    """The whole file is refused (hostile, wrong format, too large, no header …).

    `message` is shown to the user as is; `errors` holds row-level problems when there are any.
    """

    def __init__(self, message: str, errors: list["RowError"] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: the sheet row number (as Excel shows it), the column header
    as written in the file, and the reason in Chinese."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "表头"
        column = f"“{self.column}”列" if self.column else ""
        return f"{where}{column}：{self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "text": str(self)}


class AlreadyImported(ImportRefused):
    """The same file (by sha256) was committed before: refused, not duplicated (HTTP 409)."""

    def __init__(self):
        super().__init__("该文件已经导入过，不能重复导入（如需补充，请修改文件后重新上传）")


@dataclass(frozen=True)
class UnknownUnitError(RowError):
    """A unit name the unit table does not know, with the units it may mean: the page offers
    "使用此单位" (a mapping for this file) and "创建别名" for each suggestion."""

    name: str = ""
    suggestions: tuple = ()  # suggestions.Suggestion

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "unit_name": self.name,
            "suggestions": [s.as_dict() for s in self.suggestions],
        }
