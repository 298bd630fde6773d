"""The corpus of realistic plans (tests/excel/corpus/): each file previewed through the API by
the demo city's office, some committed, every expectation its module wrote down checked.

A plan that needs a feature of issue 12 not built yet is a strict xfail naming the feature;
once the feature lands, the mark goes. The API keys the new features add are read in one
place, `ImportApi`, so that the contract can be adapted there.
"""

import json
import re
from dataclasses import dataclass, field

import pytest

from inspections.models import InspectionRound
from rectification.models import Assignment, Milestone, Task
from tests.excel.conftest import upload
from tests.excel.corpus import ALL, BY_KEY
from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_city(demo_city_shared):
    # Loaded once for the module (tests/conftest.py: demo_city_once); each test is rolled back.
    return demo_city_shared


# ---------------------------------------------------------------------------------------------
# The API contract the corpus assumes (today's keys, and the keys the new features add)

ROLE_LABELS = {
    "牵头单位": "LEAD",
    "配合单位": "COOP",
    "责任单位（属地）": "TERRITORIAL",
    "行业主管部门": "SECTOR",
}
_UNIT_WITH_ROLE = re.compile(r"^(.*)（(牵头单位|配合单位|责任单位（属地）|行业主管部门)）$")
_ROW = re.compile(r"第\s*(\d+)\s*行")
DONE_STATUSES = {"DONE", "SUCCEEDED", "SUCCESS", "COMPLETED", "已完成"}


@dataclass
class PreviewTask:
    row: int
    code: str
    name: str
    region: str
    units: dict[str, set[str]]
    deadline: str | None
    deadline_type: str
    is_ongoing: bool
    milestones: list[str] = field(default_factory=list)
    township: str = ""


