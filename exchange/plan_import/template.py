"""The blank import template, generated from the same column spec as the importer."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from exchange.plan_import.columns import COLUMNS
from inspections.choices import ProblemSource
from rectification.choices import ScheduleStatus, TaskStatus, WarningLevel

REQUIRED = {"problem", "deadline", "lead"}
TEMPLATE_ROWS = 500


def template_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "整改任务清单"
    last = get_column_letter(len(COLUMNS))
    sheet.append(["督察整改任务清单（导入模板）"])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([c.header + ("*" if c.key in REQUIRED else "") for c in COLUMNS])
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width + 2
    sheet.freeze_panes = "A3"
    lists = {
        "status": [str(label) for label in TaskStatus.labels],
        "schedule": [str(label) for label in ScheduleStatus.labels],
        "warning": [str(label) for label in WarningLevel.labels],
        "source": [str(label) for label in ProblemSource.labels],
        "closed": ["是", "否"],
    }
    for index, column in enumerate(COLUMNS, start=1):
        if column.key in lists:
            letter = get_column_letter(index)
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(lists[column.key]) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="请从列表中选择",
                error=f"“{column.header}”请从下拉列表中选择",
            )
            validation.add(f"{letter}3:{letter}{TEMPLATE_ROWS + 2}")
            sheet.add_data_validation(validation)
    guide = workbook.create_sheet("填表说明")
    guide.append(["列名", "是否必填", "说明"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        guide.append([column.header, "必填" if column.key in REQUIRED else "", column.note])
    for text in (
        "",
        "1. 表头必须保留（列的顺序可以调整，标题行可以修改）；带 * 的列必须填写。",
        "2. 方面、类别、具体问题可以合并单元格，也可以逐行重复填写；编号如“一、”“（三）”“1.”“3-2”会被识别。",
        "3. 牵头单位、配合单位可写在一个单元格内，如“市生态环境局牵头，市发改委、市经信局配合”。",
        "4. 单位名称须与系统单位表的全称、简称或别名一致（如“市住建局”）。",
        "5. 整改时限可填日期或“2020年12月底前”“2020年6月”“立行立改”“长期坚持”“立行立改，长期坚持”。",
        "6. 请勿使用公式、宏或密码保护；文件须为 .xlsx 格式，不超过 10 MB、20000 行。",
        "7. 导入后任务状态为“尚未启动”；整改状态、序时状态等列仅供参考，不会导入。",
    ):
        guide.append([text])
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 60
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
