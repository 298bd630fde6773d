"""Filter and cursor fuzzing (issue 15): every query parameter of every list, hostile values.

For each API list endpoint (the router's registry) and each page list, every parameter its
FilterSet declares (django-filter) or its GET form renders, plus the pagination and ordering
parameters, gets each value of a deterministic corpus of hostile inputs (huge and negative
numbers, non-numbers, unicode, NUL bytes, SQL-ish strings, impossible dates, very long
strings) alone and repeated. Then the task list's keyset cursor is tampered with, truncated,
taken from another account and walked backwards past its start; then every API write is sent
malformed JSON. Nothing may answer 5xx; a 4xx carries a Chinese message (JSON for the API).
"""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from config.api import router
from rectification.filtersets import TaskFilterSet
from tests.web.crawler import parse

pytestmark = pytest.mark.django_db

HOSTILE = (
    "",
    "0",
    "-1",
    "2147483648",
    "99999999999999999999999999",
    "-9223372036854775809",
    "1.5",
    "1e308",
    "NaN",
    "abc",
    "东城区",
    "𠜎😀",
    "\u202e\u200b",
    "%00",
    "a\x00b",
    "' OR 1=1 --",
    "1; DROP TABLE rectification_task; --",
    '"><script>alert(1)</script>',
    "2020-02-30",
    "2020-13-01",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "true",
    "null",
    "[]",
    "{}",
    "../../etc/passwd",
    "x" * 4000,
)
PAGINATION = ("page", "page_size", "cursor", "ordering", "format", "limit", "offset")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _check(response, url, api: bool):
    assert response.status_code < 500, (url, response.status_code)
    if 400 <= response.status_code < 500:
        body = response.content.decode("utf-8", "replace")
        if api:
            assert response["Content-Type"].startswith("application/json"), url
        assert CJK.search(body), (url, response.status_code, body[:200])


def _api_lists():
    out = []
    for prefix, viewset, _basename in router.registry:
        params = set(PAGINATION)
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is not None:
            params |= set(filterset.base_filters)
        out.append((prefix, sorted(params)))
    return out


API_LISTS = _api_lists()


def _queries(params):
    for name in params:
        for value in HOSTILE:
            yield urlencode({name: value})
        yield urlencode([(name, "1"), (name, "abc"), (name, "")])


@pytest.mark.parametrize(("prefix", "params"), API_LISTS, ids=[p for p, _ in API_LISTS])
def test_api_list_filters_never_fail(probe_world, prefix, params):
    client = _client(probe_world.users["city_office"])
    assert client.get(f"/api/v1/{prefix}/").status_code == 200
    for query in _queries(params):
        url = f"/api/v1/{prefix}/?{query}"
        _check(client.get(url), url, api=True)
    # every parameter hostile at once
    url = f"/api/v1/{prefix}/?" + urlencode([(name, "' OR 1=1 --") for name in params])
    _check(client.get(url), url, api=True)


def test_api_filters_as_a_unit_reporter(probe_world):
    """A reporter's lists take another path through the scope: the task list's and the
    petitions' filters under hostile values."""
    client = _client(probe_world.users["reporter"])
    for prefix, params in API_LISTS:
        if prefix not in ("tasks", "petitions", "supervision-notices"):
            continue
        for query in _queries(params):
            url = f"/api/v1/{prefix}/?{query}"
            _check(client.get(url), url, api=True)


PAGE_LISTS = (
    "/tasks/",
    "/tasks/export.csv",
    "/petitions/",
    "/petitions/figures/",
    "/supervision/",
    "/warnings/",
    "/review/",
    "/extensions/",
    "/rounds/",
    "/dispatch/",
    "/notifications/",
    "/search/",
    "/dashboard/",
    "/workbench/",
    "/public/",
    "/public/petitions/",
    "/imports/ledger.xlsx",
    "/jobs/",
)


def _page_params(client, path) -> set[str]:
    """The names of the page's GET form controls, and the task FilterSet's for task lists."""
    names = {"page", "page_size", "sort", "ordering", "q"}
    if path.startswith(("/tasks/", "/imports/ledger", "/dashboard/")):
        names |= set(TaskFilterSet.base_filters)
    response = client.get(path)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        for form in parse(response.content.decode()).forms:
            if form.method == "get":
                names |= {name for name, _ in form.submission()}
    return names


@pytest.mark.parametrize("path", PAGE_LISTS)
def test_page_list_filters_never_fail(probe_world, path):
    client = _client(probe_world.users["city_office"])
    params = sorted(_page_params(client, path))
    assert params
    for query in _queries(params):
        url = f"{path}?{query}"
        _check(client.get(url), url, api=False)


