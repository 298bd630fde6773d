"""Every 整改时限 wording offices write: the final deadline, its type, the milestones it
implies (a staged or multi-year deadline) and a warning wherever the reading is a guess."""

from datetime import date, datetime

import pytest

from exchange.plan_import.cells import parse_deadline
from inspections.choices import DeadlineType
from rectification.models import Milestone, Task
from tests.excel.test_import_layouts import commit_api, preview_api
from tests.excel.workbooks import recommended_workbook

DT, IM, ON = DeadlineType.DATED, DeadlineType.IMMEDIATE, DeadlineType.ONGOING
D = date


def ymd(text: str) -> date:
    return date.fromisoformat(text)


# (cell, final deadline, type, is_ongoing, milestone dates (the final stage included), warning?)
WORDINGS = [
    # plain dates, every separator
    ("2020-12-31", D(2020, 12, 31), DT, False, [], False),
    ("2020/12/31", D(2020, 12, 31), DT, False, [], False),
    ("2020.12.31", D(2020, 12, 31), DT, False, [], False),
    ("2020年12月31日", D(2020, 12, 31), DT, False, [], False),
    ("2020年12月31号前", D(2020, 12, 31), DT, False, [], False),
    ("2020-12-31 00:00:00", D(2020, 12, 31), DT, False, [], False),
    ("20201231", D(2020, 12, 31), DT, False, [], False),
    # month and year ends
    ("2020年12月底前", D(2020, 12, 31), DT, False, [], False),
    ("2020年12月底", D(2020, 12, 31), DT, False, [], False),
    ("2020年底前", D(2020, 12, 31), DT, False, [], False),
    ("2020年年底前完成", D(2020, 12, 31), DT, False, [], False),
    ("2020年末", D(2020, 12, 31), DT, False, [], False),
    ("2021年", D(2021, 12, 31), DT, False, [], False),
    ("2021年内完成", D(2021, 12, 31), DT, False, [], False),
    ("2021", D(2021, 12, 31), DT, False, [], False),
    ("2020.12", D(2020, 12, 31), DT, False, [], False),
    ("2020-12", D(2020, 12, 31), DT, False, [], False),
    ("2020/02", D(2020, 2, 29), DT, False, [], False),
    ("2020年6月", D(2020, 6, 30), DT, False, [], False),
    ("2020年6月份", D(2020, 6, 30), DT, False, [], False),
    ("2020年6月上旬", D(2020, 6, 10), DT, False, [], False),
    ("2020年6月中旬", D(2020, 6, 20), DT, False, [], False),
    ("2020年6月下旬", D(2020, 6, 30), DT, False, [], False),
    ("2020年上半年", D(2020, 6, 30), DT, False, [], False),
    ("2020年下半年", D(2020, 12, 31), DT, False, [], False),
    ("2020年第三季度", D(2020, 9, 30), DT, False, [], False),
    ("2020年三季度末", D(2020, 9, 30), DT, False, [], False),
    ("2020年第1季度", D(2020, 3, 31), DT, False, [], False),
    # Excel numbers and dates
    (2020.12, D(2020, 12, 31), DT, False, [], False),
    (2020.06, D(2020, 6, 30), DT, False, [], False),
    (2020.1, D(2020, 10, 31), DT, False, [], True),  # "2020.10" lost its zero, or January?
    (2021, D(2021, 12, 31), DT, False, [], False),
    (2021.0, D(2021, 12, 31), DT, False, [], False),
    (44196, D(2020, 12, 31), DT, False, [], False),
    (44196.0, D(2020, 12, 31), DT, False, [], False),
    (20201231, D(2020, 12, 31), DT, False, [], False),
    (datetime(2020, 6, 30, 0, 0), D(2020, 6, 30), DT, False, [], False),
    (date(2019, 12, 31), D(2019, 12, 31), DT, False, [], False),
    # ranges
    (
        "2020年至2022年",
        D(2022, 12, 31),
        DT,
        False,
        ["2020-12-31", "2021-12-31", "2022-12-31"],
        False,
    ),
    ("2020—2022年", D(2022, 12, 31), DT, False, ["2020-12-31", "2021-12-31", "2022-12-31"], False),
    ("2020-2022年", D(2022, 12, 31), DT, False, ["2020-12-31", "2021-12-31", "2022-12-31"], False),
    ("2020年-2021年底", D(2021, 12, 31), DT, False, ["2020-12-31", "2021-12-31"], False),
    ("2020～2021年", D(2021, 12, 31), DT, False, ["2020-12-31", "2021-12-31"], False),
    ("2020年6月至12月", D(2020, 12, 31), DT, False, [], False),
    ("2020年6月至2021年6月", D(2021, 6, 30), DT, False, [], False),
    # staged
    (
        "2020年12月底前（阶段性目标），2022年底前全面完成",
        D(2022, 12, 31),
        DT,
        False,
        ["2020-12-31", "2022-12-31"],
        False,
    ),
    (
        "2020年底前完成排查，2021年6月底前全面完成",
        D(2021, 6, 30),
        DT,
        False,
        ["2020-12-31", "2021-06-30"],
        False,
    ),
    (
        "2020年6月底前完成方案；2020年12月底前完成主体工程；2021年6月底前通过验收",
        D(2021, 6, 30),
        DT,
        False,
        ["2020-06-30", "2020-12-31", "2021-06-30"],
        False,
    ),
    # a later stage written without its year: the year before it is assumed, with a warning
    (
        "2020年6月底前完成方案，12月底前完工",
        D(2020, 12, 31),
        DT,
        False,
        ["2020-06-30", "2020-12-31"],
        True,
    ),
    # stages out of order: the latest date is the final one, with a warning
    (
        "2021年底前全面完成，2020年6月底前完成阶段性目标",
        D(2021, 12, 31),
        DT,
        False,
        ["2020-06-30", "2021-12-31"],
        True,
    ),
    # words
    ("立行立改", None, IM, False, [], False),
    ("立即整改", None, IM, False, [], False),
    ("即知即改", None, IM, False, [], False),
    ("长期坚持", None, ON, True, [], False),
    ("持续整改", None, ON, True, [], False),
    ("常态化", None, ON, True, [], False),
    ("常态化推进", None, ON, True, [], False),
    ("持续推进", None, ON, True, [], False),
    ("2020年底前完成长期未处置的积存垃圾清理", D(2020, 12, 31), DT, False, [], False),
    ("立行立改，长期坚持", None, IM, True, [], False),
    ("立即整改并长期坚持", None, IM, True, [], False),
    ("2020年底前完成，长期坚持", D(2020, 12, 31), DT, True, [], False),
    ("2020年12月底前完成，持续整改", D(2020, 12, 31), DT, True, [], False),
    ("立行立改（2019-10-31）", D(2019, 10, 31), IM, False, [], False),
    ("长期坚持（2019-12-31）", D(2019, 12, 31), ON, True, [], False),
    (
        "2020年底前完成整治，2022年底前全面完成，长期坚持",
        D(2022, 12, 31),
        DT,
        True,
        ["2020-12-31", "2022-12-31"],
        False,
    ),
]