class ImportApi:
    """The plan import API as the corpus uses it.

    Today: POST /api/v1/imports/preview/ (multipart: file + target) → headline, counts,
    problems[].tasks[] (row, code, name, region, deadline_type, deadline, is_ongoing,
    units ["东城区政府（牵头单位）", …]), ignored_headers, warnings ["第5行：…"]; POST
    /api/v1/imports/commit/ (sha256 + target) → 201 with the batch.

    Assumed for issue 12 (adapt here when the features land under other names):
    - `ignored_columns`: headers not imported (falls back to `ignored_headers`);
    - `warnings`: strings "第N行…" or dicts {row, column, message};
    - `ignored_rows`: note/signature rows under the table, ints or {row, text};
    - per task `milestones`: [{planned_date | date, name}], and `township` (or in `address`);
    - `group_expansions`: [{row, text, units: [short names]}]; the option for the batch in
      the field `group_mode` (values in GROUP_MODES), sent with the preview and the commit;
    - preview field `unit_map`: JSON {name as written: unit id} ("使用此单位");
    - re-import: preview of a plan already in the round has `existing` and
      `diff` {added, changed, unchanged, removed} (lists or counts, over tasks); the commit
      applies it with `action=update`;
    - background commit (rows above IMPORT_BACKGROUND_ROWS): commit answers 202 with the
      batch `id`; GET /api/v1/imports/{id}/ gives `status` and `progress`.
    """

    UPDATE_FIELDS = {"mode": "update"}
    GROUP_MODES = {"split": "split", "together": "one", "omit": "drop"}

    def __init__(self, client):
        self.client = client

    # -- requests --------------------------------------------------------------------------

    def options(self, *, group_mode: str | None = None) -> dict:
        return {"group_mode": self.GROUP_MODES[group_mode]} if group_mode else {}

    def preview(self, data: bytes, filename: str, target: dict, *, unit_map=None):
        form = {"file": upload(data, filename), **target}
        if unit_map:
            form["unit_map"] = json.dumps(unit_map, ensure_ascii=False)
        return self.client.post("/api/v1/imports/preview/", form)

    def commit(self, sha256: str, filename: str, target: dict, *, update: bool = False):
        body = {"sha256": sha256, "file_name": filename, **target}
        if update:
            body.update(self.UPDATE_FIELDS)
        return self.client.post("/api/v1/imports/commit/", body, content_type="application/json")

    def wait(self, response, *, polls: int = 50) -> dict:
        """The finished batch of a background commit (202 + id), polled through the API."""
        assert response.status_code == 202, (response.status_code, response.json())
        from exchange.plan_import import jobs

        batch_id = response.json()["id"]
        for _ in range(polls):
            status = self.client.get(f"/api/v1/imports/{batch_id}/")
            assert status.status_code == 200, status.json()
            body = status.json()
            assert {"done", "total"} <= set(body), body
            if str(body.get("status")).upper() in DONE_STATUSES:
                return body
            jobs.run_queued()  # what the worker's beat does every few seconds
        raise AssertionError(f"background import not finished: {body}")

    # -- reading a preview -----------------------------------------------------------------

    @staticmethod
    def tasks(body: dict) -> list[PreviewTask]:
        found = []
        for problem in body["problems"]:
            for t in problem["tasks"]:
                units: dict[str, set[str]] = {}
                for unit in t["units"]:
                    if isinstance(unit, dict):
                        role, name = unit["role"], unit.get("short_name") or unit["unit"]
                    else:
                        m = _UNIT_WITH_ROLE.match(unit)
                        assert m, f"unit without role: {unit}"
                        name, role = m[1], ROLE_LABELS[m[2]]
                    units.setdefault(role, set()).add(name)
                milestones = [
                    str(m.get("planned_date") or m.get("date")) for m in t.get("milestones") or []
                ]
                found.append(
                    PreviewTask(
                        row=t["row"],
                        code=t["code"],
                        name=t["name"],
                        region=t["region"],
                        units=units,
                        deadline=t["deadline"],
                        deadline_type=t["deadline_type"],
                        is_ongoing=t["is_ongoing"],
                        milestones=milestones,
                        township=t.get("township") or t.get("address") or "",
                    )
                )
        return found

    @staticmethod
    def warnings(body: dict) -> list[tuple[int | None, str]]:
        found = []
        for w in body.get("warnings") or []:
            if isinstance(w, dict):
                text = " ".join(str(w.get(k) or "") for k in ("column", "message", "text"))
                found.append((w.get("row"), text))
            else:
                m = _ROW.search(w)
                found.append((int(m[1]) if m else None, w))
        return found

    @staticmethod
    def ignored_columns(body: dict) -> list[str]:
        columns = body.get("ignored_columns", body.get("ignored_headers")) or []
        return [c["header"] if isinstance(c, dict) else c for c in columns]

    @staticmethod
    def trailing_rows(body: dict) -> set[int]:
        rows = body.get("ignored_rows") or body.get("trailing_rows") or []
        return {r["row"] if isinstance(r, dict) else int(r) for r in rows}

    @staticmethod
    def expansions(body: dict) -> list[tuple[int, str, set[str]]]:
        return [
            (row["row"], use["phrase"], set(use["members"]))
            for row in body.get("groups") or []
            for use in row["groups"]
        ]

    @staticmethod
    def diff(body: dict) -> dict[str, int]:
        diff = ((body.get("diff") or {}).get("counts") or {}).get("tasks") or {}
        return {
            k: len(v) if isinstance(v, list) else int(v)
            for k, v in diff.items()
            if k in ("added", "changed", "unchanged", "removed")
        }

    @staticmethod
    def errors(body: dict) -> list[tuple[int | None, str, str]]:
        return [(e["row"], e["column"], e["text"]) for e in body.get("errors") or []]


# ---------------------------------------------------------------------------------------------
# Checks


def _target(plan: CorpusPlan, demo) -> dict:
    return {
        "mode": "new",
        "code": f"CORPUS-{plan.key}",
        "name": plan.round_name,
        "kind": plan.kind,
        "level": plan.level,
        "region": demo.rounds["SD2019"].region_id,
    }


def _no_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _find(tasks: list[PreviewTask], check: TaskExpect) -> PreviewTask:
    found = [
        t
        for t in tasks
        if t.row == check.row and (check.region is None or t.region == check.region)
    ]
    assert len(found) == 1, f"row {check.row} region {check.region}: {found}"
    return found[0]


