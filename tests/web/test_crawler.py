"""Every rendered link and GET form works, for every demo persona.

Starting at the landing page, follow every <a href> to this site and every chart drill-down
URL, and submit every GET form as rendered (and with one non-empty choice per select); any
4xx/5xx, or a logged-in user sent to the login page, is a defect: nothing the site renders
for a user may lead them to an error. Logout is not followed; /admin/ only for the admin.
Downloads must answer 200 with their file's content type.

Bounded for CI: at most MAX_PAGES pages per persona, de-duplicated by path + sorted query,
at most PER_ROUTE pages per URL pattern and query-key set (the hundredth task page
exercises the same template as the sixth; the pages reached differ between personas) and
PER_VIEW per view (the task list alone has thousands of filter combinations), and
each form (action and field names) submitted from the first page that shows it.
"""

import time
from collections import Counter, deque

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.choices import Role
from devtools.demo.data import USERS
from tests.web.crawler import canonical, form_url, local, parse

pytestmark = pytest.mark.django_db

MAX_PAGES = 400
PER_ROUTE = 4
PER_VIEW = 12
PER_ADMIN_VIEW = 2  # Django's own admin pages, one set per model: a sample of each suffices
LOGIN_PATH = "/login/"
SKIP_PREFIXES = ("/logout/", "/static/", "/media-not-served/")
# Downloads: the content type each one must carry.
DOWNLOAD_TYPES = (
    "text/csv",
    "application/vnd.openxmlformats",
    "application/pdf",
    "application/zip",
    "image/",
)
ANONYMOUS = "(anonymous)"


@pytest.fixture
def demo_city(demo_city_shared):
    return demo_city_shared


def _route(url: str) -> tuple:
    path, _, query = url.partition("?")
    try:
        name = resolve(path).view_name
    except Resolver404:
        name = path
    keys = tuple(sorted({pair.split("=", 1)[0] for pair in query.split("&") if pair}))
    return name, keys


def crawl(client: Client, start: str, *, admin: bool, logged_in: bool) -> tuple[list[str], int]:
    """Visit from `start`; the list of failures and the number of pages fetched."""
    seen: set[str] = set()
    per_route: Counter = Counter()
    per_view: Counter = Counter()
    forms_done: set[tuple] = set()
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    failures: list[str] = []
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url, origin = queue.popleft()
        key = canonical(url)
        if key in seen:
            continue
        seen.add(key)
        path = url.split("?", 1)[0]
        if path.startswith(SKIP_PREFIXES) or (path.startswith("/admin/") and not admin):
            continue
        if "logout" in path:
            continue
        route = _route(url)
        view_cap = PER_ADMIN_VIEW if str(route[0]).startswith("admin:") else PER_VIEW
        if per_route[route] >= PER_ROUTE or per_view[route[0]] >= view_cap:
            continue
        per_route[route] += 1
        per_view[route[0]] += 1
        fetched += 1
        response = client.get(url, follow=True)
        final = response.request["PATH_INFO"]
        if response.status_code >= 400:
            failures.append(f"{response.status_code} {url} (from {origin})")
            continue
        if final == LOGIN_PATH and logged_in:
            failures.append(f"sent to login: {url} (from {origin})")
            continue
        content_type = response.get("Content-Type", "")
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # an error mid-stream raises here
        if not content_type.startswith("text/html"):
            if not content_type.startswith(DOWNLOAD_TYPES) and "json" not in content_type:
                failures.append(f"content type {content_type!r}: {url} (from {origin})")
            continue
        base = final
        page = parse(response.content.decode())
        for href in [*page.links, *page.json_urls]:
            target = local(base, href)
            if target is not None:
                queue.append((target, url))
        for form in page.forms:
            # A form is submitted from the first page that shows it (the same filter form
            # on every filtered list would otherwise multiply its variants without end).
            signature = (
                form.action or path,
                tuple(c[1] if c[0] == "input" else c[1].name for c in form.controls),
            )
            if form.method != "get" or signature in forms_done:
                continue
            forms_done.add(signature)
            for pairs in form.variants():
                target = form_url(base, form, pairs)
                if target is not None:
                    queue.append((target, f"form on {url}"))
    return failures, fetched


PERSONAS = [spec.username for spec in USERS]


@pytest.mark.parametrize("username", [*PERSONAS, ANONYMOUS])
def test_every_link_and_form_works(demo_city, username):
    # given a persona of the demo city at its landing page
    client = Client()
    if username == ANONYMOUS:
        start, admin = "/public/", False
    else:
        user = demo_city.users[username]
        client.force_login(user)
        start, admin = "/", user.is_superuser or user.role == Role.ADMIN
    # when every link and GET form reachable from there is followed
    began = time.perf_counter()
    failures, fetched = crawl(client, start, admin=admin, logged_in=username != ANONYMOUS)
    elapsed = time.perf_counter() - began
    print(f"crawler {username}: {fetched} pages in {elapsed:.1f}s")
    # then none of them answers an error
    assert fetched > 1
    assert not failures, "\n".join(failures)
