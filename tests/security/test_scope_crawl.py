"""The scope probe rerun (issue 15): every persona × every object, by page and by API,
against the oracle in tests/security/oracle.py (written apart from accounts/scope.py).

For each persona:
- every page that shows one object, for every object of its kind: 200 or 403 (a role's page
  gate) when the oracle says the persona sees the object, never 404; 403 or 404 when it does
  not, never 200. The object's own page (task, petition, attachment downloads) is 200 exactly
  when the oracle says so.
- every API detail endpoint: 200 iff the oracle says so, else 404.
- every API list, walked to its last page: exactly the oracle's ids, and its `count` is the
  oracle's count.
- the page lists (task list and its CSV, petitions, 督办, 预警, rounds) link exactly the
  objects the oracle gives, and the rounds' roll-ups ("任务", "已销号", a problem's
  "已销号 x/y") count only the tasks the persona sees.
"""

import csv
import io
import re

import pytest
from django.test import Client

from tests.security.conftest import PERSONAS
from tests.security.oracle import persona_of, sees, sees_task
from tests.security.urls import API, PAGES

pytestmark = pytest.mark.django_db

# An object's own page or download: 200 exactly when the persona sees it (whatever its role).
OWN_PAGE = {
    "/tasks/{pk}/",
    "/attachments/{pk}/download/",
    "/petitions/{pk}/",
    "/petitions/attachments/{pk}/",
}
# Pages of offices and leaders (a unit's reporter gets 403 even for an object it sees; the
# administrator reads through /admin/ and the API).
REGION_PAGES = {"/rounds/{pk}/", "/problems/{pk}/"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_show_exactly_what_the_oracle_gives(probe_world, persona):
    user = probe_world.users[persona]
    p = persona_of(user)
    client = _client(user)
    leaks, hidden, wrong = [], [], []
    for kind, templates in PAGES.items():
        for template in templates:
            for obj in probe_world.objects[kind]:
                url = template.format(pk=obj.pk)
                status = client.get(url).status_code
                assert status < 500, (url, status)
                if not sees(p, kind, obj):
                    if status not in (403, 404):
                        leaks.append((url, status))
                elif status == 404 and template != "/documents/closeout/{pk}.docx":
                    hidden.append(url)  # in scope, yet answered as if it did not exist
                elif status != 200 and (
                    template in OWN_PAGE or (template in REGION_PAGES and p.kind == "region")
                ):
                    wrong.append((url, status))
    assert leaks == [], f"{persona} reaches objects outside its scope"
    assert hidden == [], f"{persona} is refused objects in its scope"
    assert wrong == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_details_and_lists_match_the_oracle(probe_world, persona):
    user = probe_world.users[persona]
    p = persona_of(user)
    client = _client(user)
    for kind, (endpoint,) in API.items():
        rows = probe_world.objects[kind]
        expected = {obj.pk for obj in rows if sees(p, kind, obj)}
        # every detail: 200 iff the oracle sees it
        for obj in rows:
            status = client.get(f"/api/v1/{endpoint}/{obj.pk}/").status_code
            assert status == (200 if obj.pk in expected else 404), (endpoint, obj.pk, status)
            if kind == "attachment":
                status = client.get(f"/api/v1/attachments/{obj.pk}/download/").status_code
                assert status == (200 if obj.pk in expected else 404), (obj.pk, status)
        # the list, walked to the end, holds exactly those rows and counts them
        got, url, count = set(), f"/api/v1/{endpoint}/?page_size=2", None
        while url:
            body = client.get(url).json()
            count = body["count"] if count is None else count
            got |= {row["id"] for row in body["results"]}
            url = body["next"]
        assert got == expected, endpoint
        assert count == len(expected), endpoint


def _linked(html: str, pattern: str) -> set[int]:
    return {int(pk) for pk in re.findall(pattern, html)}


def _ids(pw, kind, p, **extra) -> set[int]:
    return {obj.pk for obj in pw.objects[kind] if sees(p, kind, obj)}


@pytest.mark.parametrize("persona", PERSONAS)
def test_page_lists_and_exports_hold_exactly_the_oracle_rows(probe_world, persona):
    pw = probe_world
    user = pw.users[persona]
    p = persona_of(user)
    client = _client(user)
    tasks = _ids(pw, "task", p)
    codes = {t.code for t in pw.objects["task"] if t.pk in tasks}
    if persona == "admin":
        return  # the administrator works in /admin/ (its lists: tests/test_admin.py)
    # the task list (every status, every page) and its CSV
    listed = _linked(
        client.get("/tasks/?status=&page_size=100").content.decode(), r'href="/tasks/(\d+)/"'
    )
    assert listed == tasks
    export = client.get("/tasks/export.csv")
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert {row[0] for row in rows[1:]} == codes
    # the search finds no task outside the scope
    found = _linked(client.get("/search/?q=SD-").content.decode(), r'href="/tasks/(\d+)/"')
    assert found <= tasks
    # petitions
    page = client.get("/petitions/?page_size=100")
    assert page.status_code == 200
    assert _linked(page.content.decode(), r'href="/petitions/(\d+)/"') == _ids(pw, "petition", p)
    # 督办: the office's list, the leader's read-only copy, a unit's inbox
    notices = _ids(pw, "notice", p)
    url = "/supervision/" if p.kind == "region" else "/supervision/inbox/"
    page = client.get(url)
    assert page.status_code == 200
    assert _linked(page.content.decode(), r'href="/documents/supervision/(\d+)\.docx"') <= notices
    if p.kind == "unit":
        assert (
            _linked(page.content.decode(), r'href="/documents/supervision/(\d+)\.docx"') == notices
        )
    # 预警 (offices and leaders)
    if p.kind == "region":
        page = client.get("/warnings/")
        assert page.status_code == 200
        assert _linked(page.content.decode(), r'href="/tasks/(\d+)/"') <= tasks


@pytest.mark.parametrize(
    "persona", ["city_office", "county_office", "county_leader", "city_leader"]
)
def test_round_roll_ups_count_only_the_tasks_in_scope(probe_world, persona):
    pw = probe_world
    user = pw.users[persona]
    p = persona_of(user)
    client = _client(user)
    html = client.get("/rounds/").content.decode()
    rounds = _ids(pw, "round", p)
    assert _linked(html, r'href="/rounds/(\d+)/"') == rounds
    # each round's row: 任务 and 已销号 of the tasks the persona sees
    for row in re.findall(r'<tr data-testid="round-row">(.*?)</tr>', html, re.S):
        pk = int(re.search(r'href="/rounds/(\d+)/"', row).group(1))
        seen = [t for t in pw.objects["task"] if t.round_id == pk and sees_task(p, t)]
        total = int(re.search(r'data-label="任务">(\d+)<', row).group(1))
        closed = int(re.search(r'data-label="已销号">(\d+)<', row).group(1))
        assert (total, closed) == (len(seen), sum(t.status == "CLOSED" for t in seen)), pk
    # each problem on the round page: "已销号 closed/total" of the tasks the persona sees
    for round_pk in rounds:
        html = client.get(f"/rounds/{round_pk}/").content.decode()
        labels = re.findall(
            r'href="/problems/(\d+)/">.*?</a>\s*<span[^>]*>.*?</span>\s*已销号 (\d+)/(\d+)',
            html,
            re.S,
        )
        assert labels, round_pk
        for problem_pk, closed, total in labels:
            seen = [
                t for t in pw.objects["task"]
                if t.problem_id == int(problem_pk) and sees_task(p, t)
            ]  # fmt: skip
            closed_seen = sum(t.status == "CLOSED" for t in seen)
            assert (int(closed), int(total)) == (closed_seen, len(seen)), (persona, problem_pk)


KPI = re.compile(
    r'<a href="([^"]*)"[^>]*data-testid="kpi-(\w+)".*?<span class="kpi-value">([\d.]+)</span>'
    r"<small[^>]*>([^<]*)</small>",
    re.S,
)


@pytest.mark.parametrize(
    "persona", ["city_office", "county_office", "county_leader", "city_leader"]
)
def test_dashboard_figures_count_the_tasks_in_scope(probe_world, persona):
    """领导驾驶舱: the total is the oracle's, the closed count too, and each count's drill-down
    list shows exactly that many tasks, all in scope."""
    pw = probe_world
    user = pw.users[persona]
    p = persona_of(user)
    client = _client(user)
    tasks = _ids(pw, "task", p)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    kpis = {
        key: (url.replace("&amp;", "&"), value, unit)
        for url, key, value, unit in KPI.findall(page.content.decode())
    }
    assert len(kpis) >= 9, sorted(kpis)
    assert int(kpis["total"][1]) == len(tasks)
    closed = sum(t.status == "CLOSED" for t in pw.objects["task"] if t.pk in tasks)
    assert int(kpis["closed"][1]) == closed
    for key, (url, value, unit) in kpis.items():
        if unit.strip() != "个":
            continue
        listed = _linked(client.get(url).content.decode(), r'href="/tasks/(\d+)/"')
        assert listed <= tasks, key
        assert len(listed) == int(value), (key, url)