@pytest.mark.parametrize(
    ("cell", "final", "kind", "ongoing", "milestones", "warns"),
    WORDINGS,
    ids=[str(w[0]) for w in WORDINGS],
)
def test_every_deadline_wording(cell, final, kind, ongoing, milestones, warns):
    # when
    parsed = parse_deadline(cell)
    # then
    assert (parsed.deadline, parsed.deadline_type, parsed.is_ongoing) == (final, kind, ongoing)
    assert [m.date for m in parsed.milestones] == [ymd(m) for m in milestones]
    assert bool(parsed.warnings) == warns, parsed.warnings
    if milestones:
        assert parsed.milestones[-1].date == parsed.deadline


def test_the_table_covers_at_least_forty_wordings():
    assert len(WORDINGS) >= 40


def test_staged_text_names_each_milestone():
    parsed = parse_deadline("2020年12月底前（阶段性目标），2022年底前全面完成")
    assert [(m.date, m.text) for m in parsed.milestones] == [
        (D(2020, 12, 31), "阶段性目标"),
        (D(2022, 12, 31), "全面完成"),
    ]


def test_year_range_names_each_year():
    parsed = parse_deadline("2020年至2022年")
    assert [m.text for m in parsed.milestones] == ["2020年度任务", "2021年度任务", "全面完成"]


