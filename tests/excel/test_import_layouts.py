"""Importing a rectification plan in each real layout: preview, then commit all or nothing."""

from datetime import date
from decimal import Decimal

import pytest

from inspections.choices import DeadlineType
from inspections.models import (
    FeedbackAspect,
    FeedbackCategory,
    ImportBatch,
    InspectionRound,
    Problem,
)
from rectification.choices import AssignmentRole, TaskStatus
from rectification.models import Assignment, Task
from tests.excel.conftest import upload
from tests.excel.workbooks import (
    RECOMMENDED,
    VARIANT1,
    VARIANT2,
    VARIANT3,
    good_rows,
    recommended_workbook,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db


def preview_api(client, data, filename="plan.xlsx", **target):
    target.setdefault("mode", "existing")
    return client.post("/api/v1/imports/preview/", {"file": upload(data, filename), **target})


def commit_api(client, sha256, **target):
    target.setdefault("mode", "existing")
    return client.post(
        "/api/v1/imports/commit/",
        {"sha256": sha256, "file_name": "plan.xlsx", **target},
        content_type="application/json",
    )


def import_api(client, data, **target):
    preview = preview_api(client, data, **target)
    assert preview.status_code == 200, preview.json()
    commit = commit_api(client, preview.json()["sha256"], **target)
    assert commit.status_code == 201, commit.json()
    return preview.json(), commit.json()


def units_of(task):
    return sorted(
        (a.role, a.unit.short_name or a.unit.name) for a in Assignment.objects.filter(task=task)
    )


def test_recommended_layout_preview_then_commit(plan_units, office_client, row_counts):
    # given a plan in the recommended layout with a title row above the header
    data = recommended_workbook(good_rows(), titles=["示范市督察整改任务清单", "（2019年8月）"])
    before = row_counts()
    # when the office previews it
    preview = preview_api(office_client, data, round=plan_units.round.pk)
    # then nothing is written yet and the preview shows the tree and the headline
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert body["headline"] == "1方面2类2项"
    assert body["counts"] == {
        "rows": 3,
        "rounds": 0,
        "aspects": 1,
        "categories": 2,
        "problems": 2,
        "tasks": 3,
        "assignments": 6,
    }
    assert row_counts() == before
    # when it commits
    commit = commit_api(office_client, body["sha256"], round=plan_units.round.pk)
    # then everything is created in the chosen round
    assert commit.status_code == 201, commit.json()
    assert commit.json()["task_count"] == 3
    aspect = FeedbackAspect.objects.get(round=plan_units.round, title="突出生态环境问题依然存在")
    assert aspect.seq == 1 or aspect.seq == 2  # the world's round already has aspect 1
    assert list(FeedbackCategory.objects.filter(aspect=aspect).values_list("seq", "title")) == [
        (1, "水环境"),
        (2, "大气环境"),
    ]
    problem = Problem.objects.get(round=plan_units.round, code="5")
    tasks = list(Task.objects.filter(problem=problem).order_by("seq"))
    assert [t.name for t in tasks] == ["城北片区雨污分流管网", "西城区老旧管网改造"]
    assert tasks[0].deadline == date(2020, 12, 31) and tasks[1].deadline == date(2020, 6, 30)
    assert tasks[0].region == plan_units.dongcheng and tasks[0].lead_unit == plan_units.dc_gov
    assert tasks[0].status == TaskStatus.NOT_STARTED
    assert units_of(tasks[0]) == [("COOP", "市住建局"), ("LEAD", "东城区政府")]
    dust = Task.objects.get(problem__code="7", round=plan_units.round)
    assert (dust.deadline_type, dust.deadline, dust.is_ongoing) == (
        DeadlineType.IMMEDIATE,
        None,
        True,
    )
    assert ImportBatch.objects.get().round == plan_units.round


def test_reimporting_the_same_file_is_refused(plan_units, office_client, row_counts):
    data = recommended_workbook(good_rows())
    import_api(office_client, data, round=plan_units.round.pk)
    before = row_counts()
    # when the same file comes again
    again = preview_api(office_client, data, round=plan_units.round.pk)
    # then it is refused with a message and nothing is duplicated
    assert again.status_code == 409
    assert "已经导入过" in again.json()["detail"]
    assert row_counts() == before


def test_variant1_public_notice_with_packed_units_and_section_rows(plan_units, office_client):
    # given a 公示表: title rows, section rows "一、…" merged across, units packed in one cell
    rows = [
        ["一、突出生态环境问题依然存在", None, None, None, None, None],
        [
            "1.城区沿河排口生活污水直排清溪河",
            "2020年12月底前",
            "排口全部截污",
            "东城区政府牵头，市住建局、市生态环境局配合",
            "0000-1234567",
            "（1）截污纳管（责任单位：东城区政府）",
        ],
        [
            "2.化工园区环境风险防控体系不健全",
            "2020年6月30日",
            "三级防控",
            "市经信局牵头，市生态环境局配合",
            None,
            "建设应急事故池",
        ],
        ["二、生态保护存在短板", None, None, None, None, None],
        [
            "3.部分县区党政同责落实不到位",
            "立行立改，长期坚持",
            "建立责任清单",
            "市政府办",
            None,
            "出台责任清单",
        ],
    ]
    data = workbook_bytes(
        VARIANT1,
        rows,
        titles=["整改任务完成情况公示表", "填报单位：市环督办"],
        merges=["A4:F4", "A7:F7"],
    )
    # when
    preview, _ = import_api(
        office_client,
        data,
        mode="new",
        code="GS2020",
        name="公示表导入",
        kind="PROV_ROUTINE",
        level="PROVINCIAL",
        region=plan_units.city.pk,
    )
    # then
    assert preview["headline"] == "2方面0类3项"
    rnd = InspectionRound.objects.get(code="GS2020")
    assert list(rnd.aspects.values_list("seq", "title")) == [
        (1, "突出生态环境问题依然存在"),
        (2, "生态保护存在短板"),
    ]
    outfall = Task.objects.get(round=rnd, problem__code="1")
    assert outfall.name == "城区沿河排口生活污水直排清溪河"
    assert units_of(outfall) == [
        ("COOP", "市住建局"),
        ("COOP", "市生态环境局"),
        ("LEAD", "东城区政府"),
    ]
    assert outfall.region == plan_units.dongcheng
    chem = Task.objects.get(round=rnd, problem__code="2")
    assert chem.lead_unit == plan_units.miit and chem.deadline == date(2020, 6, 30)
    duty = Task.objects.get(round=rnd, problem__code="3")
    assert duty.deadline_type == DeadlineType.IMMEDIATE and duty.is_ongoing
    assert duty.region == plan_units.city


def test_variant2_city_platform_ledger(plan_units, office_client):
    row = dict.fromkeys(VARIANT2)
    row.update(
        {
            "项目": "清溪河东城区段排口整治",
            "问题描述": "生活污水直排",
            "整改任务具体要求": "截污纳管",
            "行政区划": "东城区",
            "牵头单位": "东城区政府",
            "责任单位": "东城区政府",
            "配合单位": "市住建局、市生态环境局",
            "整改时限": "2020.6.30",
            "状态": "尚未启动",
            "所属轮数": "第二轮",
        }
    )
    data = workbook_bytes(VARIANT2, [list(row.values())])
    preview, _ = import_api(office_client, data, round=plan_units.round.pk)
    assert "牵头人" in preview["ignored_headers"]
    task = Task.objects.get(problem__title="清溪河东城区段排口整治")
    assert task.measures == "截污纳管" and task.deadline == date(2020, 6, 30)
    assert units_of(task) == [
        ("COOP", "市住建局"),
        ("COOP", "市生态环境局"),
        ("LEAD", "东城区政府"),
        ("TERRITORIAL", "东城区政府"),
    ]
    assert task.problem.original_text == "生活污水直排"


def test_variant3_point_ledger_uses_county_government(plan_units, office_client):
    def point(code, place, lng, lat):
        row = dict.fromkeys(VARIANT3)
        row.update(
            {
                "行政区": "西城区",
                "问题点位编号": code,
                "经度": lng,
                "纬度": lat,
                "所在位置描述": place,
                "问题描述": "保护区内违规建设",
                "整改时限": "2020年底前",
                "整改措施": "拆除复绿",
            }
        )
        return list(row.values())

    data = workbook_bytes(
        VARIANT3,
        [
            point("QL-01", "云栖山庄1号楼", 104.33, 30.23),
            point("QL-02", "云栖山庄2号楼", "104.35", "30.2300"),
        ],
    )
    import_api(office_client, data, round=plan_units.round.pk)
    tasks = list(Task.objects.filter(code__startswith="QL-").order_by("code"))
    assert [t.name for t in tasks] == ["云栖山庄1号楼", "云栖山庄2号楼"]
    assert (tasks[1].lng, tasks[1].lat) == (Decimal("104.350000"), Decimal("30.230000"))
    assert tasks[0].problem_id == tasks[1].problem_id  # one problem, two points
    assert units_of(tasks[0]) == [("LEAD", "西城区政府"), ("TERRITORIAL", "西城区政府")]


def test_merged_aspect_category_problem_cells_are_carried_down(plan_units, office_client):
    # given the recommended layout with 方面/类别/具体问题/问题编号 merged over three tasks
    rows = [
        dict(
            aspect="第二方面 突出问题",
            category="（三）水环境",
            problem_code="4",
            problem="排口直排",
            point=f"{n}#排口",
            county="东城区",
            lead="东城区政府",
            deadline="2020年6月",
        )
        for n in (1, 2, 3)
    ]
    for r in rows[1:]:
        for key in ("aspect", "category", "problem_code", "problem"):
            r[key] = None
    merges = []
    for header in ("方面", "类别", "具体问题", "问题编号"):
        letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[RECOMMENDED.index(header)]
        merges.append(f"{letter}3:{letter}5")
    data = recommended_workbook(rows, titles=["台账"], merges=merges)
    preview, _ = import_api(
        office_client,
        data,
        mode="new",
        code="M1",
        name="合并单元格",
        kind="SELF_CHECK",
        level="CITY",
        region=plan_units.city.pk,
    )
    assert preview["headline"] == "1方面1类1项"
    rnd = InspectionRound.objects.get(code="M1")
    aspect = rnd.aspects.get()
    assert (aspect.seq, aspect.title) == (2, "突出问题")
    assert aspect.categories.get().seq == 3
    problem = rnd.problems.get()
    assert list(problem.tasks.order_by("seq").values_list("code", "name")) == [
        ("4-1", "1#排口"),
        ("4-2", "2#排口"),
        ("4-3", "3#排口"),
    ]


def test_blank_problem_cells_mean_same_problem_as_above(plan_units, office_client):
    rows = good_rows()[:2]
    for key in ("aspect", "category", "problem_code", "problem"):
        rows[1][key] = None
    import_api(office_client, recommended_workbook(rows), round=plan_units.round.pk)
    assert Problem.objects.get(code="5").tasks.count() == 2


def test_import_page_preview_and_commit(plan_units, office_client, row_counts):
    data = recommended_workbook(good_rows())
    # when the office uploads through the page
    page = office_client.post(
        "/imports/", {"file": upload(data), "mode": "existing", "round": plan_units.round.pk}
    )
    # then the preview shows the headline and a commit form
    assert page.status_code == 200
    html = page.content.decode()
    assert "1方面2类2项" in html and "确认导入" in html
    sha256 = page.context["sha256"]
    done = office_client.post(
        "/imports/commit/",
        {
            "sha256": sha256,
            "file_name": "plan.xlsx",
            "mode": "existing",
            "round": plan_units.round.pk,
        },
    )
    assert done.status_code == 302
    assert Task.objects.filter(round=plan_units.round).count() == 2 + 3
    assert "导入成功" in office_client.get("/imports/").content.decode()


@pytest.mark.parametrize("persona", ["reporter", "unit_head", "coop_reporter", "leader", "admin"])
def test_only_the_office_may_import(plan_units, client, persona, row_counts):
    client.force_login(getattr(plan_units, persona))
    data = recommended_workbook(good_rows())
    before = row_counts()
    assert preview_api(client, data, round=plan_units.round.pk).status_code == 403
    assert (
        client.post("/imports/", {"file": upload(data), "round": plan_units.round.pk}).status_code
        == 403
    )
    assert client.get("/imports/").status_code == 403
    assert commit_api(client, "0" * 64, round=plan_units.round.pk).status_code == 403
    assert row_counts() == before


def test_anonymous_cannot_import(client, plan_units):
    assert client.post("/api/v1/imports/preview/", {}).status_code in (401, 403)
    assert client.get("/imports/").status_code == 302


def test_round_outside_the_office_scope_is_refused(plan_units, office_client, row_counts):
    from tests.factories import RegionFactory, RoundFactory

    elsewhere = RoundFactory(code="OTHER", region=RegionFactory(code="880100", name="别的市"))
    before = row_counts()
    response = preview_api(office_client, recommended_workbook(good_rows()), round=elsewhere.pk)
    assert response.status_code == 400
    assert "权限范围" in response.json()["detail"]
    assert row_counts() == before


def test_template_is_generated_from_the_column_spec_and_imports_back(plan_units, office_client):
    from io import BytesIO

    import openpyxl

    response = office_client.get("/imports/template.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(BytesIO(response.content))
    sheet = wb["整改任务清单"]
    headers = [c.value.rstrip("*") for c in sheet[2]]
    assert headers[:7] == ["序号", "问题编号", "督察轮次", "问题来源", "方面", "类别", "具体问题"]
    assert set(RECOMMENDED) <= set(headers)
    assert "填表说明" in wb.sheetnames
    validations = {str(dv.sqref).split(":")[0][:2] for dv in sheet.data_validations.dataValidation}
    assert validations  # 整改状态 / 问题来源 … have dropdown lists
    # a filled-in template imports
    filled = {
        "问题编号": "9",
        "方面": "一、方面",
        "类别": "1.类别",
        "具体问题": "模板问题",
        "点位名称": "模板点位",
        "所在区县": "东城区",
        "牵头单位": "东城区政府",
        "整改时限": "2020年底前",
    }
    sheet.append([filled.get(h) for h in headers])
    buffer = BytesIO()
    wb.save(buffer)
    import_api(office_client, buffer.getvalue(), round=plan_units.round.pk)
    assert Task.objects.filter(name="模板点位").exists()
    assert office_client.get("/api/v1/imports/template/").status_code == 200


def test_import_history_api(plan_units, office_client):
    import_api(office_client, recommended_workbook(good_rows()), round=plan_units.round.pk)
    listing = office_client.get("/api/v1/imports/")
    assert listing.status_code == 200
    assert listing.json()[0]["summary"]["headline"] == "1方面2类2项"


def test_assignment_roles_from_separate_columns(plan_units, office_client):
    rows = [
        dict(
            problem="填埋场渗滤液",
            point="渗滤液处理站",
            lead="市住建局",
            coop="市生态环境局、市发改委",
            territorial="西城区政府",
            deadline="2020-06-30",
        )
    ]
    import_api(office_client, recommended_workbook(rows), round=plan_units.round.pk)
    task = Task.objects.get(name="渗滤液处理站")
    assert units_of(task) == [
        (AssignmentRole.COOP, "市发展改革委"),
        (AssignmentRole.COOP, "市生态环境局"),
        (AssignmentRole.LEAD, "市住建局"),
        (AssignmentRole.TERRITORIAL, "西城区政府"),
    ]
    assert task.region == plan_units.xicheng
