"""Plans as offices really write them: an "附件2" line and a title above a two-row header
(merged parents over sub-columns), notes and signatures below the table. Every column is
either imported or listed as not imported; nothing is dropped without the office seeing it."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import Workbook

from exchange.plan_import.reader import read_workbook
from inspections.models import Problem
from rectification.choices import AssignmentRole
from rectification.models import Assignment, Task
from tests.excel.conftest import upload

pytestmark = pytest.mark.django_db

TITLE = "示范市贯彻落实第二轮中央生态环境保护督察报告整改方案"

# The header of an office's 整改方案附件: rows 4 and 5, single columns merged down over both
# rows, 责任单位 / 整改时限 / 责任人 merged across their sub-columns.
PARENTS = {
    "A": "序号",
    "B": "反馈问题",
    "C": "整改目标",
    "D": "整改措施",
    "E": "责任单位",
    "G": "责任领导",
    "H": "整改时限",
    "J": "责任人",
}
CHILDREN = {
    "E": "牵头单位",
    "F": "配合单位",
    "H": "阶段目标",
    "I": "最终时限",
    "J": "姓名",
    "K": "职务",
    "L": "联系电话",
}
PARENT_MERGES = ["E4:F4", "H4:I4", "J4:L4"]
SINGLE = ["A", "B", "C", "D", "G"]


def plan_rows() -> list[list]:
    """Four problems of a city plan, one task each (A…L)."""
    return [
        [
            1,
            "城区部分排口生活污水直排清溪河",
            "排口全部截污，消除直排",
            "1.截污纳管；\n2.封堵排口",
            "东城区政府",
            "市住建局、市生态环境局",
            "赵副市长",
            "2020年6月底前完成截污主体工程",
            "2020年12月底前",
            "张三",
            "科长",
            "0838-1111111",
        ],
        [
            2,
            "化工园区环境风险防控体系不健全",
            "建成三级防控体系",
            "建设应急事故池，完善雨污分流",
            "市经信局",
            "市生态环境局、市发改委",
            "赵副市长",
            None,
            "2021年6月底前",
            "李四",
            "副主任",
            "0838-2222222",
        ],
        [
            3,
            "建筑施工扬尘管控不力",
            "工地扬尘达标",
            "落实“六个百分之百”",
            "市住建局",
            "东城区政府、西城区政府、市生态环境局",
            None,
            None,
            "立行立改，长期坚持",
            None,
            None,
            None,
        ],
        [
            4,
            "部分县区“党政同责、一岗双责”落实不到位",
            "责任清单全覆盖",
            "出台生态环境保护责任清单",
            "市政府办",
            "市环督办",
            None,
            None,
            "2020年12月底前",
            None,
            None,
            None,
        ],
    ]


FOOTER = [
    "注：1.本表由各牵头单位填报，配合单位协助。",
    "2.整改时限以最终时限为准。",
]


def office_plan(
    rows: list[list] | None = None,
    *,
    footer: bool = True,
    merge_parents: bool = True,
) -> bytes:
    """The workbook an office sends: 附件2, title, 填报单位/日期 line, two-row header, table,
    notes, signatures and the date."""
    wb = Workbook()
    ws = wb.active
    ws.title = "整改任务清单"
    ws["A1"] = "附件2"
    ws["A2"] = TITLE
    ws.merge_cells("A2:L2")
    ws["A3"] = "填报单位：示范市生态环境保护督察整改工作领导小组办公室（盖章）"
    ws["I3"] = "填报日期：2020年3月10日"
    ws.merge_cells("A3:F3")
    ws.merge_cells("I3:L3")
    for letter, text in PARENTS.items():
        ws[f"{letter}4"] = text
    for letter, text in CHILDREN.items():
        ws[f"{letter}5"] = text
    if merge_parents:
        for ref in PARENT_MERGES:
            ws.merge_cells(ref)
        for letter in SINGLE:
            ws.merge_cells(f"{letter}4:{letter}5")
    first_data = 6
    body = plan_rows() if rows is None else rows
    for offset, values in enumerate(body):
        for index, value in enumerate(values):
            ws.cell(row=first_data + offset, column=index + 1, value=value)
    if footer:
        r = first_data + len(body)
        for text in FOOTER:
            ws.cell(row=r, column=1, value=text)
            ws.merge_cells(f"A{r}:L{r}")
            r += 1
        ws.cell(row=r, column=1, value="填报人：王五")
        ws.cell(row=r, column=5, value="审核人：赵六")
        ws.cell(row=r, column=9, value="联系电话：0838-3333333")
        r += 1
        ws.cell(row=r, column=9, value="示范市环督办（盖章）")
        r += 1
        ws.cell(row=r, column=9, value="2020年3月10日")
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def preview_api(client, data, **target):
    target.setdefault("mode", "existing")
    return client.post("/api/v1/imports/preview/", {"file": upload(data), **target})


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
    return preview.json()


def roles_of(task) -> list[tuple[str, str]]:
    return sorted(
        (a.role, a.unit.short_name or a.unit.name) for a in Assignment.objects.filter(task=task)
    )


def ignored(body) -> dict[str, str]:
    """Column letter → header of every column the preview says it will not import."""
    return {c["column"]: c["header"] for c in body["ignored_columns"]}


# -- the two-row header ---------------------------------------------------------------------


def test_two_row_header_keeps_every_cooperating_unit(plan_units, office_client):
    # given an office's plan: 附件2, title, a 填报单位 line, 责任单位 merged over 牵头单位/配合单位
    data = office_plan()
    # when the office previews and commits it
    body = import_api(office_client, data, round=plan_units.round.pk)
    # then every row is a problem with one task, and every cooperating unit is assigned
    assert body["headline"] == "4项"
    assert body["counts"]["rows"] == 4
    assert body["counts"]["tasks"] == 4
    assert body["counts"]["assignments"] == 12
    new = Assignment.objects.filter(task__round=plan_units.round).exclude(
        task__in=[plan_units.task, plan_units.other_task]
    )
    assert new.filter(role=AssignmentRole.LEAD).count() == 4
    assert new.filter(role=AssignmentRole.COOP).count() == 8
    outfall = Task.objects.get(problem__title="城区部分排口生活污水直排清溪河")
    assert roles_of(outfall) == [
        ("COOP", "市住建局"),
        ("COOP", "市生态环境局"),
        ("LEAD", "东城区政府"),
    ]
    dust = Task.objects.get(problem__title="建筑施工扬尘管控不力")
    assert roles_of(dust) == [
        ("COOP", "东城区政府"),
        ("COOP", "市生态环境局"),
        ("COOP", "西城区政府"),
        ("LEAD", "市住建局"),
    ]
    # the final deadline comes from 整改时限/最终时限, not from the stage column
    assert outfall.deadline == date(2020, 12, 31)
    chem = Task.objects.get(problem__title="化工园区环境风险防控体系不健全")
    assert chem.deadline == date(2021, 6, 30)
    assert chem.problem.leader == plan_units.vice_mayor


def test_sub_header_row_is_never_read_as_data(plan_units, office_client):
    # given the same plan whose parent cells are typed once and not merged
    data = office_plan(merge_parents=False)
    # when previewed
    response = preview_api(office_client, data, round=plan_units.round.pk)
    # then the header is rows 4–5 and the first data row is row 6
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["counts"]["tasks"] == 4 and body["counts"]["assignments"] == 12
    assert [p["row"] for p in body["problems"]] == [6, 7, 8, 9]


def test_sub_columns_resolve_through_their_parent():
    # given the workbook's header as the reader sees it
    sheet = read_workbook(office_plan())
    # then parent + child name our columns, the stage text is kept for the deadline parser
    assert (sheet.header_row, sheet.header_last_row) == (4, 5)
    keys = {key: header for key, header in sheet.headers.items()}
    assert keys["lead"] == "牵头单位" and keys["coop"] == "配合单位"
    assert keys["deadline"] == "整改时限/最终时限"
    assert keys["deadline_stage"] == "整改时限/阶段目标"
    assert keys["person"] == "责任人/姓名" and keys["leader"] == "责任领导"
    first = sheet.rows[0]
    assert first.number == 6
    assert first.values["deadline_stage"] == "2020年6月底前完成截污主体工程"
    assert first.values["deadline"] == "2020年12月底前"
    assert first.values["coop"] == "市住建局、市生态环境局"


def test_stage_text_is_shown_on_the_previewed_task(plan_units, office_client):
    body = preview_api(office_client, office_plan(), round=plan_units.round.pk).json()
    outfall = body["problems"][0]["tasks"][0]
    assert outfall["deadline_stage"] == "2020年6月底前完成截污主体工程"
    page = office_client.post(
        "/imports/",
        {"file": upload(office_plan()), "mode": "existing", "round": plan_units.round.pk},
    )
    assert "阶段目标：2020年6月底前完成截污主体工程" in page.content.decode()


def test_unknown_cooperating_unit_is_an_error(plan_units, office_client, row_counts):
    # given the two-row plan with a unit nobody knows in 配合单位
    rows = plan_rows()
    rows[1][5] = "市生态环境局、市不存在局"
    before = row_counts()
    # when previewed
    response = preview_api(office_client, office_plan(rows), round=plan_units.round.pk)
    # then exactly that cell is refused, like an unknown 牵头单位, and nothing is written
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(7, "配合单位")]
    assert "市不存在局" in errors[0]["message"]
    assert row_counts() == before


def test_deleted_sub_header_leaves_the_unnamed_column_listed(plan_units, office_client):
    # given a plan after the office deleted the 牵头单位/配合单位 row: 责任单位 merged over
    # two columns, the second of them (the cooperating units) without a name
    wb = Workbook()
    ws = wb.active
    ws.append(["附件2"])
    ws.append([TITLE])
    ws.merge_cells("A2:E2")
    ws.append(["序号", "反馈问题", "整改时限", "责任单位", None])
    ws.merge_cells("D3:E3")
    ws.append([1, "城区餐饮油烟扰民", "2020年6月底前", "东城区政府", "市生态环境局"])
    ws.append([2, "化工园区风险防控不健全", "2020年12月底前", "市经信局", "市生态环境局、市发改委"])
    buffer = BytesIO()
    wb.save(buffer)
    # when previewed
    response = preview_api(office_client, buffer.getvalue(), round=plan_units.round.pk)
    # then the unnamed column is listed as not imported, with a warning that says why
    assert response.status_code == 200, response.json()
    body = response.json()
    assert ignored(body) == {"A": "序号", "E": "责任单位（第2列）"}
    reasons = {c["column"]: c["reason"] for c in body["ignored_columns"]}
    assert "配合单位" in reasons["E"]
    assert any("E列" in w["message"] and "未导入" in w["message"] for w in body["warnings"])


# -- every column used or listed ------------------------------------------------------------


def test_columns_not_imported_are_listed_in_api_and_page(plan_units, office_client):
    data = office_plan()
    body = preview_api(office_client, data, round=plan_units.round.pk).json()
    # 序号, 职务 and 联系电话 are read but not imported; every other column is used
    assert ignored(body) == {"A": "序号", "K": "责任人/职务", "L": "责任人/联系电话"}
    page = office_client.post(
        "/imports/", {"file": upload(data), "mode": "existing", "round": plan_units.round.pk}
    )
    html = page.content.decode()
    assert "未导入的列" in html and "责任人/职务" in html


def test_unknown_and_unnamed_columns_with_data_are_listed(plan_units, office_client):
    # given a one-row header with a column we do not know and one with data but no name
    wb = Workbook()
    ws = wb.active
    ws.append(["附件1"])
    ws.append([TITLE])
    ws.append(["序号", "具体问题", "整改时限", "牵头单位", "问题类型", None])
    ws.append([1, "餐饮油烟扰民", "2020年6月底前", "东城区政府", "大气", "已约谈"])
    buffer = BytesIO()
    wb.save(buffer)
    body = preview_api(office_client, buffer.getvalue(), round=plan_units.round.pk).json()
    assert ignored(body) == {"A": "序号", "E": "问题类型", "F": "（无列名）"}
    assert body["ignored_headers"] == ["问题类型"]


# -- rows below the table -------------------------------------------------------------------


def test_notes_and_signatures_below_the_table_are_skipped_and_listed(plan_units, office_client):
    # given the plan with notes, 填报人/审核人/联系电话, a seal line and a date under the table
    response = preview_api(office_client, office_plan(), round=plan_units.round.pk)
    # then they are no 具体问题为空 error but rows listed as ignored
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [r["row"] for r in body["ignored_rows"]] == [10, 11, 12, 13, 14]
    assert body["ignored_rows"][0]["text"].startswith("注：1.本表由各牵头单位填报")
    assert "填报人：王五" in body["ignored_rows"][2]["text"]
    page = office_client.post(
        "/imports/",
        {"file": upload(office_plan()), "mode": "existing", "round": plan_units.round.pk},
    )
    html = page.content.decode()
    assert "已忽略的表尾行" in html and "审核人：赵六" in html


def test_single_row_header_with_note_row_imports(plan_units, office_client):
    # given a 公示表 with a "注：" row and a "备注：" row after the data, in the problem column
    wb = Workbook()
    ws = wb.active
    ws.append([TITLE])
    ws.append(["序号", "反馈问题（整改任务）", "整改时限", "责任单位"])
    ws.append([1, "城区餐饮油烟扰民", "2020年6月底前", "东城区政府牵头，市生态环境局配合"])
    ws.append([None, "注：整改时限为最终完成时限。"])
    ws.append([None, "备注：本表随整改方案一并公开"])
    ws.append(["制表：市环督办", None, "2020年3月"])
    buffer = BytesIO()
    wb.save(buffer)
    body = import_api(office_client, buffer.getvalue(), round=plan_units.round.pk)
    assert [r["row"] for r in body["ignored_rows"]] == [4, 5, 6]
    assert Task.objects.filter(problem__title="城区餐饮油烟扰民").count() == 1


def test_a_footer_like_row_inside_the_table_is_not_swallowed(plan_units, office_client):
    # given a data row that merely mentions 联系电话 in its problem text, then real data
    wb = Workbook()
    ws = wb.active
    ws.append(["具体问题", "整改时限", "牵头单位"])
    ws.append(["联系电话公开不到位", "2020年6月底前", "东城区政府"])
    ws.append(["举报电话无人接听", "2020年6月底前", "西城区政府"])
    buffer = BytesIO()
    wb.save(buffer)
    body = import_api(office_client, buffer.getvalue(), round=plan_units.round.pk)
    assert body["counts"]["tasks"] == 2 and body["ignored_rows"] == []


# -- smaller things offices write ----------------------------------------------------------


def test_line_breaks_in_titles_become_one_space(plan_units, office_client):
    rows = plan_rows()[:1]
    rows[0][1] = "城区部分排口\n生活污水\r\n直排清溪河\u2028（东城区段）"
    import_api(office_client, office_plan(rows), round=plan_units.round.pk)
    problem = Problem.objects.get(round=plan_units.round, title__startswith="城区部分排口")
    assert problem.title == "城区部分排口 生活污水 直排清溪河 （东城区段）"
    task = problem.tasks.get()
    assert task.name == problem.title
    # measures keep their lines
    assert task.measures == "1.截污纳管；\n2.封堵排口"


def point_table(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["附件3"])
    ws.append(["示范市长江经济带生态环境警示片披露问题点位整改台账"])
    ws.merge_cells("A2:H2")
    ws.append(
        [
            "问题编号",
            "具体问题",
            "点位名称",
            "所在区县",
            "乡镇（街道）",
            "整改措施",
            "整改时限",
            "牵头单位",
        ]
    )
    for row in rows:
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_point_table_problem_does_not_take_its_first_points_measures(plan_units, office_client):
    problem = "示范江城区段排口污水直排"
    data = point_table(
        [
            [
                "JSP-1",
                problem,
                "滨江路1#排口",
                "东城区",
                "东风街道",
                "截污纳管",
                "2020年6月",
                "东城区政府",
            ],
            [
                "JSP-1",
                problem,
                "码头街排口",
                "东城区",
                "东风街道",
                "雨污分流",
                "2020年12月",
                "东城区政府",
            ],
            ["JSP-1", problem, "江岸4#排口", "西城区", "江岸镇", "封堵", "2020年3月", "西城区政府"],
        ]
    )
    import_api(office_client, data, round=plan_units.round.pk)
    found = Problem.objects.get(round=plan_units.round, code="JSP-1")
    assert found.measures == ""
    assert list(found.tasks.order_by("seq").values_list("name", "measures")) == [
        ("滨江路1#排口", "截污纳管"),
        ("码头街排口", "雨污分流"),
        ("江岸4#排口", "封堵"),
    ]


def test_point_table_shared_measures_stay_with_the_problem(plan_units, office_client):
    problem = "示范江城区段排口污水直排"
    data = point_table(
        [
            ["JSP-2", problem, "1#排口", "东城区", None, "截污纳管", "2020年6月", "东城区政府"],
            ["JSP-2", problem, "2#排口", "东城区", None, "截污纳管", "2020年6月", "东城区政府"],
        ]
    )
    import_api(office_client, data, round=plan_units.round.pk)
    assert Problem.objects.get(round=plan_units.round, code="JSP-2").measures == "截污纳管"


def test_township_column_is_stored_in_the_address(plan_units, office_client):
    data = point_table(
        [
            [
                "JSP-3",
                "排口直排",
                "滨江路1#排口",
                "东城区",
                "东风街道",
                "截污",
                "2020年6月",
                "东城区政府",
            ],
            ["JSP-3", "排口直排", None, "西城区", "江岸镇", "截污", "2020年6月", "西城区政府"],
        ]
    )
    body = import_api(office_client, data, round=plan_units.round.pk)
    assert "E" not in ignored(body)
    tasks = list(Task.objects.filter(problem__code="JSP-3").order_by("seq"))
    assert [t.address for t in tasks] == ["东风街道", "江岸镇"]
    assert tasks[0].name == "滨江路1#排口"
    assert tasks[1].name == "排口直排（江岸镇）"


def test_township_synonyms_are_recognised():
    for header in ("乡镇", "街道", "所在乡镇", "乡镇（街道）", "乡镇(街道)"):
        wb = Workbook()
        ws = wb.active
        ws.append(["具体问题", "整改时限", "牵头单位", header])
        ws.append(["问题", "2020年6月", "东城区政府", "东风镇"])
        buffer = BytesIO()
        wb.save(buffer)
        assert read_workbook(buffer.getvalue()).rows[0].values["township"] == "东风镇", header


# -- a database error at commit ------------------------------------------------------------


def test_database_refusal_at_commit_names_what_failed(plan_units, office_client, monkeypatch):
    # given a plan that previews cleanly
    preview = preview_api(office_client, office_plan(), round=plan_units.round.pk)
    assert preview.status_code == 200
    # when the database refuses the tasks (written in bulk) for a reason other than a
    # duplicate code
    real_bulk_create = Task.objects.bulk_create

    def refused(tasks, *args, **kwargs):
        for task in tasks:
            task.progress_pct = 101
        return real_bulk_create(tasks, *args, **kwargs)

    monkeypatch.setattr(Task.objects, "bulk_create", refused)
    response = commit_api(office_client, preview.json()["sha256"], round=plan_units.round.pk)
    # then the message names the failed rule, and no duplicate is claimed (a bulk INSERT
    # names no row)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "重复" not in detail
    assert "task_progress_pct_range" in detail
    assert not Task.objects.filter(problem__title="城区部分排口生活污水直排清溪河").exists()


def test_database_error_outside_the_services_is_a_message_not_a_500(
    plan_units, office_client, monkeypatch
):
    from django.db import OperationalError

    preview = preview_api(office_client, office_plan(), round=plan_units.round.pk)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Assignment.objects, "bulk_create", locked)
    response = commit_api(office_client, preview.json()["sha256"], round=plan_units.round.pk)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "未导入任何数据" in detail and "database is locked" in detail
    assert "重复" not in detail


# -- the reader on its own: more header and footer shapes ----------------------------------


def sheet_of(build) -> bytes:
    wb = Workbook()
    build(wb.active)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_column_number_row_and_signer_above_the_date_are_not_data():
    def build(ws):
        ws.append(["附件1"])
        ws.append(["序号", "具体问题", "整改时限", "牵头单位"])
        ws.append([1, 2, 3, 4])
        ws.append([1, "问题一", "2020年底前", "东城区政府"])
        ws.append(["示范市生态环境保护督察整改工作领导小组办公室"])
        ws.append(["2020年3月10日"])

    sheet = read_workbook(sheet_of(build))
    assert [r.number for r in sheet.rows] == [4]
    assert [r.row for r in sheet.ignored_rows] == [3, 5, 6]
    assert sheet.ignored_rows[0].text.startswith("列序号行")


def test_a_last_row_holding_only_a_month_is_still_data():
    # a task row whose other cells are merged from above: only its deadline is typed
    def build(ws):
        ws.append(["具体问题", "点位名称", "整改时限", "牵头单位"])
        ws.append(["排口直排", "1#排口", "2020年6月", "东城区政府"])
        ws.append([None, "2#排口", "2020年12月", None])
        ws.merge_cells("A2:A3")
        ws.merge_cells("D2:D3")

    sheet = read_workbook(sheet_of(build))
    assert [r.number for r in sheet.rows] == [2, 3] and sheet.ignored_rows == []


def test_tall_header_merged_over_two_rows_has_no_data_row_inside():
    def build(ws):
        ws.append(["序号", "问题", "整改时限", "牵头单位"])
        ws.append([None, None, None, None])
        for letter in "ABCD":
            ws.merge_cells(f"{letter}1:{letter}2")
        ws.append([1, "问题一", "2020年底前", "东城区政府"])

    sheet = read_workbook(sheet_of(build))
    assert (sheet.header_row, sheet.header_last_row) == (1, 2)
    assert [r.number for r in sheet.rows] == [3]


def test_short_sub_headers_under_an_unmerged_parent():
    def build(ws):
        ws.append(["序号", "问题", "责任单位", None, None, "整改时限"])
        ws.append([None, None, "牵头", "配合", "属地", None])
        ws.append([1, "问题一", "市住建局", "市生态环境局", "东城区政府", "2020年底前"])

    sheet = read_workbook(sheet_of(build))
    assert sheet.headers["lead"] == "责任单位/牵头"
    assert sheet.headers["coop"] == "责任单位/配合"
    assert sheet.headers["territorial"] == "责任单位/属地"
    assert sheet.rows[0].values["coop"] == "市生态环境局"


def test_stage_goal_is_listed_not_taken_for_a_deadline():
    # 整改目标 split into 阶段目标 | 最终目标: the stage goal is no deadline; it is listed
    def build(ws):
        ws.append(["具体问题", "整改目标", None, "整改时限", "牵头单位"])
        ws.append([None, "阶段目标", "最终目标", None, None])
        ws.merge_cells("B1:C1")
        for letter in "ADE":
            ws.merge_cells(f"{letter}1:{letter}2")
        ws.append(["问题一", "2020年完成主体工程", "稳定达标", "2021年底前", "东城区政府"])

    sheet = read_workbook(sheet_of(build))
    assert sheet.headers["goal"] == "整改目标/最终目标"
    assert "deadline_stage" not in sheet.headers
    assert [(c.column, c.header) for c in sheet.ignored_columns] == [("B", "整改目标/阶段目标")]


def test_unnumbered_problems_do_not_take_an_existing_problems_code(plan_units, office_client):
    # given the world's round already holds problem "4"; four unnumbered problems arrive
    import_api(office_client, office_plan(), round=plan_units.round.pk)
    codes = list(
        Problem.objects.filter(round=plan_units.round).order_by("seq").values_list("code", "title")
    )
    assert len({code for code, _title in codes}) == len(codes) == 5
    assert ("4", "城区沿河排口生活污水直排") in codes


def test_section_heading_under_a_merged_header_cell_stays_a_heading():
    # 序号 drawn across two narrow columns; the first row below is the section "一、…"
    def build(ws):
        ws.append(["序号", None, "具体问题", "整改时限", "牵头单位"])
        ws.merge_cells("A1:B1")
        ws.append(["一、水环境"])
        ws.append([1, None, "问题一", "2020年底前", "东城区政府"])

    sheet = read_workbook(sheet_of(build))
    assert (sheet.header_row, sheet.header_last_row) == (1, 1)
    assert [(r.number, r.lone_text) for r in sheet.rows] == [(2, "一、水环境"), (3, None)]