def test_float_october_warning_says_what_was_assumed():
    parsed = parse_deadline(2020.1)
    assert "10月" in parsed.warnings[0] and "1月" in parsed.warnings[0]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("尽快", "尽快"),
        ("三季度", "三季度"),
        ("12月底前", "12月底前"),
        ("2020年13月", "月份"),
        (2020.13, "2020.13"),
        (12345, "12345"),
        ("限期整改", "限期整改"),
    ],
)
def test_unreadable_deadline_names_the_text(cell, reason):
    with pytest.raises(ValueError, match=reason):
        parse_deadline(cell)


# The stage column (阶段目标) beside the final deadline


def test_stage_column_dates_become_milestones():
    parsed = parse_deadline("2022年底前", stage="2020年底前完成50%，2021年底前完成80%")
    assert parsed.deadline == D(2022, 12, 31)
    assert [(m.date, m.text) for m in parsed.milestones] == [
        (D(2020, 12, 31), "完成50%"),
        (D(2021, 12, 31), "完成80%"),
        (D(2022, 12, 31), "全面完成"),
    ]
    assert parsed.warnings == ()


def test_stage_after_the_final_deadline_is_ignored_with_a_warning():
    parsed = parse_deadline("2020年底前", stage="2021年6月底前完成验收")
    assert parsed.deadline == D(2020, 12, 31)
    assert parsed.milestones == ()
    assert "晚于" in parsed.warnings[0]


def test_stage_without_its_year_takes_the_final_year_with_a_warning():
    parsed = parse_deadline("2020年底前", stage="三季度完成主体工程")
    assert [(m.date, m.text) for m in parsed.milestones] == [
        (D(2020, 9, 30), "完成主体工程"),
        (D(2020, 12, 31), "全面完成"),
    ]
    assert parsed.warnings == ("阶段目标：“三季度”未写年份，按2020年理解",)


@pytest.mark.parametrize("cell", [float("inf"), float("nan"), 1e20, True])
def test_odd_numbers_are_refused_in_chinese(cell):
    with pytest.raises(ValueError, match="无法识别的整改时限"):
        parse_deadline(cell)


def test_stage_without_a_date_is_a_warning():
    parsed = parse_deadline("2020年底前", stage="完成一半")
    assert parsed.milestones == ()
    assert "完成一半" in parsed.warnings[0]


# Through the import: preview shows milestones and warnings, commit creates the milestones


def _rows(*deadlines):
    return [
        dict(
            problem_code="5",
            problem="污水处理设施及配套管网建设滞后",
            point=f"点位{i}",
            county="东城区",
            lead="东城区政府",
            deadline=deadline,
        )
        for i, deadline in enumerate(deadlines, start=1)
    ]


