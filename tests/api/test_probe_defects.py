"""The probes' defects (issue 15), each pinned by a test that failed before its fix."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.choices import Role, UnitKind
from accounts.errors import InvalidInput
from accounts.scope import scope_of
from inspections.models import Problem
from rectification import selectors, services
from rectification.choices import SupervisionStatus
from rectification.models import Assignment, SupervisionNotice, Task
from tests.factories import ProblemFactory, TaskFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_proposed_notice_is_hidden_from_its_target_unit_in_the_api(api_world, as_persona):
    # given: a letter the warnings job only proposed (拟发) to 东城区政府
    w = api_world
    proposed = SupervisionNotice.objects.create(
        kind=w.notice.kind,
        title="拟发：关于清溪河排口整治滞后的督办函",
        target_unit=w.dc_gov,
        status=SupervisionStatus.PROPOSED,
    )
    proposed.tasks.add(w.task)
    for persona, token in (("reporter", False), ("unit_head", False), ("reporter", True)):
        client = as_persona(persona, token=token)
        # when: the target unit lists (also filtered on 拟发) and opens the notices
        listed = client.get("/api/v1/supervision-notices/")
        filtered = client.get("/api/v1/supervision-notices/?status=PROPOSED")
        detail = client.get(f"/api/v1/supervision-notices/{proposed.pk}/")
        issue = client.post(f"/api/v1/supervision-notices/{proposed.pk}/issue/", {})
        # then: the issued letter is there, the draft is not
        ids = [row["id"] for row in listed.json()["results"]]
        assert w.notice.pk in ids
        assert proposed.pk not in ids
        assert filtered.json()["results"] == []
        assert detail.status_code == 404
        assert issue.status_code in (403, 404)
    # the office sees both
    office_ids = [
        r["id"] for r in as_persona("office").get("/api/v1/supervision-notices/").json()["results"]
    ]
    assert {w.notice.pk, proposed.pk} <= set(office_ids)


# ---------------------------------------------------------------------------------------------
# 2. A county office assigns only units of its own region, whichever door it comes through


@pytest.fixture
def county_office(world):
    unit = UnitFactory(name="东城区环督办", kind=UnitKind.COORD_OFFICE, region=world.dongcheng)
    return UserFactory(username="dc_office", role=Role.OFFICE, unit=unit)


def _assignments(task_id: int) -> list[tuple[int, str]]:
    return list(
        Assignment.objects.filter(task_id=task_id).order_by("sort").values_list("unit", "role")
    )


def test_county_office_cannot_set_units_of_another_county_through_the_api(world, county_office):
    # given the 东城区 office and the 东城区 task
    client = APIClient()
    client.force_login(county_office)
    before = _assignments(world.task.pk)
    # when it makes 西城区政府 the lead unit
    response = client.post(
        f"/api/v1/tasks/{world.task.pk}/set-units/",
        {"units": [{"unit": world.xc_gov.pk, "role": "LEAD"}]},
        format="json",
    )
    # then it is refused in Chinese and nothing changed; 西城区 still does not see the task
    assert response.status_code == 400, response.content
    assert "西城区政府" in response.json()["detail"]
    assert "管辖范围" in response.json()["detail"]
    assert _assignments(world.task.pk) == before
    assert not Task.objects.visible_to(world.outsider).filter(pk=world.task.pk).exists()


def test_county_office_cannot_create_a_task_led_by_another_county(world, county_office):
    client = APIClient()
    client.force_login(county_office)
    response = client.post(
        "/api/v1/tasks/",
        {
            "problem": world.problem.pk,
            "code": "SD-4-9",
            "name": "清溪河东城区段9#排口",
            "region": world.dongcheng.pk,
            "units": [{"unit": world.xc_gov.pk, "role": "LEAD"}],
            "deadline": "2020-12-31",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "管辖范围" in response.json()["detail"]
    assert not Task.objects.filter(code="SD-4-9").exists()


def test_region_check_is_in_the_service(world, county_office):
    """The import and the admin call the service: it refuses, not only the API view."""
    with pytest.raises(InvalidInput, match="管辖范围"):
        services.task_set_units(
            task=world.task,
            actor=county_office,
            units=[services.UnitRole(unit=world.xc_gov, role="LEAD")],
        )
    with pytest.raises(InvalidInput, match="管辖范围"):
        services.tasks_create_bulk(
            actor=county_office,
            tasks=[
                services.NewTask(
                    problem=world.problem,
                    code="SD-4-10",
                    name="点位10",
                    region=world.dongcheng,
                    units=[services.UnitRole(unit=world.xc_gov, role="LEAD")],
                    deadline=date(2020, 12, 31),
                )
            ],
        )


def test_county_office_keeps_an_existing_city_unit_and_adds_its_own(world, county_office):
    # given the task's cooperating 市住建局, assigned by the city office
    units = [
        services.UnitRole(unit=world.dc_gov, role="LEAD"),
        services.UnitRole(unit=world.housing, role="COOP"),
    ]
    # when the county office re-saves the units (the city unit kept), it is allowed
    services.task_set_units(task=world.task, actor=county_office, units=units)
    assert {u for u, _ in _assignments(world.task.pk)} == {world.dc_gov.pk, world.housing.pk}
    # and the city office may still assign any unit of its city
    services.task_set_units(
        task=world.task,
        actor=world.office,
        units=[services.UnitRole(unit=world.xc_gov, role="LEAD")],
    )


def test_county_office_set_units_page_still_works(world, county_office):
    client = Client()
    client.force_login(county_office)
    page = client.get(reverse("task_units", args=[world.task.pk]))
    assert page.status_code == 200


# ---------------------------------------------------------------------------------------------
# 3. Roll-ups count only the tasks the reader sees


@pytest.mark.tally_stale
def test_problem_rollup_of_a_county_office_counts_its_county_only(
    world, county_office, django_assert_num_queries
):
    # given the problem's two tasks: 东城区 (closed) and 西城区 (in progress)
    Task.objects.filter(pk=world.task.pk).update(status="CLOSED", closed_at=timezone.now())
    client = Client()
    client.force_login(county_office)
    # when the county office opens the problem and the round
    problem_page = client.get(reverse("problem_detail", args=[world.problem.pk]))
    round_page = client.get(reverse("round_detail", args=[world.round.pk]))
    # then the roll-up says 1/1, its own county's task only
    assert problem_page.context["rollup_label"] == "已销号 1/1"
    assert "已销号 1/1" in round_page.content.decode()
    assert "已销号 1/2" not in round_page.content.decode()
    # while the city office sees 1/2
    client.force_login(world.office)
    city = client.get(reverse("problem_detail", args=[world.problem.pk]))
    assert city.context["rollup_label"] == "已销号 1/2"


def test_problem_rollup_through_the_scope_is_one_query_for_a_list(
    world, county_office, django_assert_num_queries
):
    for seq in range(3):
        problem = ProblemFactory(round=world.round, seq=60 + seq)
        TaskFactory(problem=problem, code=f"P{seq}-1", region=world.dongcheng, lead=world.dc_gov)
        TaskFactory(problem=problem, code=f"P{seq}-2", region=world.xicheng, lead=world.xc_gov)
    scope_of(county_office)  # the scope is read once per request, with the user
    with django_assert_num_queries(1):
        labels = [
            selectors.problem_rollup_label(p)
            for p in selectors.problems_with_rollup(
                Problem.objects.visible_to(county_office).filter(round=world.round),
                user=county_office,
            )
        ]
    assert labels == ["已销号 0/1"] * 4


# ---------------------------------------------------------------------------------------------
# 4. Cursors: an empty previous page, never a 500; signed


@pytest.mark.tally_stale
def test_backward_cursor_with_nothing_before_it_is_an_empty_page(world, as_persona):
    # given the previous link of the first page: its rows then leave the filter
    client = as_persona("office")
    first = client.get("/api/v1/tasks/?page_size=1&status=NOT_STARTED").json()
    assert first["next"]
    second = client.get(first["next"]).json()
    assert second["previous"]
    Task.objects.filter(pk=first["results"][0]["id"]).update(status="IN_PROGRESS")
    # when the previous link is followed
    response = client.get(second["previous"])
    # then an empty page, not a 500
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []
    assert response.json()["previous"] is None
    # and its next link is the first page again
    again = client.get(response.json()["next"]).json()
    assert again["results"][0]["id"] == second["results"][0]["id"]


def test_unsigned_cursor_is_refused(world, as_persona):
    import base64
    import json

    # a cursor a client built itself, in the shape the server used to accept
    raw = json.dumps({"d": None, "i": 1, "b": False, "n": 2, "x": True})
    token = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    response = as_persona("office").get(f"/api/v1/tasks/?cursor={token}")
    assert response.status_code == 400
    assert "游标" in response.json()["detail"]


def test_tampered_and_foreign_cursors_are_refused(world, as_persona):
    office = as_persona("office")
    nxt = office.get("/api/v1/tasks/?page_size=1").json()["next"]
    cursor = nxt.split("cursor=")[1].split("&")[0]
    # a character of the signed value changed
    flipped = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    assert office.get(f"/api/v1/tasks/?cursor={flipped}").status_code == 400
    # another user's cursor
    foreign = as_persona("reporter").get(f"/api/v1/tasks/?cursor={cursor}")
    assert foreign.status_code == 400
    assert "游标" in foreign.json()["detail"]
    # the server's own still works
    assert office.get(f"/api/v1/tasks/?cursor={cursor}").status_code == 200


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(min_size=1, max_size=120))
def test_random_cursors_never_answer_5xx(api_client_for_fuzz, raw):
    client, cursor = api_client_for_fuzz
    for value in (raw, cursor + raw, cursor[: len(raw) % (len(cursor) + 1)]):
        response = client.get("/api/v1/tasks/", {"cursor": value, "page_size": 1})
        assert response.status_code in (200, 400), (value, response.status_code)


@pytest.fixture
def api_client_for_fuzz(world):
    client = APIClient()
    client.force_login(world.office)
    nxt = client.get("/api/v1/tasks/?page_size=1").json()["next"]
    return client, nxt.split("cursor=")[1].split("&")[0]
