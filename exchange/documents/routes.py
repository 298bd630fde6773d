"""The documents' download addresses, included by exchange/urls.py (PAGE_URLS, under
/documents/) and config/api.py (API_URLS, under /api/v1/documents/): the same paths, ext is
docx or pdf. Not named urls.py: each app has one urls module."""

from django.urls import path

from exchange.documents.views import api_view, page

ROUTES = (
    ("supervision/<int:pk>.<str:ext>", "supervision", "督办函 / 约谈通知"),
    ("closeout/<int:task_id>.<str:ext>", "closeout", "销号审批表"),
    ("dispatch/<int:pk>.<str:ext>", "dispatch", "月调度通报"),
    ("round/<int:pk>/progress.<str:ext>", "round_progress", "整改进展情况表"),
    ("round/<int:pk>/report.<str:ext>", "round_report", "整改落实情况报告"),
    ("petitions/<int:round_id>/<int:batch>.<str:ext>", "petitions", "边督边改公开情况一览表"),
)

PAGE_URLS = [
    path(f"documents/{route}", page(kind), name=f"document_{kind}") for route, kind, _ in ROUTES
]
API_URLS = [
    path(f"documents/{route}", api_view(kind, summary), name=f"document-{kind.replace('_', '-')}")
    for route, kind, summary in ROUTES
]