@pytest.mark.django_db
def test_import_previews_and_commits_milestones_and_warnings(plan_units, office_client):
    # given a plan with a staged deadline, a year range and a float that may be October
    data = recommended_workbook(
        _rows("2020年12月底前（阶段性目标），2022年底前全面完成", "2020年至2022年", 2020.1)
    )
    # when the office previews it
    preview = preview_api(office_client, data, round=plan_units.round.pk)
    # then each task shows its final deadline and milestones, and the guess is a warning
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    tasks = {t["name"]: t for t in body["problems"][0]["tasks"]}
    assert tasks["点位1"]["deadline"] == "2022-12-31"
    assert tasks["点位1"]["milestones"] == [
        {"date": "2020-12-31", "text": "阶段性目标"},
        {"date": "2022-12-31", "text": "全面完成"},
    ]
    assert [m["date"] for m in tasks["点位2"]["milestones"]] == [
        "2020-12-31",
        "2021-12-31",
        "2022-12-31",
    ]
    assert tasks["点位3"]["deadline"] == "2020-10-31"
    assert tasks["点位3"]["warnings"] and tasks["点位1"]["warnings"] == []
    [warning] = body["warnings"]
    assert (warning["row"], warning["column"]) == (4, "整改时限")
    assert "10月" in warning["message"]
    # when it commits
    commit = commit_api(office_client, body["sha256"], round=plan_units.round.pk)
    assert commit.status_code == 201, commit.json()
    # then the milestones exist, made by the milestone service (with its events)
    staged = Task.objects.get(round=plan_units.round, name="点位1")
    assert staged.deadline == D(2022, 12, 31)
    assert list(staged.milestones.values_list("planned_date", "name")) == [
        (D(2020, 12, 31), "阶段性目标"),
        (D(2022, 12, 31), "全面完成"),
    ]
    assert staged.events.filter(verb="milestone_add").count() == 2
    assert Milestone.objects.filter(task__name="点位2", task__round=plan_units.round).count() == 3
    assert not Milestone.objects.filter(task__name="点位3").exists()


@pytest.mark.django_db
def test_import_page_lists_milestones_and_warnings(plan_units, office_client):
    from tests.excel.conftest import upload

    data = recommended_workbook(_rows("2020年至2021年", 2020.1))
    page = office_client.post(
        "/imports/", {"file": upload(data), "mode": "existing", "round": plan_units.round.pk}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "2020-12-31 2020年度任务" in html
    assert "第3行“整改时限”列" in html and "10月" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cell",
    ["2021年", "立即整改", "持续整改", "2020年至2022年", 2020.12, 44196],
)
def test_issue_wordings_import(plan_units, office_client, cell):
    # the wordings issue 12 found refused
    data = recommended_workbook(_rows(cell))
    preview = preview_api(office_client, data, round=plan_units.round.pk)
    assert preview.status_code == 200, preview.json()


@pytest.mark.django_db
def test_unparseable_deadline_is_a_row_error_naming_the_text(plan_units, office_client):
    data = recommended_workbook(_rows("尽快完成"))
    preview = preview_api(office_client, data, round=plan_units.round.pk)
    assert preview.status_code == 400
    [error] = preview.json()["errors"]
    assert (error["row"], error["column"]) == (2, "整改时限")
    assert "尽快完成" in error["message"]


@pytest.mark.django_db
def test_stage_column_delivered_by_the_reader_becomes_milestones(plan_units):
    # given a row whose 整改时限 has a 阶段目标 sub-column (read as "deadline_stage")
    from exchange.plan_import.reader import SheetData, SheetRow
    from exchange.plan_import.validator import Target, build_plan

    headers = {"problem": "具体问题", "point": "点位名称", "county": "所在区县"}
    headers |= {"lead": "牵头单位", "deadline": "最终时限"}
    values = {
        "problem": "污水处理设施及配套管网建设滞后",
        "point": "城北片区雨污分流管网",
        "county": "东城区",
        "lead": "东城区政府",
        "deadline": "2022年底前",
        "deadline_stage": "2020年底前完成主体工程，2023年完成验收",
    }
    sheet = SheetData("Sheet1", 2, headers, [], [SheetRow(3, values)])
    # when it is validated
    plan = build_plan(sheet, actor=plan_units.office, target=Target("existing", plan_units.round))
    # then the stage dates are milestones before the final deadline; the later one is a warning
    [task] = plan.tasks
    assert task.deadline.deadline == D(2022, 12, 31)
    assert [(m.date, m.text) for m in task.deadline.milestones] == [
        (D(2020, 12, 31), "完成主体工程"),
        (D(2022, 12, 31), "全面完成"),
    ]
    [warning] = plan.row_warnings
    assert (warning.row, warning.column) == (3, "阶段目标")
    assert "2023-12-31晚于最终时限" in warning.message
    assert task.warnings == [warning.message]
