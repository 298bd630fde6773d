"""审计导出 (/audit/, /api/v1/events/): the three event tables in one list, in the reader's
scope, filtered by object, actor and date; CSV and xlsx downloads, each in the access log."""

import csv
import io
from datetime import datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts import clock, services
from accounts.choices import AccessKind, Role, UnitKind
from accounts.events import EventVerb, record
from accounts.models import AccessRecord
from inspections.models import InspectionEvent
from rectification.models import Event
from tests.factories import UnitFactory, UserFactory
from tests.services.factories_extra import PetitionFactory

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2020, 2, day, hour))


@pytest.fixture
def events(world):
    """Events on both counties' tasks, on the round and a petition, and a password reset."""
    petition = PetitionFactory(
        round=world.round, accept_no="XF-001", region=world.dongcheng, handling_unit=world.dc_gov
    )
    far = PetitionFactory(
        round=world.round, accept_no="XF-002", region=world.xicheng, handling_unit=world.xc_gov
    )
    with clock.travel(_at(3)):
        record(
            Event,
            target=world.task,
            task=world.task,
            verb=EventVerb.REPORT,
            actor=world.reporter,
            note="东城排口已封堵",
        )
    with clock.travel(_at(5)):
        record(
            Event,
            target=world.other_task,
            task=world.other_task,
            verb=EventVerb.REPORT,
            actor=world.outsider,
            note='=HYPERLINK("http://evil")',
        )
    with clock.travel(_at(7)):
        record(
            InspectionEvent,
            target=world.round,
            verb=EventVerb.ROUND_EDIT,
            actor=world.office,
            note="修改反馈日期",
        )
        record(
            InspectionEvent,
            target=petition,
            verb=EventVerb.PETITION_ASSIGN,
            actor=world.office,
            note="交办东城区",
        )
        record(
            InspectionEvent,
            target=far,
            verb=EventVerb.PETITION_ASSIGN,
            actor=world.office,
            note="交办西城区",
        )
    with clock.travel(_at(9)):
        services.reset_password(user=world.reporter, by=world.office)
    return world


def _county_office(world):
    unit = UnitFactory(name="东城区环督办", kind=UnitKind.COORD_OFFICE, region=world.dongcheng)
    return UserFactory(username="dc_office", role=Role.OFFICE, unit=unit)


def _notes(response) -> list[str]:
    return [row.note for row in response.context["rows"]]


def test_the_office_sees_every_event_of_its_region_newest_first(events, login):
    response = login(events.office).get("/audit/")
    assert response.status_code == 200
    assert _notes(response) == [
        "临时密码，须在下次登录时修改",  # the password reset
        "交办西城区",
        "交办东城区",
        "修改反馈日期",
        '=HYPERLINK("http://evil")',
        "东城排口已封堵",
    ]
    assert response.context["total"] == 6
    sources = [row.source for row in response.context["rows"]]
    assert sources == ["account", "inspection", "inspection", "inspection", "task", "task"]


def test_a_county_office_sees_its_county_only(events, login):
    client = login(_county_office(events))
    notes = _notes(client.get("/audit/"))
    assert "东城排口已封堵" in notes and "交办东城区" in notes
    assert "交办西城区" not in notes
    assert '=HYPERLINK("http://evil")' not in notes
    # and its export holds the same rows
    lines = _csv(client.get("/audit/events.csv"))
    assert len(lines) == 1 + len(notes)
    assert not any("交办西城区" in line for line in lines)


@pytest.mark.parametrize("persona", ["leader", "coop_reporter", "unit_head"])
def test_leaders_and_units_are_refused_and_the_refusal_is_logged(events, login, persona):
    client = login(getattr(events, persona))
    for url in ("/audit/", "/audit/events.csv", "/audit/events.xlsx"):
        assert client.get(url).status_code == 403
    api = client.get("/api/v1/events/")
    assert api.status_code == 403
    assert api.json()["detail"] == "审计导出仅供环督办和系统管理员使用。"
    denied = AccessRecord.objects.filter(kind=AccessKind.DENIED, user=getattr(events, persona))
    assert denied.count() == 4
    assert not AccessRecord.objects.filter(kind=AccessKind.DOWNLOAD).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"task": "sd-4-1"}, ["东城排口已封堵"]),
        ({"petition": "XF-001"}, ["交办东城区"]),
        ({"actor": "outsider_user"}, []),
        ({"actor": "xc_reporter"}, ['=HYPERLINK("http://evil")']),
        (
            {"actor": "督办"},
            ["临时密码，须在下次登录时修改", "交办西城区", "交办东城区", "修改反馈日期"],
        ),
        (
            {"date_from": "2020-02-05", "date_to": "2020-02-07"},
            ["交办西城区", "交办东城区", "修改反馈日期", '=HYPERLINK("http://evil")'],
        ),
    ],
)
def test_filters(events, login, query, expected):
    response = login(events.office).get("/audit/", query)
    assert response.status_code == 200
    assert _notes(response) == expected


