"""Unknown units get suggestions (renames after institutional reform, containment, closeness)
and the office resolves them from the error list: "使用此单位" for this file, "创建别名" for
good, or a new unit in its region; each change to the unit table is an event."""

import pytest

from accounts.choices import RegionLevel, Role, UnitKind
from accounts.events import EventVerb
from accounts.models import Unit
from inspections.models import InspectionEvent
from rectification.models import Task
from tests.excel.conftest import upload
from tests.excel.test_group_units import forms_of, submit
from tests.excel.workbooks import recommended_workbook
from tests.factories import RegionFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(plan_units):
    """The departments whose former names real plans still use."""
    w = plan_units
    w.chengguan = UnitFactory(
        name="示范市城市管理综合执法局",
        short_name="市城管执法局",
        kind=UnitKind.DEPT,
        region=w.city,
    )
    w.park = UnitFactory(
        name="示范化工园区管理委员会",
        short_name="示范化工园区管委会",
        kind=UnitKind.PARK,
        region=w.city,
    )
    w.natural = UnitFactory(
        name="示范市自然资源和规划局",
        short_name="市自然资源规划局",
        kind=UnitKind.DEPT,
        region=w.city,
    )
    return w


def rows(lead: str, coop: str = "") -> list[dict]:
    return [
        dict(
            problem_code="12",
            problem="化工园区环境风险防控体系不健全",
            point="示范化工园区",
            lead=lead,
            coop=coop,
            deadline="2020年6月底前",
        )
    ]


def preview(client, data, **fields):
    return client.post(
        "/api/v1/imports/preview/",
        {"file": upload(data), "mode": "existing", **fields},
    )


def suggestions_of(response) -> dict[str, list[tuple[str, str]]]:
    """unknown name → [(suggested unit, reason)] from an API refusal."""
    return {
        e["unit_name"]: [(s["name"], s["reason"]) for s in e["suggestions"]]
        for e in response.json()["errors"]
        if "unit_name" in e
    }


@pytest.mark.parametrize(
    ("written", "meant", "reason"),
    [
        ("市环保局", "市生态环境局", "机构改革后更名"),
        ("市环境保护局", "市生态环境局", "机构改革后更名"),
        ("市城市管理局", "市城管执法局", "机构改革后更名"),
        ("市城管局", "市城管执法局", "机构改革后更名"),
        ("市国土资源局", "市自然资源规划局", "机构改革后更名"),
        ("市规划局", "市自然资源规划局", "机构改革后更名"),
        ("化工园区", "示范化工园区管委会", "名称包含"),
        ("市住建委", "市住建局", "机构改革后更名"),
        ("示范市住房与城乡建设局", "市住建局", "名称相近"),
    ],
)
def test_unknown_unit_error_names_the_unit_it_probably_means(
    units, office_client, written, meant, reason
):
    # given a plan naming a unit by its former or a shortened name
    response = preview(office_client, recommended_workbook(rows(written)), round=units.round.pk)
    # then the row error suggests the unit, with why
    assert response.status_code == 400
    error = next(e for e in response.json()["errors"] if e.get("unit_name") == written)
    assert f"是否为：{meant}" in error["message"]
    assert (meant, reason) == next(
        (s["name"], s["reason"]) for s in error["suggestions"] if s["name"] == meant
    )
    # and the refusal keeps the file, so the office can re-preview with a mapping
    assert len(response.json()["sha256"]) == 64


def test_an_unrelated_name_gets_no_suggestion(units, office_client):
    response = preview(office_client, recommended_workbook(rows("省档案馆")), round=units.round.pk)
    assert suggestions_of(response) == {"省档案馆": []}
    assert "是否为" not in response.json()["errors"][0]["message"]


def test_api_unit_map_resolves_names_for_this_file_only(units, office_client):
    data = recommended_workbook(rows("化工园区", "市环保局"))
    refused = preview(office_client, data, round=units.round.pk)
    assert set(suggestions_of(refused)) == {"化工园区", "市环保局"}
    sha256 = refused.json()["sha256"]
    # when the office maps both names and previews the kept file again (no upload)
    unit_map = {"化工园区": units.park.pk, "市环保局": units.eco.pk}
    again = office_client.post(
        "/api/v1/imports/preview/",
        {"sha256": sha256, "mode": "existing", "round": units.round.pk, "unit_map": unit_map},
        content_type="application/json",
    )
    assert again.status_code == 200, again.json()
    task = again.json()["problems"][0]["tasks"][0]
    assert task["units"] == ["示范化工园区管委会（牵头单位）", "市生态环境局（配合单位）"]
    done = office_client.post(
        "/api/v1/imports/commit/",
        {
            "sha256": sha256,
            "mode": "existing",
            "round": units.round.pk,
            "unit_map": unit_map,
            "fingerprint": again.json()["fingerprint"],
        },
        content_type="application/json",
    )
    assert done.status_code == 201, done.json()
    assert Task.objects.get(name="示范化工园区").lead_unit == units.park
    # the mapping was for that file only: no alias was added
    assert "化工园区" not in Unit.objects.get(pk=units.park.pk).alias_list()


def _page_with_errors(client, w, lead="市环保局", coop=""):
    page = client.post(
        "/imports/",
        {
            "file": upload(recommended_workbook(rows(lead, coop))),
            "mode": "existing",
            "round": w.round.pk,
        },
    )
    assert page.status_code == 400
    return page


