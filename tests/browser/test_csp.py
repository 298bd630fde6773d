"""The Content-Security-Policy holds in a real Chromium (issue 15, item 5): on the pages each
kind of user opens — the workbench, the dashboard with its charts, the task list filtered
through htmx, a task page, the public page, the admin site and the API documentation (Swagger UI) —
the browser reports no `securitypolicyviolation` and no console error, and no request leaves
the site."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in as _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collected before any script of the page runs, so a violation during loading counts too.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _visit(page: Page, url: str, problems: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("networkidle")
    problems.extend(f"{url}: {v}" for v in page.evaluate("window.__csp || []"))


def test_no_page_breaks_the_content_security_policy(page: Page, live_server, demo_city):
    problems: list[str] = []
    outside: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    site = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https") and urlsplit(r.url).netloc != site
            else None
        ),
    )

    _visit(page, f"{live_server.url}/public/", problems)
    _login(page, live_server, "office", demo_city.password)
    for path in ("/workbench/", "/dashboard/", "/api/docs/"):
        _visit(page, f"{live_server.url}{path}", problems)
    # Swagger UI drew the operations from the schema: its init script (a separate file) ran.
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    # The task list's filter goes through htmx (a partial swapped in).
    _visit(page, f"{live_server.url}/tasks/", problems)
    page.locator("select[name='status']").first.select_option("IN_PROGRESS")
    page.get_by_test_id("filter-submit").click()
    page.wait_for_load_state("networkidle")
    task = demo_city.tasks["SD-5-1"]
    _visit(page, f"{live_server.url}/tasks/{task.pk}/", problems)
    problems.extend(page.evaluate("window.__csp"))

    page.goto("about:blank")  # no late request of the last page touches the cookie jar
    page.context.clear_cookies()
    _login(page, live_server, "admin", demo_city.password)
    _visit(page, f"{live_server.url}/admin/", problems)
    _visit(page, f"{live_server.url}/admin/rectification/task/", problems)
    _visit(page, f"{live_server.url}/admin/rectification/task/{task.pk}/change/", problems)

    assert problems == []
    assert outside == []