def test_the_round_filter_takes_the_round_its_tasks_and_petitions(events, login):
    response = login(events.office).get("/audit/", {"round": events.round.pk})
    assert _notes(response) == [
        "交办西城区",
        "交办东城区",
        "修改反馈日期",
        '=HYPERLINK("http://evil")',
        "东城排口已封堵",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2020-13-01"}, "请输入有效日期，格式为 YYYY-MM-DD。"),
        ({"date_from": "2020-02-09", "date_to": "2020-02-01"}, "起始日期不能晚于截止日期。"),
        ({"round": "999999"}, "所选督察轮次不存在或不在权限范围内。"),
    ],
)
def test_bad_filters_answer_in_chinese(events, login, query, message):
    client = login(events.office)
    for url in ("/audit/", "/audit/events.csv", "/audit/events.xlsx"):
        response = client.get(url, query)
        assert response.status_code == 400
        assert message in response.content.decode()
    api = client.get("/api/v1/events/", query)
    assert api.status_code == 400
    assert message in api.json()["errors"]
    assert not AccessRecord.objects.filter(kind=AccessKind.DOWNLOAD).exists()


def _csv(response) -> list[str]:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_the_csv_holds_the_rows_with_formulas_neutralised_and_is_logged(events, login):
    response = login(events.office).get("/audit/events.csv", {"task": "SD-4-2"})
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO("\n".join(_csv(response)))))
    assert rows[0] == [
        "时间",
        "类别",
        "对象",
        "动作",
        "原状态",
        "新状态",
        "操作人",
        "说明",
        "变更内容",
    ]
    assert rows[1][1:4] == ["整改任务", "SD-4-2 清溪河西城区段3#排口", "报送进展"]
    assert rows[1][7] == '\'=HYPERLINK("http://evil")'
    [download] = AccessRecord.objects.filter(kind=AccessKind.DOWNLOAD)
    assert (download.user, download.path) == (events.office, "/audit/events.csv")
    assert download.detail.startswith("审计导出-") and download.detail.endswith(".csv")


def test_the_xlsx_holds_the_rows_with_formulas_neutralised_and_is_logged(events, login):
    response = login(events.admin).get("/audit/events.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][-1] == "变更内容"
    assert len(values) == 1 + 6
    notes = [row[7] for row in values[1:]]
    assert '\'=HYPERLINK("http://evil")' in notes
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert AccessRecord.objects.filter(
        kind=AccessKind.DOWNLOAD, user=events.admin, path="/audit/events.xlsx"
    ).exists()


def test_a_changes_attribute_fills_the_column(events):
    from exchange import audit

    event = Event.objects.get(note="东城排口已封堵")
    event.changes = {"deadline": ["2020-06-30", "2020-12-31"]}
    row = audit._task_row(event)
    assert row.changes == '{"deadline": ["2020-06-30", "2020-12-31"]}'
    assert audit._task_row(Event.objects.get(note="东城排口已封堵")).changes == ""


def test_the_api_lists_pages_and_downloads(events, login):
    client = login(events.office)
    page = client.get("/api/v1/events/", {"limit": 2, "offset": 1})
    assert page.status_code == 200
    body = page.json()
    assert body["count"] == 6
    assert [r["note"] for r in body["results"]] == ["交办西城区", "交办东城区"]
    assert body["results"][0]["source"] == "inspection"
    assert client.get("/api/v1/events/", {"limit": 0}).status_code == 400
    assert client.get("/api/v1/events/", {"file": "pdf"}).status_code == 400
    download = client.get("/api/v1/events/", {"file": "csv", "task": "SD-4-1"})
    lines = _csv(download)
    assert len(lines) == 2 and "东城排口已封堵" in lines[1]
    assert AccessRecord.objects.filter(
        kind=AccessKind.DOWNLOAD, path="/api/v1/events/", user=events.office
    ).exists()


def test_the_profile_links_the_office_to_the_page(events, login):
    assert 'data-testid="profile-audit"' in login(events.office).get("/me/").content.decode()
    assert 'data-testid="profile-audit"' not in login(events.leader).get("/me/").content.decode()
