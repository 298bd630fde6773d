"""Group units in real plans: "各县（市、区）人民政府", "各有关县区", "市直有关部门", "各相关单位".

A group expands against the round's region tree (the county-level regions under the round's
region and their governments); the office chooses per batch and per row whether it becomes one
task per county (default), one task with every county government as a territorial unit, or is
left out; the commit creates exactly what the preview showed.
"""

import re
from html.parser import HTMLParser

import pytest

from accounts.choices import RegionLevel, UnitKind
from exchange.plan_import.cells import parse_units, split_names
from rectification.choices import AssignmentRole
from rectification.models import Assignment, Task
from tests.excel.conftest import upload
from tests.excel.workbooks import recommended_workbook, workbook_bytes
from tests.factories import RegionFactory, UnitFactory

pytestmark = pytest.mark.django_db

COUNTIES = ["东城区", "西城区", "南江县", "北山县", "青林县"]
ALL_GOVS = ["东城区政府", "西城区政府", "南江县政府", "北山县政府", "青林县政府"]


@pytest.fixture
def city(plan_units):
    """The demo city's five counties, each with its government (docs/domain.md §5)."""
    w = plan_units
    for code, name, short in (
        ("990121", "南江县", "南江县政府"),
        ("990122", "北山县", "北山县政府"),
        ("990123", "青林县", "青林县政府"),
    ):
        region = RegionFactory(code=code, name=name, level=RegionLevel.COUNTY, parent=w.city)
        UnitFactory(name=f"{name}人民政府", short_name=short, kind=UnitKind.GOV, region=region)
    return w


def preview(client, rows, **fields):
    data = recommended_workbook(rows)
    return client.post(
        "/api/v1/imports/preview/",
        {"file": upload(data), "mode": "existing", "round": fields.pop("round"), **fields},
    )


def commit(client, body, **fields):
    return client.post(
        "/api/v1/imports/commit/",
        {
            "sha256": body["sha256"],
            "fingerprint": body["fingerprint"],
            "mode": "existing",
            **fields,
        },
        content_type="application/json",
    )


def row(**values):
    base = dict(
        problem_code="8",
        problem="城区餐饮油烟扰民突出",
        deadline="2020年12月底前",
        measures="安装油烟净化设施并定期清洗",
    )
    return {**base, **values}


def preview_units(body) -> list[tuple[str, str, list[str]]]:
    """(task name, region, units) of every task the preview shows."""
    return [
        (t["name"], t["region"], sorted(t["units"])) for p in body["problems"] for t in p["tasks"]
    ]


def committed_units(round_) -> list[tuple[str, str, list[str]]]:
    """The same triples read back from the database after the commit."""
    result = []
    for task in Task.objects.filter(round=round_, problem__code="8").order_by("seq"):
        units = sorted(
            f"{a.unit}（{AssignmentRole(a.role).label}）"
            for a in Assignment.objects.filter(task=task).select_related("unit")
        )
        result.append((task.name, task.region.name, units))
    return result


# -- the cell parser ---------------------------------------------------------------------------


def test_a_bracketed_group_is_one_name_not_split_at_its_commas():
    assert split_names("各县（市、区）人民政府") == ["各县（市、区）人民政府"]
    assert split_names("各县（市、区）人民政府、市住建局") == ["各县（市、区）人民政府", "市住建局"]
    parsed = parse_units("市生态环境局牵头，市发改委、市经信局，各县市区党委和人民政府")
    assert parsed.lead == ("市生态环境局",)
    assert parsed.coop == ("市发改委", "市经信局", "各县市区党委和人民政府")
    assert parse_units("（责任单位：各县（市、区）人民政府）").lead == ("各县（市、区）人民政府",)


# -- expansion and the three modes -------------------------------------------------------------


