"""The monthly dispatch report: frozen figures, ranking, deltas, notices, page and workbook."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from rectification.choices import TaskStatus, WarningLevel, WarningReason
from rectification.jobs import dispatch
from rectification.models import DispatchReport, Notification, Warning
from tests.jobs.conftest import put

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEB_1 = date(2020, 2, 1)


def _report():
    return DispatchReport.objects.get()


def test_january_report_counts_as_of_the_month_end(jobs_world):
    # given: 东城区 task closed on Jan 31 at 23:59:59, 西城区 task closed Feb 1 at 00:00:00
    put(
        jobs_world.task,
        status=TaskStatus.CLOSED,
        progress_pct=100,
        closed_at=datetime(2020, 1, 31, 23, 59, 59, tzinfo=SHANGHAI),
    )
    put(
        jobs_world.other_task,
        status=TaskStatus.CLOSED,
        progress_pct=100,
        closed_at=datetime(2020, 2, 1, 0, 0, 0, tzinfo=SHANGHAI),
    )
    # when the job runs on the 1st
    result = dispatch.run(FEB_1)
    # then one report for 示范市, January, with one closed and one still in public notice
    assert (result.created, result.month) == (1, date(2020, 1, 1))
    report = _report()
    assert (report.region, report.month, report.as_of) == (
        jobs_world.city,
        date(2020, 1, 1),
        date(2020, 1, 31),
    )
    h = report.figures["headline"]
    assert (h["total"], h["closed"], h["publicizing"], h["completion_rate"]) == (2, 1, 1, 50.0)
    ranking = [(u["rank"], u["name"]) for u in report.figures["units"]]
    assert ranking == [(1, "东城区政府"), (2, "西城区政府")]


def test_overdue_and_red_lists_and_ranking(jobs_world):
    # given 西城区 overdue since Jan 10 and red in January; 东城区 on schedule, yellow on Jan 5
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=60)
    put(
        jobs_world.other_task,
        status=TaskStatus.IN_PROGRESS,
        progress_pct=40,
        deadline=date(2020, 1, 10),
    )
    Warning.objects.create(
        task=jobs_world.other_task,
        level=WarningLevel.RED,
        reason=WarningReason.OVERDUE,
        day=date(2020, 1, 11),
    )
    Warning.objects.create(
        task=jobs_world.task,
        level=WarningLevel.YELLOW,
        reason=WarningReason.BEHIND,
        day=date(2020, 1, 5),
    )
    Warning.objects.create(
        task=jobs_world.task,
        level=WarningLevel.RED,  # February: not counted
        reason=WarningReason.MEDIA,
        day=date(2020, 2, 1),
        auto=False,
    )
    dispatch.run(FEB_1)
    f = _report().figures
    assert (f["headline"]["overdue"], f["headline"]["red"], f["headline"]["yellow"]) == (1, 1, 1)
    assert [(t["code"], t["overdue_days"], t["lead_unit"]) for t in f["overdue_tasks"]] == [
        ("SD-4-2", 21, "西城区政府")
    ]
    assert [(t["code"], t["reasons"]) for t in f["red_tasks"]] == [("SD-4-2", "逾期未完成")]
    assert [(u["rank"], u["name"], u["overdue"]) for u in f["units"]] == [
        (1, "东城区政府", 0),
        (2, "西城区政府", 1),
    ]
    assert [(c["name"], c["total"]) for c in f["counties"]] == [("东城区", 1), ("西城区", 1)]


def test_twice_or_after_a_crash_makes_one_report_and_notifies_once(jobs_world, monkeypatch):
    # given a crash after the report was stored but before its notices were written
    real = dispatch.notify_report
    monkeypatch.setattr(dispatch, "notify_report", lambda report: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        dispatch.run(FEB_1)
    monkeypatch.setattr(dispatch, "notify_report", real)
    # when it runs again, twice
    second = dispatch.run(FEB_1)
    third = dispatch.run(FEB_1)
    # then still one report, and one notice per office/leader user and channel
    assert DispatchReport.objects.count() == 1
    assert (second.created, second.existing, third.existing) == (0, 1, 1)
    rows = set(Notification.objects.values_list("recipient__username", "channel"))
    assert rows == {("office", "INAPP"), ("office", "MAIL"), ("leader", "INAPP")}
    assert Notification.objects.count() == 3


def test_february_compares_with_january(jobs_world):
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=60)
    put(jobs_world.other_task, status=TaskStatus.IN_PROGRESS, progress_pct=60)
    dispatch.run(FEB_1)
    put(
        jobs_world.task,
        status=TaskStatus.CLOSED,
        progress_pct=100,
        closed_at=datetime(2020, 2, 20, 10, tzinfo=SHANGHAI),
    )
    dispatch.run(date(2020, 3, 1))
    feb = DispatchReport.objects.get(month=date(2020, 2, 1)).figures
    assert feb["previous"]["month"] == "2020-01"
    assert feb["previous"]["headline"]["closed"] == 1
    assert feb["previous"]["headline"]["completion_rate"] == 50.0
    dc = str(jobs_world.dc_gov.pk)
    assert feb["previous"]["units"][dc] == {"rank": 0, "completion_rate": 100.0, "closed": 1}


def test_the_stored_report_does_not_change_afterwards(jobs_world):
    dispatch.run(FEB_1)
    before = _report().figures
    put(
        jobs_world.task,
        status=TaskStatus.CLOSED,
        progress_pct=100,
        closed_at=datetime(2020, 1, 3, tzinfo=SHANGHAI),
    )
    dispatch.run(FEB_1)
    assert _report().figures == before


# ---------------------------------------------------------------------------------------------
# Pages and the workbook


@pytest.fixture
def report(jobs_world):
    dispatch.run(FEB_1)
    return _report()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("office", 200),
        ("leader", 200),
        ("admin", 200),
        ("reporter", 403),
        ("unit_head", 403),
        ("coop_reporter", 403),
    ],
)
def test_who_may_read_the_report(client, jobs_world, report, persona, expected):
    client.force_login(getattr(jobs_world, persona))
    for url in ("/dispatch/", f"/dispatch/{report.pk}/", f"/dispatch/{report.pk}/xlsx/"):
        assert client.get(url).status_code == expected, url


def test_report_outside_the_readers_region_is_404(client, jobs_world, report):
    from accounts.choices import Role
    from tests.factories import UnitFactory, UserFactory

    county_office = UserFactory(
        username="dc_office", role=Role.OFFICE, unit=UnitFactory(region=jobs_world.dongcheng)
    )
    client.force_login(county_office)
    assert client.get(f"/dispatch/{report.pk}/").status_code == 404
    assert report.pk not in [r.pk for r in client.get("/dispatch/").context["reports"]]


def test_anonymous_is_sent_to_login(client, report):
    response = client.get(f"/dispatch/{report.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_report_page_shows_the_tables(client, jobs_world, report, django_assert_max_num_queries):
    client.force_login(jobs_world.leader)
    with django_assert_max_num_queries(8):
        response = client.get(f"/dispatch/{report.pk}/")
    html = response.content.decode()
    assert "示范市2020年1月生态环境保护督察整改调度通报" in html
    for title in ("总体情况", "分轮次整改情况", "分区县整改情况", "牵头单位排名", "逾期任务清单"):
        assert title in html


def test_workbook_is_print_ready_with_one_sheet_per_table(client, jobs_world, report):
    client.force_login(jobs_world.office)
    response = client.get(f"/dispatch/{report.pk}/xlsx/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == [
        "总体情况",
        "分轮次整改情况",
        "分区县整改情况",
        "牵头单位排名",
        "逾期任务清单",
        "红灯任务清单",
        "信访件办理情况（分批次）",
        "信访件办理情况（分区域）",
        "信访件办理情况（分承办单位）",
    ]
    ws = wb["牵头单位排名"]
    assert [c.value for c in ws[3]][:4] == ["排名", "牵头单位", "任务总数", "已销号"]
    assert [c.value for c in ws[4]][:2] == [1, "东城区政府"]
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$3"
        assert sheet.freeze_panes == "A4"


def test_formula_like_text_is_neutralised(client, jobs_world):
    from rectification import tally
    from rectification.models import Task

    Task.objects.filter(pk=jobs_world.task.pk).update(
        name='=HYPERLINK("http://x")', deadline=date(2020, 1, 2), original_deadline=date(2020, 1, 2)
    )
    tally.recount(jobs_world.task)
    dispatch.run(FEB_1)
    client.force_login(jobs_world.office)
    wb = load_workbook(BytesIO(client.get(f"/dispatch/{_report().pk}/xlsx/").content))
    assert wb["逾期任务清单"]["B4"].value == '\'=HYPERLINK("http://x")'


# ---------------------------------------------------------------------------------------------
# The demo city, January 2020


def test_demo_city_january_2020(demo_city):
    result = dispatch.run(FEB_1)
    # the city's 通报, and the provincial office's for its province (the same tasks)
    assert result.created == 2
    report = DispatchReport.objects.get(region__name="示范市")
    assert (
        DispatchReport.objects.get(region__name="示范省").figures["headline"]
        == (report.figures["headline"])
    )
    f = report.figures
    h = f["headline"]
    # Overdue counts the original deadline: SD-11-2, and SD-5-1 (2019-12-31, extended by the
    # office on 2020-01-21 after its deadline to 2020-04-30) — issue 11.
    assert (h["total"], h["closed"], h["publicizing"], h["in_review"], h["overdue"]) == (
        39,
        16,
        2,
        3,
        2,
    )
    # Cards shown in the month: 红灯 agrees with 逾期 (SD-11-2, and SD-5-1, red since the sweep
    # after its extension); SD-5-1's 黄牌 for the failed acceptance counts under 黄牌 too.
    assert (h["red"], h["yellow"], h["completion_rate"]) == (2, 2, 41.0)
    assert {r["code"]: (r["total"], r["closed"]) for r in f["rounds"]} == {
        "SD2019": (17, 7),
        "JSP2019": (15, 3),
        "JSP2018": (4, 4),
        "ZC2019": (3, 2),
    }
    assert [(c["name"], c["total"], c["closed"]) for c in f["counties"]] == [
        ("示范市", 4, 2),
        ("东城区", 10, 4),
        ("西城区", 8, 4),
        ("南江县", 8, 2),
        ("北山县", 7, 3),
        ("青林县", 2, 1),
    ]
    ranking = [(u["rank"], u["name"]) for u in f["units"]]
    assert ranking[:3] == [(1, "市委办"), (1, "市生态环境局"), (1, "西城区政府")]
    assert ranking[3:9] == [
        (4, "北山县政府"),
        # 南江县政府 has SD-5-1 overdue against its original deadline (ranked after 东城区政府).
        (5, "东城区政府"),
        (6, "南江县政府"),
        (7, "青林县政府"),
        (8, "市城管执法局"),
        (9, "市住建局"),
    ]
    assert [(t["code"], t["overdue_days"], t["extended"]) for t in f["overdue_tasks"]] == [
        ("SD-11-2", 31, False),
        ("SD-5-1", 31, True),
    ]
    # the red list names the same two tasks as the overdue list
    assert [(t["code"], t["reasons"]) for t in f["red_tasks"]] == [
        ("SD-11-2", "逾期未完成"),
        ("SD-5-1", "逾期未完成"),
    ]
    told = set(
        Notification.objects.filter(kind="dispatch_report").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"office", "leader", "province_office"}


def test_the_report_carries_the_petition_figures(jobs_world):
    from inspections.models import Petition

    # given two petitions of the first batch: one 办结 on time (属实), one still handled and
    # past its due date at the month's end, plus a third received after it
    common = {
        "round": jobs_world.round,
        "channel": "PHONE",
        "region": jobs_world.dongcheng,
        "content": "油烟扰民",
        "handling_unit": jobs_world.dc_gov,
        "assigned_at": date(2020, 1, 6),
        "due_date": date(2020, 1, 20),
    }
    Petition.objects.create(
        accept_no="XF-1",
        batch_no=1,
        received_at=date(2020, 1, 5),
        status="DONE",
        verify_result="TRUE",
        reported_on=date(2020, 1, 15),
        finished_on=date(2020, 1, 16),
        **common,
    )
    Petition.objects.create(
        accept_no="XF-2", batch_no=1, received_at=date(2020, 1, 5), status="HANDLING", **common
    )
    Petition.objects.create(
        accept_no="XF-3", batch_no=2, received_at=date(2020, 2, 3), status="HANDLING", **common
    )

    dispatch.run(FEB_1)

    # then January's report counts the first batch only
    figures = _report().figures
    assert figures["petition_batches"] == [
        {
            "name": "第1批",
            "assigned": 2,
            "handled": 1,
            "on_time_rate": 100.0,
            "true_rate": 100.0,
            "repeats": 0,
            "overdue": 1,
        }
    ]
    assert figures["petition_units"][0]["name"] == jobs_world.dc_gov.name
