from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Spreadsheets in and out: the plan import, the 台账 export, the 月调度 workbook.

    It sits above the apps whose rows it reads and writes (exchange → rectification →
    inspections → accounts), so neither of them imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "exchange"
    verbose_name = "表格导入导出"

    def ready(self) -> None:
        # The archive bundle files each task's Word documents (exchange/documents/archive.py).
        from exchange.archive import ARCHIVE_DOCUMENTS
        from exchange.documents.archive import task_documents

        if task_documents not in ARCHIVE_DOCUMENTS:
            ARCHIVE_DOCUMENTS.append(task_documents)