def test_use_this_unit_on_the_error_page_previews_again_and_commits(units, office_client):
    # given the error page for "市环保局"
    page = _page_with_errors(office_client, units)
    html = page.content.decode()
    assert "是否为：<strong>市生态环境局</strong>？" in html
    use = next(
        f
        for f in forms_of(page)
        if f["action"] == "/imports/repreview/" and ("action", "use") in f["buttons"]
    )
    assert ("unit_map", f"{units.eco.pk}:市环保局") in use["fields"]
    # when the office clicks "使用此单位"
    preview_page = submit(office_client, use)
    # then the preview shows the unit, and its commit form carries the mapping
    assert preview_page.status_code == 200, preview_page.content.decode()[:3000]
    (task,) = preview_page.context["plan"].tasks
    assert task.units[0].unit == units.eco
    (commit_form,) = [f for f in forms_of(preview_page) if f["action"] == "/imports/commit/"]
    assert submit(office_client, commit_form).status_code == 302
    assert Task.objects.get(name="示范化工园区").lead_unit == units.eco
    assert "市环保局" not in Unit.objects.get(pk=units.eco.pk).alias_list()


def test_create_alias_on_the_error_page_is_an_event_and_lasts(units, office_client):
    page = _page_with_errors(office_client, units, lead="市城市管理局")
    alias = next(f for f in forms_of(page) if f["action"] == "/imports/unit-alias/")
    assert ("alias", "市城市管理局") in alias["fields"]
    # when the office clicks "创建别名"
    result = submit(office_client, alias)
    # then the alias is kept, an event records it, and the file previews cleanly
    assert result.status_code == 200, result.content.decode()[:3000]
    assert "市城市管理局" in Unit.objects.get(pk=units.chengguan.pk).alias_list()
    event = InspectionEvent.objects.get(verb=EventVerb.UNIT_ALIAS)
    assert event.actor == units.office and event.target == units.chengguan
    assert "市城市管理局" in event.note
    assert result.context["plan"].tasks[0].units[0].unit == units.chengguan


def test_create_unit_on_the_error_page_in_the_round_region(units, office_client):
    page = _page_with_errors(office_client, units, lead="市生态环境局", coop="市应急管理局")
    create = next(f for f in forms_of(page) if f["action"] == "/imports/unit-create/")
    assert create["selects"]["kind"] == "DEPT"
    assert "COORD_OFFICE" not in create["options"]["kind"]
    assert str(units.city.pk) in create["options"]["region"]
    assert str(units.province.pk) not in create["options"]["region"]
    result = submit(office_client, create, region=str(units.city.pk))
    assert result.status_code == 200, result.content.decode()[:3000]
    unit = Unit.objects.get(name="市应急管理局")
    assert (unit.kind, unit.region) == (UnitKind.DEPT, units.city)
    assert InspectionEvent.objects.filter(verb=EventVerb.UNIT_CREATE, target_id=unit.pk).exists()
    assert result.context["counts"]["assignments"] == 2


def test_a_county_office_may_alias_and_create_only_within_its_county(units, client):
    county_office = UserFactory(
        username="dc_office",
        role=Role.OFFICE,
        unit=UnitFactory(name="东城区环督办", kind=UnitKind.COORD_OFFICE, region=units.dongcheng),
    )
    client.force_login(county_office)
    alias = client.post(
        "/api/v1/imports/unit-alias/",
        {"unit": units.eco.pk, "alias": "市环保局"},
        content_type="application/json",
    )
    assert alias.status_code == 404
    create = client.post(
        "/api/v1/imports/units/",
        {"name": "示范市应急管理局", "kind": "DEPT", "region": units.city.pk},
        content_type="application/json",
    )
    assert create.status_code == 404
    own = client.post(
        "/api/v1/imports/units/",
        {"name": "东城区生态环境局", "kind": "DEPT", "region": units.dongcheng.pk},
        content_type="application/json",
    )
    assert own.status_code == 201, own.json()
    assert "市环保局" not in Unit.objects.get(pk=units.eco.pk).alias_list()
    assert not Unit.objects.filter(name="示范市应急管理局").exists()


@pytest.mark.parametrize("persona", ["reporter", "unit_head", "leader"])
def test_only_the_office_adds_units(units, client, persona):
    client.force_login(getattr(units, persona))
    response = client.post(
        "/api/v1/imports/unit-alias/",
        {"unit": units.eco.pk, "alias": "市环保局"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "市环保局" not in Unit.objects.get(pk=units.eco.pk).alias_list()


def test_an_alias_that_already_names_another_unit_is_refused(units, office_client):
    response = office_client.post(
        "/api/v1/imports/unit-alias/",
        {"unit": units.eco.pk, "alias": "市住建局"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "市住建局" in response.json()["detail"]
    assert not InspectionEvent.objects.filter(verb=EventVerb.UNIT_ALIAS).exists()


def test_a_short_name_shared_by_two_cities_means_the_round_city_s_unit(units, office_client):
    # given another city of the province whose department has the same short name
    other = RegionFactory(code="990200", name="邻市", level=RegionLevel.CITY, parent=units.province)
    UnitFactory(name="邻市生态环境局", short_name="市生态环境局", kind=UnitKind.DEPT, region=other)
    response = preview(
        office_client, recommended_workbook(rows("市生态环境局")), round=units.round.pk
    )
    # then the round's city's department is meant, not "对应多个单位"
    assert response.status_code == 200, response.json()
    assert response.json()["problems"][0]["tasks"][0]["lead_unit"] == "市生态环境局"