def test_county_group_is_split_into_one_task_per_county_by_default(city, office_client):
    # given a row whose territorial units are "各县（市、区）人民政府"
    rows = [row(point="餐饮油烟整治", lead="市生态环境局", territorial="各县（市、区）人民政府")]
    # when the office previews it
    response = preview(office_client, rows, round=city.round.pk)
    # then the group expands to the five county governments, one task per county
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["groups"] == [
        {
            "row": 2,
            "mode": "split",
            "modes_allowed": ["split", "one", "drop"],
            "groups": [
                {
                    "phrase": "各县（市、区）人民政府",
                    "territorial": True,
                    "members": ALL_GOVS,
                    "notes": [],
                }
            ],
        }
    ]
    shown = preview_units(body)
    assert [(name, region) for name, region, _ in shown] == [
        (f"餐饮油烟整治（{c}）", c) for c in COUNTIES
    ]
    assert shown[2][2] == ["南江县政府（责任单位（属地））", "市生态环境局（牵头单位）"]
    assert body["counts"]["tasks"] == 5 and body["counts"]["assignments"] == 10
    # when it commits
    done = commit(office_client, body, round=city.round.pk)
    # then the tasks and assignments are exactly what the preview showed
    assert done.status_code == 201, done.json()
    assert committed_units(city.round) == shown


def test_one_task_with_every_county_government_lies_in_the_city(city, office_client):
    rows = [row(point="餐饮油烟整治", lead="市生态环境局", territorial="各县（市、区）人民政府")]
    response = preview(office_client, rows, round=city.round.pk, group_mode="one")
    assert response.status_code == 200, response.json()
    body = response.json()
    (name, region, units), *rest = preview_units(body)
    assert not rest
    assert (name, region) == ("餐饮油烟整治", "示范市")
    assert units == sorted(
        ["市生态环境局（牵头单位）"] + [f"{g}（责任单位（属地））" for g in ALL_GOVS]
    )
    done = commit(office_client, body, round=city.round.pk, group_mode="one")
    assert done.status_code == 201, done.json()
    assert committed_units(city.round) == preview_units(body)


def test_a_row_may_override_the_batch_default(city, office_client):
    rows = [
        row(point="美食街", lead="市生态环境局", territorial="各县区人民政府"),
        row(point="夜市", lead="市城管执法局", coop="市生态环境局", territorial="各区县政府"),
    ]
    UnitFactory(
        name="示范市城市管理综合执法局",
        short_name="市城管执法局",
        kind=UnitKind.DEPT,
        region=city.city,
    )
    # given the batch default "one" and row 3 left out of its group
    fields = {"group_mode": "one", "group_overrides": '{"3": "drop"}', "round": city.round.pk}
    response = preview(office_client, rows, **fields)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [g["mode"] for g in body["groups"]] == ["one", "drop"]
    assert preview_units(body)[1] == (
        "夜市",
        "示范市",
        ["市城管执法局（牵头单位）", "市生态环境局（配合单位）"],
    )
    done = commit(
        office_client, body, round=city.round.pk, group_mode="one", group_overrides={"3": "drop"}
    )
    assert done.status_code == 201, done.json()
    assert committed_units(city.round) == preview_units(body)
    # and the batch remembers how each row's group was taken
    assert done.json()["summary"]["group_modes"] == {"2": "one", "3": "drop"}


def test_leaving_out_a_group_that_is_the_only_unit_is_refused(city, office_client, row_counts):
    rows = [row(point="美食街", lead="各县（市、区）人民政府")]
    before = row_counts()
    response = preview(office_client, rows, round=city.round.pk, group_overrides='{"2": "drop"}')
    assert response.status_code == 400
    assert "不能选择不纳入" in response.json()["errors"][0]["message"]
    assert row_counts()["rectification.Task"] == before["rectification.Task"]


def test_a_group_in_the_lead_cell_makes_each_county_government_lead_its_task(city, office_client):
    rows = [row(point="美食街", lead="各县（市、区）人民政府")]
    body = preview(office_client, rows, round=city.round.pk).json()
    assert body["groups"][0]["modes_allowed"] == ["split", "one"]
    first = preview_units(body)[0]
    assert first == (
        "美食街（东城区）",
        "东城区",
        sorted(["东城区政府（责任单位（属地））", "东城区政府（牵头单位）"]),
    )