@pytest.mark.parametrize("persona", ["reporter", "county_leader"])
def test_task_list_filters_never_fail_for_other_roles(probe_world, persona):
    client = _client(probe_world.users[persona])
    for path in ("/tasks/", "/supervision/inbox/", "/petitions/"):
        for query in _queries(sorted(_page_params(client, path))):
            url = f"{path}?{query}"
            _check(client.get(url), url, api=False)


# ---------------------------------------------------------------------------------------------
# Cursors


def _first_cursor(client) -> str:
    body = client.get("/api/v1/tasks/?page_size=1").json()
    assert body["next"], "the probe world has more than one task in the office's scope"
    return re.search(r"cursor=([^&]+)", body["next"]).group(1)


def test_tampered_truncated_and_foreign_cursors_are_refused_in_chinese(probe_world):
    office = _client(probe_world.users["city_office"])
    cursor = _first_cursor(office)
    flipped = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]
    bad = [
        flipped,
        cursor[: len(cursor) // 2],
        cursor + "x",
        "eyJkIjpudWxsLCJpIjoxLCJiIjpmYWxzZSwibiI6OTl9",  # base64 of a plausible, unsigned key
        "%%%",
        "",
        "\x00",
        "x" * 5000,
    ]
    for value in bad:
        url = "/api/v1/tasks/?" + urlencode({"cursor": value, "page_size": 1})
        response = office.get(url)
        _check(response, url, api=True)
        if value:
            assert response.status_code == 400, (value[:40], response.status_code)
    # another account's cursor (the county office's) is not the office's
    foreign = _first_cursor(_client(probe_world.users["city_leader"]))
    response = office.get("/api/v1/tasks/?" + urlencode({"cursor": foreign, "page_size": 1}))
    assert response.status_code == 400
    assert CJK.search(response.json()["detail"])


def test_walking_back_past_the_start_is_an_empty_page_not_an_error(probe_world):
    client = _client(probe_world.users["city_office"])
    page = client.get("/api/v1/tasks/?page_size=1").json()
    while page["next"]:
        following = client.get(page["next"]).json()
        if not following["next"]:
            break
        page = following
    # walk back along the server's own previous links to (and past) the first page
    url, steps = page.get("previous") or following.get("previous"), 0
    while url and steps < 20:
        response = client.get(url)
        assert response.status_code == 200, url
        url, steps = response.json()["previous"], steps + 1
    assert steps >= 1


# ---------------------------------------------------------------------------------------------
# Malformed bodies on every API write


def _write_urls(pw) -> list[str]:
    w = pw.world
    app = pw.objects["closeout"][0]
    ids = {
        "tasks": w.task.pk,
        "petitions": pw.objects["petition"][0].pk,
        "closeouts": app.pk,
        "extensions": pw.objects["extension"][0].pk,
        "progress-reports": pw.objects["report"][0].pk,
        "warnings": pw.objects["warning"][0].pk,
        "notifications": 1,
        "supervision-notices": pw.objects["notice"][-1].pk,
    }
    urls = []
    for prefix, viewset, _ in router.registry:
        if hasattr(viewset, "create"):
            urls.append(f"/api/v1/{prefix}/")
        for action in viewset.get_extra_actions():
            if "post" not in action.mapping:
                continue
            path = action.url_path
            if action.detail:
                urls.append(f"/api/v1/{prefix}/{ids.get(prefix, 1)}/{path}/")
            else:
                urls.append(f"/api/v1/{prefix}/{path}/")
    return urls


MALFORMED = (
    "{bad json",
    '{"a": 1,}',
    "",
    "null",
    "[]",
    '"text"',
    "1e999",
    '{"ids": "all", "units": "x", "approve": "maybe", "deadline": "2020-02-30"}',
    '{"ids": [1e999], "units": [{"unit": "abc"}], "progress_pct": -5}',
    '{"\\u0000": "\\u0000"}',
    "\xff\xfe",
)


@pytest.mark.parametrize("persona", ["city_office", "reporter"])
def test_malformed_json_on_every_api_write_is_a_400_not_a_500(probe_world, persona):
    client = _client(probe_world.users[persona])
    urls = _write_urls(probe_world)
    assert len(urls) >= 25
    for url in urls:
        for body in MALFORMED:
            response = client.post(
                url, data=body.encode("utf-8", "surrogatepass"), content_type="application/json"
            )
            _check(response, url, api=True)
