"""The load test's users (issue 16), run by devtools/load/runner.py as
`locust --headless -f devtools/load/locustfile.py` against the product or the raw app.

Reads the plan (path in LOAD_PLAN, devtools/load/plan.py): logged-in sessions per persona,
API tokens, each reporter's open tasks and the pool of close-out applications the office may
accept in this run. The raw app answers the same paths, so this file does not know which of
the two it is loading. It imports nothing of the project: it runs in locust's gevent process.

Every request is named by endpoint, so locust's statistics group per endpoint. Anything but
the expected status counts as an error: 200 for a page or an API call, a redirect (not to the
login) for a form post; no redirect is followed, so a session that lost its login or its
second factor shows as errors, not as fast login pages.
"""

import itertools
import json
import os
import re
from collections import deque
from http.cookiejar import Cookie
from urllib.parse import urlsplit

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["LOAD_PLAN"], encoding="utf-8") as _plan_file:
    PLAN = json.load(_plan_file)
COUNTY = str(PLAN["county"]["id"])
STATUSES = PLAN["statuses"]
# Each locust user takes a session of its persona in turn.
_turns = {persona: itertools.count() for persona in ("office", "leader", "api")}
# Each reporter user takes its own tasks, so no two users report on one task at once (the
# second would meet a stale version: a conflict, not load). Three each: 40 users (20
# reporters) need 60 open tasks of the county, which a 20,000-task province has.
TASKS_EACH = 3
_open_tasks = {i: deque(row["tasks"]) for i, row in enumerate(PLAN["reporter"])}
# The close-out applications the office may accept in this run, each at most once.
_to_accept = deque(PLAN["accept"])

INPUT = re.compile(r"<input\b[^>]*>", re.S)
ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')
LIST_QUERY = "&".join([f"county={COUNTY}", *(f"status={s}" for s in STATUSES)])


def _take(persona: str) -> tuple[int, dict]:
    rows = PLAN[persona]
    i = next(_turns[persona]) % len(rows)
    return i, rows[i]


def _fields(response) -> dict[str, str]:
    """The form's prefilled fields: the product's HTML inputs, or the raw app's `fields`."""
    text = response.text or ""
    if text.startswith("{"):
        return {k: str(v) for k, v in json.loads(text)["fields"].items()}
    found = {}
    for tag in INPUT.findall(text):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes:
            found[attributes["name"]] = attributes.get("value", "")
    return found


class Visitor(FastHttpUser):
    abstract = True
    # People read a page before the next click: 1-3 s between requests of one user. With
    # this pacing N users offer about N/2 requests a second; saturation shows as latency.
    wait_time = between(1, 3)
    persona = ""

    def on_start(self):
        self.index, self.session = _take(self.persona)
        self.log_in()

    def log_in(self):
        host = urlsplit(self.host).hostname
        self.client.cookiejar.set_cookie(
            Cookie(
                0, PLAN["session_cookie"], self.session["cookie"], None, False, host, False,
                False, "/", True, False, None, False, None, None, {},
            )
        )  # fmt: skip

    def page(self, url: str, name: str, **kwargs):
        """GET expecting 200; returns the response or None."""
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            if response.status_code != 200:
                response.failure(
                    f"HTTP {response.status_code} {response.headers.get('Location', '')}"
                )
                return None
            return response

    def post(self, url: str, name: str, data: dict) -> bool:
        """A form post expecting the redirect after success (a 200 is the form again, with an
        error)."""
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "") or ""
            if response.status_code not in (301, 302, 303) or "/login" in location:
                response.failure(f"HTTP {response.status_code} {location}")
                return False
            return True


class Reporter(Visitor):
    """County and department reporters: 我的任务, a task page, the month's progress report."""

    # Reporters are the many: every responsible unit has one (50 % of the users).
    weight = 10
    persona = "reporter"

    def on_start(self):
        # The reporter whose unit has the most tasks left (a unit with few tasks is not
        # shared by more users than it has tasks for).
        self.index = max(_open_tasks, key=lambda i: (len(_open_tasks[i]), -i))
        self.session = PLAN["reporter"][self.index]
        self.log_in()
        pool = _open_tasks[self.index]
        self.tasks_own = [pool.popleft() for _ in range(min(TASKS_EACH, len(pool)))]
        if not self.tasks_own:  # more users than tasks: share the session's (may conflict)
            self.tasks_own = self.session["tasks"][:TASKS_EACH]
        self.turn = itertools.cycle(self.tasks_own)
        # The first visit opens each page once (a short run still measures every endpoint).
        self.my_tasks()
        self.task_page()
        self.report()

    @task(4)
    def my_tasks(self):
        self.page("/tasks/", "reporter: my tasks")

    @task(4)
    def task_page(self):
        self.page(f"/tasks/{next(self.turn)}/", "reporter: task page")

    @task(2)
    def report(self):
        pk = next(self.turn)
        form = self.page(f"/tasks/{pk}/report/", "reporter: report form")
        if form is None:
            return
        fields = _fields(form)
        self.post(
            f"/tasks/{pk}/report/",
            "reporter: report post",
            {
                "csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", ""),
                "version": fields.get("version", ""),
                "progress_text": "负载测试：本月按计划推进",
                # Never lower than the last report (a fall needs a reason).
                "progress_pct": fields.get("progress_pct") or "0",
                "difficulties": "",
                "next_steps": "",
                "falling_reason": "",
                "evidence_kind": "DURING",
            },
        )


class Office(Visitor):
    """The 环督办: the ledger with the county + 整改中 filter, the 验收 queue, 验收通过."""

    # A few offices watch everything the reporters write (25 %).
    weight = 5
    persona = "office"

    def on_start(self):
        super().on_start()
        self.ledger()
        self.review_queue()
        self.accept()

    @task(5)
    def ledger(self):
        self.page(f"/tasks/?{LIST_QUERY}&sort=deadline", "office: ledger (county + status)")

    @task(3)
    def review_queue(self):
        self.page("/review/", "office: review queue")

    @task(1)
    def accept(self):
        if not _to_accept:
            self.review_queue()  # nothing left to accept in this run
            return
        pk = _to_accept.popleft()
        form = self.page(f"/closeouts/{pk}/accept/", "office: accept form")
        if form is None:
            return
        fields = _fields(form)
        self.post(
            f"/closeouts/{pk}/accept/",
            "office: accept post",
            {
                "csrfmiddlewaretoken": fields.get("csrfmiddlewaretoken", ""),
                "version": fields.get("version", ""),
                "opinion": "负载测试：市级验收合格",
                "level": "CITY",
                "notice_start": fields.get("notice_start", ""),
                "notice_end": fields.get("notice_end", ""),
                "contact_phone": fields.get("contact_phone") or "0999-12369",
            },
        )


class Leader(Visitor):
    """Leaders open the 驾驶舱 (10 %: they look, rarely and briefly)."""

    weight = 2
    persona = "leader"

    @task
    def dashboard(self):
        self.page("/dashboard/", "leader: dashboard")


class ApiClient(Visitor):
    """Systems reading the task list through the API with a token, a few pages at a time
    (15 %: a handful of integrations that poll)."""

    weight = 3
    persona = "api"

    def on_start(self):
        self.index, self.session = _take(self.persona)
        self.headers = {"Authorization": f"Token {self.session['token']}"}

    @task
    def task_list(self):
        response = self.page(f"/api/v1/tasks/?{LIST_QUERY}", "api: task list", headers=self.headers)
        for _ in range(2):
            next_url = response.json().get("next") if response is not None else None
            if not next_url:
                return
            response = self.page(next_url, "api: task list next page", headers=self.headers)