def check_task(task: PreviewTask, check: TaskExpect) -> None:
    where = f"row {check.row}"
    if check.region is not None:
        assert task.region == check.region, where
    if check.name is not None:
        assert not re.search(r"[\n\r\u2028\u2029]", task.name), (where, task.name)
        assert _no_spaces(task.name) == _no_spaces(check.name), (where, task.name)
    if check.units is not None:
        assert task.units == {r: set(n) for r, n in check.units.items()}, where
    if check.deadline != "?":
        assert task.deadline == check.deadline, (where, task.deadline)
    if check.deadline_type is not None:
        assert task.deadline_type == check.deadline_type, where
    if check.is_ongoing is not None:
        assert task.is_ongoing is check.is_ongoing, where
    if check.milestones is not None:
        # The expectations list the stages before the final deadline; the import adds the
        # final deadline as the last stage when there are earlier ones (so that 序时 expects
        # 100 % only at the end), which is checked here too.
        stages = list(check.milestones)
        expected = [*stages, task.deadline] if stages else []
        assert task.milestones == expected, (where, task.milestones)
    if check.township is not None:
        assert check.township in task.township, (where, task.township)


def check_preview(body: dict, expected: Expected) -> list[PreviewTask]:
    tasks = ImportApi.tasks(body)
    assert body["headline"] == expected.headline
    assert len(body["problems"]) == expected.problems
    assert len(tasks) == expected.tasks
    roles: dict[str, int] = {}
    for t in tasks:
        for role, names in t.units.items():
            roles[role] = roles.get(role, 0) + len(names)
    assert roles == expected.roles
    for check in expected.checks:
        check_task(_find(tasks, check), check)

    warnings = ImportApi.warnings(body)
    unmatched = list(warnings)
    for row, text in expected.warnings:
        hit = next((w for w in unmatched if w[0] == row and text in w[1]), None)
        assert hit, f"no warning on row {row} quoting “{text}”: {warnings}"
        unmatched.remove(hit)
    assert not unmatched, f"unexpected warnings: {unmatched}"

    ignored = ImportApi.ignored_columns(body)
    for header in expected.ignored:
        assert header in ignored, f"“{header}” not listed as ignored: {ignored}"
    for header in expected.used:
        assert header not in ignored, f"“{header}” listed as ignored"
    if expected.trailing_rows:
        assert ImportApi.trailing_rows(body) == set(expected.trailing_rows)
    expansions = ImportApi.expansions(body)
    for row, phrase, units in expected.expansions:
        assert (row, phrase, set(units)) in expansions, expansions
    return tasks


def check_committed(rnd: InspectionRound, tasks: list[PreviewTask], expected: Expected) -> None:
    """The database holds exactly what the preview showed."""
    stored = {t.code: t for t in Task.objects.filter(round=rnd).select_related("region")}
    assert len(stored) == expected.tasks
    assert rnd.problems.count() == expected.problems
    for shown in tasks:
        task = stored[shown.code]
        units: dict[str, set[str]] = {}
        for a in Assignment.objects.filter(task=task).select_related("unit"):
            units.setdefault(a.role, set()).add(str(a.unit))
        assert units == shown.units, shown.code
        assert task.region.name == shown.region
        assert (str(task.deadline) if task.deadline else None) == shown.deadline
        assert task.deadline_type == shown.deadline_type
        planned = Milestone.objects.filter(task=task).order_by("seq")
        assert [str(m.planned_date) for m in planned] == shown.milestones, shown.code
    if expected.after_commit:
        expected.after_commit(rnd)


def _param(plan: CorpusPlan):
    marks = []
    if plan.needs:
        marks.append(pytest.mark.xfail(strict=True, reason="needs: " + ", ".join(plan.needs)))
    return pytest.param(plan, id=plan.key, marks=marks)


