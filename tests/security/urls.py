"""The URL of every page and API endpoint that shows one object, by object kind."""

PAGES = {
    "round": (
        "/rounds/{pk}/",
        "/rounds/{pk}/archives/",
        "/documents/round/{pk}/progress.docx",
        "/documents/round/{pk}/report.docx",
    ),
    "problem": ("/problems/{pk}/", "/problems/{pk}/archive.zip", "/problems/{pk}/tasks/new/"),
    "task": (
        "/tasks/{pk}/",
        "/tasks/{pk}/report/",
        "/tasks/{pk}/extension/",
        "/tasks/{pk}/recheck/",
        "/tasks/{pk}/closeout/",
        "/tasks/{pk}/evidence/",
        "/tasks/{pk}/milestones/",
        "/tasks/{pk}/lookback/",
        "/tasks/{pk}/units/",
        "/tasks/{pk}/warnings/",
        "/tasks/{pk}/extension/overdue/",
        "/documents/closeout/{pk}.docx",
    ),
    "attachment": ("/attachments/{pk}/download/",),
    "closeout": (
        "/closeouts/{pk}/self-check/",
        "/closeouts/{pk}/accept/",
        "/closeouts/{pk}/return/",
        "/closeouts/{pk}/close/",
        "/closeouts/{pk}/review/",
        "/closeouts/{pk}/objection/",
        "/closeouts/{pk}/sector-review/",
    ),
    "petition": ("/petitions/{pk}/",),
    "petition_attachment": ("/petitions/attachments/{pk}/",),
    "notice": ("/documents/supervision/{pk}.docx", "/documents/supervision/{pk}.pdf"),
}

API = {
    "round": ("rounds",),
    "problem": ("problems",),
    "task": ("tasks",),
    "report": ("progress-reports",),
    "warning": ("warnings",),
    "closeout": ("closeouts",),
    "attachment": ("attachments",),
    "extension": ("extensions",),
    "petition": ("petitions",),
    "notice": ("supervision-notices",),
}