def test_districts_only_and_party_committees(city, office_client):
    rows = [
        row(point="美食街", lead="市生态环境局", territorial="各区人民政府"),
        row(point="夜市", lead="市生态环境局", territorial="各县（市、区）党委和政府"),
    ]
    UnitFactory(
        name="中共东城区委员会", short_name="东城区委", kind=UnitKind.PARTY, region=city.dongcheng
    )
    body = preview(office_client, rows, round=city.round.pk, group_mode="one").json()
    groups = {g["row"]: g["groups"][0] for g in body["groups"]}
    assert groups[2]["members"] == ["东城区政府", "西城区政府"]
    assert groups[3]["members"][:2] == ["东城区政府", "东城区委"]
    assert len(groups[3]["members"]) == 6
    assert any("西城区没有党委单位" in n for n in groups[3]["notes"])


def test_counties_concerned_without_a_list_are_all_counties_with_a_warning(city, office_client):
    rows = [row(point="美食街", lead="市生态环境局", territorial="各有关县区")]
    body = preview(office_client, rows, round=city.round.pk).json()
    assert body["groups"][0]["groups"][0]["members"] == ALL_GOVS
    assert any("未列明具体县区" in w and "第2行" in w for w in _texts(body))


def test_counties_concerned_with_a_list_are_those_counties(city, office_client):
    rows = [row(point="美食街", lead="市生态环境局", territorial="有关县区（东城区、南江县）")]
    body = preview(office_client, rows, round=city.round.pk).json()
    assert body["groups"][0]["groups"][0]["members"] == ["东城区政府", "南江县政府"]
    assert not any("未列明" in w for w in _texts(body))
    assert [r for _, r, _ in preview_units(body)] == ["东城区", "南江县"]


def test_a_row_naming_its_county_gets_that_county_only(city, office_client):
    rows = [row(point="美食街", county="南江县", lead="市生态环境局", territorial="各县区政府")]
    body = preview(office_client, rows, round=city.round.pk).json()
    assert preview_units(body) == [
        ("美食街", "南江县", ["南江县政府（责任单位（属地））", "市生态环境局（牵头单位）"])
    ]


def test_city_departments_concerned_are_dropped_with_a_warning_never_an_error(city, office_client):
    # given the 公示表 wording: lead, named cooperators, then "市直有关部门" and "各相关单位"
    rows = [
        row(
            point="美食街",
            lead="市生态环境局",
            coop="市发改委、市直有关部门、各相关单位",
        )
    ]
    response = preview(office_client, rows, round=city.round.pk)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert preview_units(body) == [
        ("美食街", "示范市", ["市发展改革委（配合单位）", "市生态环境局（牵头单位）"])
    ]
    warnings = " ".join(_texts(body))
    assert "“市直有关部门”未列明具体单位，已从该行的责任单位中去除" in warnings
    assert "“各相关单位”未列明具体单位" in warnings
    assert body["groups"][0]["modes_allowed"] == []


def test_city_departments_with_a_list_are_those_departments(city, office_client):
    rows = [row(point="美食街", lead="市生态环境局", coop="市直有关部门（市发改委、市经信局）")]
    body = preview(office_client, rows, round=city.round.pk).json()
    assert preview_units(body)[0][2] == [
        "市发展改革委（配合单位）",
        "市生态环境局（牵头单位）",
        "市经信局（配合单位）",
    ]


def test_a_row_whose_only_unit_is_an_unnamed_group_says_so(city, office_client):
    response = preview(office_client, [row(point="美食街", lead="各相关单位")], round=city.round.pk)
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "缺少牵头单位" in message and "各相关单位" in message
    assert "不在单位表中" not in message


def test_a_task_of_all_five_county_governments_lies_in_the_city(city, office_client):
    # given a task whose units are the five county governments, written out one by one
    rows = [
        row(point="城区餐饮油烟", lead="东城区政府、西城区政府、南江县政府、北山县政府、青林县政府")
    ]
    body = preview(office_client, rows, round=city.round.pk).json()
    # then its region is the city, not the first county
    assert preview_units(body)[0][1] == "示范市"


