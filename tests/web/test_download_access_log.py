"""Every download a page links to is in the access log (accounts.access.AccessLogMiddleware).

Follows the links the demo city's pages render, as the office and a county reporter; each
response that is a file (Content-Disposition: attachment) must have written exactly one access-log row for its user and path. The downloads met must include every
kind of file the site serves from a page (DOWNLOAD_VIEWS)."""

from collections import Counter, deque

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.choices import AccessKind
from accounts.models import AccessRecord
from rectification.models import DispatchReport, PetitionAttachment
from tests.web.crawler import canonical, local, parse

pytestmark = pytest.mark.django_db

MAX_PAGES = 300
PER_VIEW = 3
SKIP = ("/logout/", "/static/", "/admin/")

# The page-linked downloads: the 台账 (CSV, xlsx), the plan template, the 月调度 workbook, the
# Word/PDF documents, a problem's archive bundle, evidence files of tasks and petitions, the
# audit export.
DOWNLOAD_VIEWS = {
    "task_export",
    "ledger_export",
    "plan_import_template",
    "dispatch_xlsx",
    "problem_archive",
    "attachment_download",
    "petition_attachment",
    "audit_csv",
    "audit_xlsx",
}
DOCUMENT_PREFIX = "document_"


@pytest.fixture
def demo_city(demo_city_shared):
    return demo_city_shared


def _view(path: str) -> str:
    try:
        return resolve(path).url_name or path
    except Resolver404:
        return path


def _crawl(client: Client, user) -> tuple[set[str], list[str]]:
    """The views of the downloads met, and the downloads the log missed."""
    queue, seen, per_view = deque(["/workbench/", "/dispatch/", "/audit/"]), set(), Counter()
    downloads, missed, fetched = set(), [], 0
    while queue and fetched < MAX_PAGES:
        url = queue.popleft()
        key = canonical(url)
        path = url.split("?", 1)[0]
        if key in seen or path.startswith(SKIP):
            continue
        seen.add(key)
        view = _view(path)
        if per_view[view] >= PER_VIEW:
            continue
        per_view[view] += 1
        fetched += 1
        before = AccessRecord.objects.filter(kind=AccessKind.DOWNLOAD).count()
        response = client.get(url)
        if response.get("Content-Disposition", "").startswith("attachment"):
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            logged = AccessRecord.objects.filter(
                kind=AccessKind.DOWNLOAD, user=user, path=path
            ).order_by("-id")
            if AccessRecord.objects.filter(kind=AccessKind.DOWNLOAD).count() != before + 1 or (
                not logged.exists()
            ):
                missed.append(url)
            downloads.add(view)
            continue
        if response.status_code in (301, 302) and response.get("Location"):
            queue.appendleft(response["Location"])
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in parse(response.content.decode()).links:
            target = local(path, href)
            if target is None:
                continue
            # A view not met yet goes first: every kind of page is reached within the budget.
            if per_view[_view(target.split("?", 1)[0])] == 0:
                queue.appendleft(target)
            else:
                queue.append(target)
    return downloads, missed


def test_every_download_a_page_links_to_is_logged(demo_city):
    met = set()
    for username in ("office", "dongcheng"):
        user = demo_city.users[username]
        client = Client()
        client.force_login(user)
        downloads, missed = _crawl(client, user)
        assert not missed, (username, missed)
        assert downloads, f"{username}: no download found"
        met |= downloads
    expected = set(DOWNLOAD_VIEWS)
    # (files the demo city may not hold: then no page links to them)
    if not DispatchReport.objects.exists():
        expected.discard("dispatch_xlsx")
    if not PetitionAttachment.objects.exists():
        expected.discard("petition_attachment")
    assert expected <= met, (sorted(expected - met), sorted(met))
    assert any(view.startswith(DOCUMENT_PREFIX) for view in met)
