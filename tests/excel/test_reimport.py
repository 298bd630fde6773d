"""Re-importing a plan already imported into a round: recognised by content, never a silent
duplicate; the office updates the existing plan from a diff preview or cancels."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from inspections.models import Problem
from rectification.models import Task
from tests.excel.conftest import upload
from tests.excel.workbooks import good_rows, recommended_workbook

pytestmark = pytest.mark.django_db


def preview_api(client, data, **target):
    target.setdefault("mode", "existing")
    return client.post("/api/v1/imports/preview/", {"file": upload(data), **target})


def commit_api(client, sha256, **fields):
    fields.setdefault("mode", "existing")
    return client.post(
        "/api/v1/imports/commit/",
        {"sha256": sha256, "file_name": "plan.xlsx", **fields},
        content_type="application/json",
    )


def resaved(data: bytes) -> bytes:
    """The same workbook saved again by someone else: same cells, different bytes."""
    wb = load_workbook(BytesIO(data))
    wb.properties.creator = "县区填报员"
    wb.properties.lastModifiedBy = "市环督办"
    wb.properties.title = "整改任务清单（修订稿）"
    buffer = BytesIO()
    wb.save(buffer)
    copy = buffer.getvalue()
    assert copy != data
    return copy


def first_import(client, world, rows=None) -> bytes:
    data = recommended_workbook(rows or good_rows())
    preview = preview_api(client, data, round=world.round.pk)
    assert preview.status_code == 200, preview.json()
    commit = commit_api(client, preview.json()["sha256"], round=world.round.pk)
    assert commit.status_code == 201, commit.json()
    return data


def test_a_resaved_copy_is_never_a_silent_duplicate(plan_units, office_client, row_counts):
    # given a plan imported into the round
    data = first_import(office_client, plan_units)
    tasks_before = Task.objects.filter(round=plan_units.round).count()
    before = row_counts()
    # when a re-saved copy (different bytes, same content) is previewed and committed as new
    copy = resaved(data)
    preview = preview_api(office_client, copy, round=plan_units.round.pk)
    assert preview.status_code == 200, preview.json()
    commit = commit_api(office_client, preview.json()["sha256"], round=plan_units.round.pk)
    # then the commit is refused with a clear message and nothing is duplicated
    assert commit.status_code == 409, commit.json()
    assert "已导入" in commit.json()["detail"] and "更新" in commit.json()["detail"]
    assert Task.objects.filter(round=plan_units.round).count() == tasks_before
    assert Problem.objects.filter(round=plan_units.round, code="5").count() == 1
    assert row_counts() == before


def base_rows() -> list[dict]:
    """good_rows plus a second site under problem 7, so that one task stays untouched."""
    rows = good_rows()
    second = dict(rows[2], point="示范大道二期工地", deadline="2020年9月30日")
    return [*rows, second]


def revised_rows() -> list[dict]:
    """Two cells changed, a row added, a row dropped."""
    rows = base_rows()
    rows[0]["coop"] = "市住建局、市生态环境局"  # units of 5-1
    rows[2]["measures"] = "落实“六个百分之百”"  # measures of 7-1
    added = dict(rows[0], point="南城片区雨污分流管网", coop="市住建局", deadline="2020年10月")
    del rows[1]  # 西城区老旧管网改造 (5-2)
    return [*rows, added]


def changes_of(entries) -> dict:
    return {e["code"]: [(c["label"], c["old"], c["new"]) for c in e["changes"]] for e in entries}


def test_a_resaved_copy_previews_as_an_update_with_no_changes(plan_units, office_client):
    # given a plan imported into the round
    data = first_import(office_client, plan_units, base_rows())
    # when a re-saved copy is previewed
    preview = preview_api(office_client, resaved(data), round=plan_units.round.pk)
    # then the preview says it is there already and offers an update that changes nothing
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert body["existing"]["problems"] == 2 and body["existing"]["tasks"] == 4
    assert [b["file_name"] for b in body["existing"]["batches"]] == ["plan.xlsx"]
    assert body["diff"]["counts"] == {
        "problems": {"added": 0, "changed": 0, "unchanged": 2, "removed": 1},
        "tasks": {
            "added": 0,
            "changed": 0,
            "unchanged": 4,
            "removed": 2,
            "closed_not_updated": 0,
        },
    }
    # the round's own problem 4 is not in the file: listed, not deleted
    assert [(p["code"], p["tasks"]) for p in body["diff"]["problems"]["removed"]] == [("4", 2)]


def test_the_diff_shows_exactly_two_changed_cells_an_added_and_a_dropped_row(
    plan_units, office_client
):
    first_import(office_client, plan_units, base_rows())
    # when the revised plan is previewed
    preview = preview_api(
        office_client, recommended_workbook(revised_rows()), round=plan_units.round.pk
    )
    # then
    assert preview.status_code == 200, preview.json()
    diff = preview.json()["diff"]
    assert diff["counts"] == {
        "problems": {"added": 0, "changed": 0, "unchanged": 2, "removed": 1},
        "tasks": {
            "added": 1,
            "changed": 2,
            "unchanged": 1,
            "removed": 3,  # 5-2 and the round's own SD-4-1, SD-4-2
            "closed_not_updated": 0,
        },
    }
    assert diff["problems"]["changed"] == []
    assert changes_of(diff["tasks"]["changed"]) == {
        "5-1": [
            (
                "责任单位",
                "东城区政府（牵头单位）、市住建局（配合单位）",
                "东城区政府（牵头单位）、市住建局（配合单位）、市生态环境局（配合单位）",
            )
        ],
        "7-1": [("整改措施", "（空）", "落实“六个百分之百”")],
    }
    assert [(t["code"], t["name"]) for t in diff["tasks"]["added"]] == [
        ("5-3", "南城片区雨污分流管网")
    ]
    assert [t["code"] for t in diff["tasks"]["removed"]] == ["5-2"]
    assert preview.json()["counts"]["tasks"] == 4  # what the file holds, for the headline


def test_applying_the_update_changes_only_what_changed(plan_units, office_client, row_counts):
    from inspections.models import ImportBatch, InspectionEvent
    from rectification.models import Assignment, Event

    first_import(office_client, plan_units, base_rows())
    tasks = {t.code: t for t in Task.objects.filter(round=plan_units.round)}
    events_before = Event.objects.count()
    preview = preview_api(
        office_client, recommended_workbook(revised_rows()), round=plan_units.round.pk
    )
    body = preview.json()
    # when the office applies the update
    commit = commit_api(
        office_client,
        body["sha256"],
        mode="update",
        round=plan_units.round.pk,
        diff_token=body["diff"]["token"],
    )
    # then
    assert commit.status_code == 201, commit.json()
    batch = ImportBatch.objects.get(pk=commit.json()["id"])
    assert batch.summary["mode"] == "update"
    assert batch.summary["diff"]["tasks"]["changed"] == 2 and batch.task_count == 1
    after = {t.code: t for t in Task.objects.filter(round=plan_units.round)}
    # the changed tasks: one event each, naming the batch; status and progress untouched
    new_events = Event.objects.filter(pk__gt=0).order_by("id")[events_before:]
    edits = {e.task.code: e for e in new_events if e.verb == "edit"}
    assert set(edits) == {"5-1", "7-1"}
    assert all(f"导入批次#{batch.pk}" in e.note for e in edits.values())
    assert "市生态环境局（配合单位）" in edits["5-1"].note
    assert after["7-1"].measures == "落实“六个百分之百”"
    assert sorted(
        a.unit.short_name for a in Assignment.objects.filter(task=after["5-1"], role="COOP")
    ) == ["市住建局", "市生态环境局"]
    for code in ("5-1", "7-1"):
        assert after[code].version == tasks[code].version + 1
        assert after[code].status == tasks[code].status
    # the untouched tasks keep their version and time; the dropped row is not deleted
    for code in ("5-2", "7-2", "SD-4-1", "SD-4-2"):
        assert (after[code].version, after[code].updated_at) == (
            tasks[code].version,
            tasks[code].updated_at,
        )
        assert not Event.objects.filter(task=after[code], verb="edit").exists()
    # the added row is a new task under the existing problem
    assert after["5-3"].name == "南城片区雨污分流管网"
    assert after["5-3"].problem_id == tasks["5-1"].problem_id
    assert len(after) == len(tasks) + 1
    # the problems did not change: no event on them
    assert not InspectionEvent.objects.filter(verb="problem_edit").exists()
    # and the same diff again is an update with nothing left to change
    again = preview_api(
        office_client, resaved(recommended_workbook(revised_rows())), round=plan_units.round.pk
    )
    counts = again.json()["diff"]["counts"]
    assert counts["problems"]["changed"] == counts["tasks"]["changed"] == 0
    assert counts["tasks"]["added"] == 0


@pytest.mark.tally_stale  # the task is closed behind the services
def test_a_closed_tasks_deadline_and_units_are_listed_not_updated(plan_units, office_client):
    from accounts import clock
    from rectification.choices import TaskStatus

    first_import(office_client, plan_units, base_rows())
    closed = Task.objects.get(round=plan_units.round, code="7-2")
    Task.objects.filter(pk=closed.pk).update(status=TaskStatus.CLOSED, closed_at=clock.now())
    rows = base_rows()
    rows[3].update(deadline="2020年11月30日", lead="西城区政府", coop="市住建局", measures="复查")
    data = recommended_workbook(rows)
    # when previewed
    body = preview_api(office_client, data, round=plan_units.round.pk).json()
    # then the deadline and units are listed as 已销号，未更新; the measures are an update
    closed_rows = changes_of(body["diff"]["tasks"]["closed_not_updated"])
    assert [label for label, _, _ in closed_rows["7-2"]] == ["整改时限", "责任单位"]
    assert changes_of(body["diff"]["tasks"]["changed"]) == {"7-2": [("整改措施", "（空）", "复查")]}
    # when applied
    commit = commit_api(office_client, body["sha256"], mode="update", round=plan_units.round.pk)
    assert commit.status_code == 201, commit.json()
    task = Task.objects.get(pk=closed.pk)
    assert task.status == TaskStatus.CLOSED and task.measures == "复查"
    assert (task.deadline, task.lead_unit) == (closed.deadline, closed.lead_unit)


def test_a_refusal_while_updating_leaves_nothing_changed(plan_units, office_client, row_counts):
    from datetime import date

    first_import(office_client, plan_units, base_rows())
    # given a task whose work started after the deadline the revised plan gives it
    late = Task.objects.get(round=plan_units.round, code="7-2")
    Task.objects.filter(pk=late.pk).update(start_date=date(2020, 9, 1))
    rows = base_rows()
    rows[0]["measures"] = "新建管网9.2公里"  # applied first …
    rows[3]["deadline"] = "2020年8月31日"  # … then refused by the service
    body = preview_api(office_client, recommended_workbook(rows), round=plan_units.round.pk).json()
    before = row_counts()
    first = Task.objects.get(round=plan_units.round, code="5-1")
    # when the office applies the update
    commit = commit_api(office_client, body["sha256"], mode="update", round=plan_units.round.pk)
    # then it is refused, naming the row, and nothing at all changed
    assert commit.status_code == 400
    assert commit.json()["detail"].startswith("更新失败，未修改任何数据。第5行：")
    assert "不能早于开始日期" in commit.json()["detail"]
    assert row_counts() == before
    again = Task.objects.get(pk=first.pk)
    assert (again.measures, again.version) == (first.measures, first.version)


def test_a_stale_preview_is_not_applied(plan_units, office_client):
    from rectification import services

    first_import(office_client, plan_units, base_rows())
    rows = base_rows()
    rows[0]["measures"] = "新建管网9.2公里"
    body = preview_api(office_client, recommended_workbook(rows), round=plan_units.round.pk).json()
    # someone edits a task of the plan after the preview
    services.task_update(
        task=Task.objects.get(round=plan_units.round, code="7-1"),
        actor=plan_units.office,
        goal="全部工地安装在线监测",
    )
    commit = commit_api(
        office_client,
        body["sha256"],
        mode="update",
        round=plan_units.round.pk,
        diff_token=body["diff"]["token"],
    )
    assert commit.status_code == 409
    assert "重新上传" in commit.json()["detail"]
    assert Task.objects.get(round=plan_units.round, code="5-1").measures == "新建管网8.6公里"


def test_update_of_a_plan_that_was_never_imported_is_refused(plan_units, office_client):
    body = preview_api(
        office_client, recommended_workbook(good_rows()), round=plan_units.round.pk
    ).json()
    assert body["existing"] is None and body["diff"] is None
    commit = commit_api(office_client, body["sha256"], mode="update", round=plan_units.round.pk)
    assert commit.status_code == 400
    assert "尚未导入" in commit.json()["detail"]


def test_problems_without_codes_match_by_normalised_title(plan_units, office_client):
    from inspections.models import InspectionEvent

    # given a plan without problem codes, imported once
    rows = [dict(r, problem_code=None) for r in good_rows()]
    first_import(office_client, plan_units, rows)
    codes = set(Problem.objects.filter(round=plan_units.round).values_list("code", flat=True))
    # when a copy whose titles differ in spaces, punctuation and width is previewed
    rows[0]["problem"] = rows[1]["problem"] = "污水处理设施及配套管网 建设滞后。"
    rows[2]["problem"] = "建筑施工扬尘管控不力！"
    rows.append(dict(rows[2], problem="餐饮油烟扰民", point="美食街"))
    body = preview_api(office_client, recommended_workbook(rows), round=plan_units.round.pk).json()
    # then the problems are recognised; the title's new spelling is a change; the new problem
    # is numbered after the round's
    diff = body["diff"]
    assert body["existing"]["problems"] == 2
    assert diff["counts"]["problems"] == {"added": 1, "changed": 2, "unchanged": 0, "removed": 1}
    assert {c["matched_by"] for c in diff["problems"]["changed"]} == {"title"}
    added = diff["problems"]["added"][0]
    assert added["title"] == "餐饮油烟扰民" and added["code"] not in codes
    commit = commit_api(office_client, body["sha256"], mode="update", round=plan_units.round.pk)
    assert commit.status_code == 201, commit.json()
    assert Problem.objects.filter(round=plan_units.round).count() == len(codes) + 1
    dust = Problem.objects.get(round=plan_units.round, title="建筑施工扬尘管控不力！")
    # one event on each changed problem, naming the batch
    batch = commit.json()["id"]
    assert [
        e.note for e in InspectionEvent.objects.filter(verb="problem_edit", target_id=dust.pk)
    ] == [
        f"按导入批次#{batch}（plan.xlsx）更新整改方案：修改问题{dust.code}："
        "具体问题：建筑施工扬尘管控不力 → 建筑施工扬尘管控不力！"
    ]
    assert InspectionEvent.objects.filter(verb="problem_edit").count() == 2


def test_the_preview_page_offers_the_update_and_its_form_applies_it(plan_units, office_client):
    import re

    from django.urls import reverse

    first_import(office_client, plan_units, base_rows())
    # when the office uploads the revised plan on the page
    page = office_client.post(
        reverse("plan_import"),
        {
            "file": upload(recommended_workbook(revised_rows())),
            "mode": "existing",
            "round": plan_units.round.pk,
        },
    )
    # then the page shows the diff and no way to import it as new
    html = page.content.decode()
    assert page.status_code == 200
    assert "更新已导入的整改方案" in html and "确认导入" not in html
    assert "南城片区雨污分流管网" in html and "西城区老旧管网改造" in html
    # when the form the page renders is submitted as it stands
    form = re.search(r'<form[^>]*data-testid="reimport-form"[^>]*>(.*?)</form>', html, re.S)
    action = re.search(r'action="([^"]+)"', form.group(0)).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))
    assert fields["mode"] == "update"
    done = office_client.post(action, fields, follow=True)
    # then the plan is updated and the page says what changed
    assert done.status_code == 200
    assert "已更新整改方案" in done.content.decode()
    assert Task.objects.get(round=plan_units.round, code="7-1").measures == "落实“六个百分之百”"
    assert Task.objects.filter(round=plan_units.round, code="5-3").exists()


@pytest.mark.tally_stale  # the extension is written behind the services
def test_a_revised_plan_deadline_is_the_original_one_and_an_extension_stands(
    plan_units, office_client
):
    from datetime import date

    from rectification.models import Event

    data = first_import(office_client, plan_units, base_rows())
    # given 5-2 (plan deadline 2020-06-30) extended to 2020-12-31
    extended = Task.objects.get(round=plan_units.round, code="5-2")
    Task.objects.filter(pk=extended.pk).update(deadline=date(2020, 12, 31), extension_count=1)
    # then a re-saved copy of the plan is no revision of its deadline
    body = preview_api(office_client, resaved(data), round=plan_units.round.pk).json()
    assert body["diff"]["counts"]["tasks"]["changed"] == 0
    # when the plan moves 5-2's deadline to 2020-09-30 and 5-1's to 2021-03-31
    rows = base_rows()
    rows[1]["deadline"] = "2020年9月30日"
    rows[0]["deadline"] = "2021年3月31日"
    body = preview_api(office_client, recommended_workbook(rows), round=plan_units.round.pk).json()
    assert changes_of(body["diff"]["tasks"]["changed"]) == {
        "5-1": [("整改时限", "2020-12-31", "2021-03-31")],
        "5-2": [("整改时限", "2020-06-30", "2020-09-30")],
    }
    assert changes_of(body["diff"]["problems"]["changed"]) == {
        "5": [("整改时限", "2020-12-31", "2021-03-31")]
    }
    commit = commit_api(office_client, body["sha256"], mode="update", round=plan_units.round.pk)
    assert commit.status_code == 201, commit.json()
    # then the original deadlines follow the plan; the extension still stands
    first, second = (Task.objects.get(round=plan_units.round, code=c) for c in ("5-1", "5-2"))
    assert (first.original_deadline, first.deadline) == (date(2021, 3, 31), date(2021, 3, 31))
    assert (second.original_deadline, second.deadline) == (date(2020, 9, 30), date(2020, 12, 31))
    assert second.extension_count == 1
    assert "整改时限：2020-06-30 → 2020-09-30" in Event.objects.get(task=second, verb="edit").note
    assert Problem.objects.get(round=plan_units.round, code="5").deadline == date(2021, 3, 31)


def test_the_comparison_reads_the_round_in_a_fixed_number_of_queries(plan_units, office_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exchange.plan_import.diff import compare
    from exchange.plan_import.pipeline import _plan
    from exchange.plan_import.validator import Target

    def queries_of(rows) -> int:
        plan = _plan(
            recommended_workbook(rows),
            "plan.xlsx",
            actor=plan_units.office,
            target=Target("existing", round=plan_units.round),
            options=None,
        )
        with CaptureQueriesContext(connection) as captured:
            compare(plan, actor=plan_units.office)
        return len(captured)

    small = base_rows()
    first_import(office_client, plan_units, small)
    few = queries_of(small)
    big = small + [dict(small[0], point=f"片区管网{i}") for i in range(30)]
    body = preview_api(office_client, recommended_workbook(big), round=plan_units.round.pk).json()
    commit = commit_api(office_client, body["sha256"], mode="update", round=plan_units.round.pk)
    assert commit.status_code == 201, commit.json()
    assert Task.objects.filter(round=plan_units.round).count() == 2 + 4 + 30
    assert queries_of(big) == few <= 10


def test_an_exported_ledger_of_a_live_round_reimports_with_nothing_to_change(demo_city, client):
    # given SD2019 as the demo city holds it: extensions, a reopened task, closed tasks, and
    # problems entered with several measures each
    from inspections.models import InspectionRound

    client.force_login(demo_city.users["office"])
    rnd = InspectionRound.objects.get(code="SD2019")
    response = client.get(f"/imports/ledger.xlsx?round={rnd.pk}")
    data = b"".join(response.streaming_content)
    # when its ledger is uploaded into the same round
    body = preview_api(client, data, round=rnd.pk).json()
    # then every problem and task is recognised and nothing would change
    assert body["existing"]["problems"] == 12 and body["existing"]["tasks"] == 17
    assert body["diff"]["counts"] == {
        "problems": {"added": 0, "changed": 0, "unchanged": 12, "removed": 0},
        "tasks": {
            "added": 0,
            "changed": 0,
            "unchanged": 17,
            "removed": 0,
            "closed_not_updated": 0,
        },
    }


def test_a_new_leader_in_charge_updates_the_problem_and_its_tasks(plan_units, office_client):
    first_import(office_client, plan_units, base_rows())
    rows = base_rows()
    rows[2]["leader"] = rows[3]["leader"] = "赵副市长"
    body = preview_api(office_client, recommended_workbook(rows), round=plan_units.round.pk).json()
    shown = str(plan_units.vice_mayor)
    assert changes_of(body["diff"]["problems"]["changed"]) == {"7": [("责任领导", "（空）", shown)]}
    assert changes_of(body["diff"]["tasks"]["changed"]) == {
        "7-1": [("责任领导", "（空）", shown)],
        "7-2": [("责任领导", "（空）", shown)],
    }
    commit = commit_api(office_client, body["sha256"], mode="update", round=plan_units.round.pk)
    assert commit.status_code == 201, commit.json()
    assert Problem.objects.get(round=plan_units.round, code="7").leader == plan_units.vice_mayor
    assert set(
        Task.objects.filter(round=plan_units.round, problem__code="7").values_list(
            "leader", flat=True
        )
    ) == {plan_units.vice_mayor.pk}
    # a file that leaves the leader blank again does not clear it (re-saved: the first
    # import's bytes, built within the same second, would be the same file, refused as such)
    body = preview_api(
        office_client, resaved(recommended_workbook(base_rows())), round=plan_units.round.pk
    ).json()
    assert body["diff"]["counts"]["problems"]["changed"] == 0
    assert body["diff"]["counts"]["tasks"]["changed"] == 0


def test_a_plan_naming_its_round_updates_it_without_choosing_the_round(plan_units, office_client):
    # given a plan whose 督察轮次 column names the round, imported by the file's rounds
    rows = [dict(r, round="SD2019") for r in base_rows()]
    data = recommended_workbook(rows)
    body = preview_api(office_client, data, mode="file").json()
    assert commit_api(office_client, body["sha256"], mode="file").status_code == 201
    # when a revised copy comes the same way
    rows[0]["measures"] = "新建管网9.2公里"
    body = preview_api(office_client, recommended_workbook(rows), mode="file").json()
    # then it is recognised, refused as new, and applied as an update
    assert [r["code"] for r in body["existing"]["rounds"]] == ["SD2019"]
    assert commit_api(office_client, body["sha256"], mode="file").status_code == 409
    commit = commit_api(office_client, body["sha256"], mode="update")
    assert commit.status_code == 201, commit.json()
    assert Task.objects.get(round=plan_units.round, code="5-1").measures == "新建管网9.2公里"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("城区沿河排口生活污水直排", "城区沿河排口 生活污水直排。", True),
        ("（一）“党政同责、一岗双责”落实不到位", "(一)党政同责一岗双责落实不到位", True),
        ("ＳＤ－４　排口", "sd4排口", True),
        ("1#排口", "1号排口", False),
        ("城区排口", "城区排口整治", False),
    ],
)
def test_titles_compare_without_spaces_punctuation_or_width(a, b, same):
    from exchange.plan_import.diff import normalise

    assert (normalise(a) == normalise(b)) is same


def test_a_task_added_by_an_update_gets_the_stages_of_its_deadline(plan_units, office_client):
    from datetime import date

    from rectification.models import Milestone

    # given an imported plan, revised with a new point whose deadline is staged
    first_import(office_client, plan_units, base_rows())
    rows = base_rows()
    rows.append(
        dict(
            rows[0],
            point="城北片区新建管网",
            deadline="2020年12月底前（阶段性目标），2021年底前全面完成",
        )
    )
    body = preview_api(office_client, recommended_workbook(rows), round=plan_units.round.pk).json()
    assert body["diff"]["counts"]["tasks"]["added"] == 1
    # when the update is applied
    commit = commit_api(office_client, body["sha256"], mode="update", round=plan_units.round.pk)
    assert commit.status_code == 201, commit.json()
    # then the new task has its stages as milestones, as a first import would give it
    task = Task.objects.get(round=plan_units.round, name="城北片区新建管网")
    planned = list(Milestone.objects.filter(task=task).values_list("planned_date", flat=True))
    assert planned == [date(2020, 12, 31), date(2021, 12, 31)]