def test_unknown_group_choices_are_refused(city, office_client):
    rows = [row(point="美食街", lead="市生态环境局", territorial="各县区政府")]
    bad_mode = preview(office_client, rows, round=city.round.pk, group_mode="all")
    assert bad_mode.status_code == 400 and "group_mode" in bad_mode.json()["detail"]
    no_group = preview(office_client, rows, round=city.round.pk, group_overrides='{"9": "one"}')
    assert no_group.status_code == 400
    assert no_group.json()["errors"][0]["row"] == 9


def test_commit_refuses_a_plan_that_differs_from_the_preview(city, office_client, row_counts):
    rows = [row(point="美食街", lead="市生态环境局", territorial="各县（市、区）人民政府")]
    body = preview(office_client, rows, round=city.round.pk).json()
    # when a county government is deactivated between preview and commit
    city.xc_gov.is_active = False
    city.xc_gov.save()
    before = row_counts()
    done = commit(office_client, body, round=city.round.pk)
    # then nothing is created: the commit would differ from what the office confirmed
    assert done.status_code == 400
    assert "重新预览" in done.json()["detail"]
    assert row_counts() == before


# -- the page: the forms the preview renders ---------------------------------------------------


class Forms(HTMLParser):
    """Every <form> of a page with its action, inputs, selects (selected option) and buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action"),
                    "fields": [],
                    "selects": {},
                    "buttons": [],
                    "options": {},
                }
            )
        elif not self.forms:
            return
        elif tag == "input" and a.get("type") != "file":
            self.forms[-1]["fields"].append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
            self.forms[-1]["selects"][self._select] = None
            self.forms[-1]["options"][self._select] = []
        elif tag == "option" and self._select:
            self.forms[-1]["options"][self._select].append(a.get("value", ""))
            if "selected" in a or self.forms[-1]["selects"][self._select] is None:
                self.forms[-1]["selects"][self._select] = a.get("value", "")
        elif tag == "button":
            self.forms[-1]["buttons"].append((a.get("name"), a.get("value")))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_of(response) -> list[dict]:
    parser = Forms()
    parser.feed(response.content.decode())
    return parser.forms


def submit(client, form, **choices):
    """Post a form as a browser would: its hidden inputs, its selects (as chosen)."""
    data: dict[str, list[str]] = {}
    for name, value in form["fields"]:
        data.setdefault(name, []).append(value)
    for name, value in {**form["selects"], **choices}.items():
        data[name] = [value]
    return client.post(form["action"], data)


def test_the_office_chooses_on_the_preview_page_and_commits_what_it_shows(city, office_client):
    # given a plan with two group rows uploaded through the page
    rows = [
        row(point="美食街", lead="市生态环境局", territorial="各县（市、区）人民政府"),
        row(point="夜市", lead="市生态环境局", territorial="各区政府"),
    ]
    page = office_client.post(
        "/imports/",
        {"file": upload(recommended_workbook(rows)), "mode": "existing", "round": city.round.pk},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "各县（市、区）人民政府" in html and "东城区政府、西城区政府、南江县政府" in html
    assert page.context["counts"]["tasks"] == 7
    (choices,) = [f for f in forms_of(page) if f["action"] == "/imports/repreview/"]
    assert choices["selects"] == {"group_mode": "split", "group_row_2": "", "group_row_3": ""}
    assert choices["options"]["group_row_2"] == ["", "split", "one", "drop"]
    # when the office keeps the default but makes row 2 one task, and previews again
    page = submit(office_client, choices, group_row_2="one")
    # then the preview shows 1 + 2 tasks, and the commit form carries that choice
    assert page.status_code == 200, page.content.decode()[:2000]
    assert page.context["counts"]["tasks"] == 3
    shown = [
        (t.name, t.region.name, sorted(f"{u.unit}（{u.role_label}）" for u in t.units))
        for t in page.context["plan"].tasks
    ]
    (commit_form,) = [f for f in forms_of(page) if f["action"] == "/imports/commit/"]
    assert ("group_row_2", "one") in commit_form["fields"]
    done = submit(office_client, commit_form)
    # then the tasks created are exactly what the preview showed
    assert done.status_code == 302
    assert committed_units(city.round) == shown
    assert [r for _, r, _ in shown] == ["示范市", "东城区", "西城区"]


def test_page_commit_refuses_a_choice_changed_after_the_preview(city, office_client, row_counts):
    rows = [row(point="美食街", lead="市生态环境局", territorial="各县（市、区）人民政府")]
    page = office_client.post(
        "/imports/",
        {"file": upload(recommended_workbook(rows)), "mode": "existing", "round": city.round.pk},
    )
    (commit_form,) = [f for f in forms_of(page) if f["action"] == "/imports/commit/"]
    before = row_counts()
    # a hand-edited form: the choice differs from the preview the fingerprint belongs to
    commit_form["fields"] = [
        (k, "one" if k == "group_mode" else v) for k, v in commit_form["fields"]
    ]
    done = submit(office_client, commit_form)
    assert done.status_code == 400
    assert re.search("重新预览", done.content.decode())
    assert row_counts() == before


def test_a_batch_default_that_cannot_apply_to_a_row_falls_back_with_a_warning(city, office_client):
    rows = [
        row(point="美食街", lead="市生态环境局", territorial="各区政府"),
        row(point="夜市", lead="各区政府"),
    ]
    body = preview(office_client, rows, round=city.round.pk, group_mode="drop").json()
    assert [g["mode"] for g in body["groups"]] == ["drop", "split"]
    assert any("第3行" in w and "按默认方式逐县区拆分" in w for w in _texts(body))
    assert [name for name, _, _ in preview_units(body)] == [
        "美食街",
        "夜市（东城区）",
        "夜市（西城区）",
    ]


def test_split_tasks_number_their_counties_after_the_row_code(city, office_client):
    header = ["点位编号", "具体问题", "点位名称", "牵头单位", "责任单位（属地）", "整改时限"]
    data = workbook_bytes(
        header,
        [
            [
                "SD-8-1",
                "城区餐饮油烟扰民突出",
                "美食街",
                "市生态环境局",
                "各区人民政府",
                "2020年底前",
            ],
            [
                "SD-8-2",
                "城区餐饮油烟扰民突出",
                "夜市",
                "市生态环境局",
                "各区人民政府",
                "2020年底前",
            ],
        ],
    )
    response = office_client.post(
        "/api/v1/imports/preview/",
        {"file": upload(data), "mode": "existing", "round": city.round.pk},
    )
    assert response.status_code == 200, response.json()
    codes = [t["code"] for p in response.json()["problems"] for t in p["tasks"]]
    assert codes == ["SD-8-1-1", "SD-8-1-2", "SD-8-2-1", "SD-8-2-2"]


def test_a_group_whose_counties_have_no_such_unit_is_an_error(city, office_client):
    response = preview(
        office_client,
        [row(point="美食街", lead="市生态环境局", coop="各区党委")],
        round=city.round.pk,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "无法展开“各区党委”：东城区、西城区在单位表中都没有党委单位"
    )


def test_the_local_government_is_the_row_county_s_or_every_county_with_a_warning(
    city, office_client
):
    rows = [
        row(point="美食街", county="北山县", lead="市生态环境局", territorial="属地政府"),
        row(point="夜市", lead="市生态环境局", territorial="属地县区政府"),
    ]
    body = preview(office_client, rows, round=city.round.pk).json()
    shown = preview_units(body)
    assert shown[0] == (
        "美食街",
        "北山县",
        ["北山县政府（责任单位（属地））", "市生态环境局（牵头单位）"],
    )
    assert [r for _, r, _ in shown[1:]] == COUNTIES
    assert any("第3行" in w and "未列明具体县区" in w for w in _texts(body))
    assert not any("第2行" in w for w in _texts(body))


def _texts(body) -> list[str]:
    """The preview's warnings as the page words them ("第3行：…")."""
    return [w["text"] for w in body["warnings"]]