@pytest.mark.parametrize("plan", [_param(p) for p in ALL])
def test_corpus_plan(plan: CorpusPlan, demo_city, client, settings):
    # given the demo city's office and a plan as an office publishes it
    client.force_login(demo_city.users["office"])
    api = ImportApi(client)
    expected = plan.expected
    target = _target(plan, demo_city) | api.options(group_mode=expected.group_mode)
    filename = f"{plan.key}.xlsx"
    if expected.background_rows is not None:
        settings.IMPORT_BACKGROUND_ROWS = expected.background_rows
    if expected.reimport_of:
        # the plan it is a re-saved copy of was imported before
        base = BY_KEY[expected.reimport_of]
        first = api.preview(base.build(), f"{base.key}.xlsx", target)
        assert first.status_code == 200, first.json()
        done = api.commit(first.json()["sha256"], f"{base.key}.xlsx", target)
        assert done.status_code == 201, done.json()
        rnd = InspectionRound.objects.get(code=target["code"])
        target = {"mode": "existing", "round": rnd.pk}
    data = plan.build()

    # when the office previews it
    response = api.preview(data, filename, target)
    if expected.errors:
        # then a refusal whose errors suggest the right unit for each former name …
        assert response.status_code == 400, response.json()
        errors = ImportApi.errors(response.json())
        for row, column, suggested in expected.errors:
            unit = demo_city.units[suggested]
            assert any(
                r == row and c == column and (unit.short_name in t or unit.name in t)
                for r, c, t in errors
            ), f"row {row} “{column}”: no suggestion of {suggested} in {errors}"
        # … and using the suggested units gives a clean preview
        mapping = {name: demo_city.units[short].pk for name, short in expected.unit_map.items()}
        response = api.preview(data, filename, target, unit_map=mapping)
    assert response.status_code == 200, response.json()
    body = response.json()

    if expected.reimport_of:
        # then the preview recognises the plan already imported and shows the diff
        assert body.get("existing"), "a re-saved plan must be recognised"
        assert ImportApi.diff(body) == expected.diff
        before = Task.objects.filter(round_id=target["round"]).count()
        done = api.commit(body["sha256"], filename, target, update=True)
        assert done.status_code in (200, 201), done.json()
        assert Task.objects.filter(round_id=target["round"]).count() == before + expected.diff.get(
            "added", 0
        )
        if expected.after_commit:
            expected.after_commit(InspectionRound.objects.get(pk=target["round"]))
        return

    # then it shows what the office's document says
    tasks = check_preview(body, expected)

    if plan.commit or expected.background_rows is not None:
        # when it commits, then the database holds exactly what the preview showed
        done = api.commit(body["sha256"], filename, target)
        if expected.background_rows is not None:
            finished = api.wait(done)
            assert finished.get("task_count", expected.tasks) == expected.tasks
        else:
            assert done.status_code == 201, done.json()
        check_committed(InspectionRound.objects.get(code=target["code"]), tasks, expected)


def test_corpus_is_large_and_varied():
    # at least 20 plans, every layout and kind of round the issue names
    assert len(ALL) >= 20
    assert len({p.key for p in ALL}) == len(ALL)
    kinds = {p.kind for p in ALL}
    assert {"CENTRAL_ROUTINE", "PROV_ROUTINE", "CENTRAL_LOOKBACK", "PROV_LOOKBACK"} <= kinds
    assert "YANGTZE_FILM" in kinds
    for plan in ALL:
        assert plan.build()[:2] == b"PK", plan.key  # a real .xlsx, built in memory


def test_the_checks_catch_a_wrong_expectation(demo_city, client):
    # given a plan that passes today, previewed
    from dataclasses import replace

    client.force_login(demo_city.users["office"])
    plan = BY_KEY["p01"]
    body = ImportApi(client).preview(plan.build(), "p01.xlsx", _target(plan, demo_city)).json()
    check_preview(body, plan.expected)
    # when any one expectation is wrong, then the check fails
    wrong = plan.expected
    for changed in (
        replace(wrong, headline="3方面1类5项"),
        replace(wrong, roles={"LEAD": 5, "COOP": 9}),
        replace(wrong, warnings=((5, "2019年10月底前"),)),
        replace(wrong, ignored=("整改目标",)),
        replace(wrong, checks=(TaskExpect(7, units={"LEAD": ("东城区政府",)}),)),
        replace(wrong, checks=(TaskExpect(7, deadline="2020-06-29"),)),
        replace(wrong, checks=(TaskExpect(7, milestones=("2020-03-31",)),)),
        replace(wrong, expansions=((7, "各县（市、区）人民政府", ("东城区政府",)),)),
    ):
        with pytest.raises(AssertionError):
            check_preview(body, changed)
