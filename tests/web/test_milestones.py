"""The office's milestone page: add, correct and complete a task's stages, each with its
event; out of scope is 404, in scope but not the office is 403."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.events import EventVerb
from rectification.models import Event, Milestone, Task


@pytest.fixture
def page(world):
    return reverse("task_milestones", args=[world.task.pk])


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("office", 200),
        ("reporter", 403),
        ("unit_head", 403),
        ("coop_reporter", 403),
        ("leader", 403),
        ("outsider", 404),
        (None, 302),
    ],
)
def test_milestone_page_is_the_offices(world, login, page, persona, expected):
    # given a persona (None: signed out)
    client = login(getattr(world, persona) if persona else None)

    # when it opens the page and posts a new stage
    got = client.get(page).status_code
    posted = client.post(
        page, {"new-name": "完成截污", "new-planned_date": "2020-04-30", "new-weight": 2}
    ).status_code

    # then only the office reaches it, and only the office's post adds the stage
    assert got == expected
    assert posted == (302 if persona == "office" else expected)
    assert Milestone.objects.filter(task=world.task).exists() is (persona == "office")


def test_office_adds_corrects_and_completes_a_stage(world, login, page):
    client = login(world.office)
    version = Task.objects.get(pk=world.task.pk).version

    # when the office adds a stage
    response = client.post(
        page, {"new-name": "完成截污", "new-planned_date": "2020-04-30", "new-weight": 2}
    )
    # then it is on the page and on the timeline
    assert response.status_code == 302 and response["Location"] == page
    ms = Milestone.objects.get(task=world.task)
    assert (ms.seq, ms.name, ms.planned_date, ms.weight) == (1, "完成截污", date(2020, 4, 30), 2)
    assert "完成截污" in client.get(page).content.decode()

    # when it corrects the stage's date and weight
    prefix = f"m{ms.pk}"
    response = client.post(
        page,
        {
            "milestone": ms.pk,
            f"{prefix}-name": "完成截污",
            f"{prefix}-planned_date": "2020-05-31",
            f"{prefix}-weight": 3,
        },
    )
    assert response.status_code == 302
    ms.refresh_from_db()
    assert (ms.planned_date, ms.weight) == (date(2020, 5, 31), 3)

    # and completes it
    response = client.post(reverse("milestone_complete", args=[ms.pk]))
    assert response.status_code == 302
    ms.refresh_from_db()
    assert ms.done_date is not None

    # then a done stage can no longer be corrected: the page refuses in Chinese
    response = client.post(
        page,
        {
            "milestone": ms.pk,
            f"{prefix}-name": "改名",
            f"{prefix}-planned_date": "2020-05-31",
            f"{prefix}-weight": 3,
        },
    )
    assert response.status_code == 409
    assert "该节点已完成，不能修改" in response.content.decode()
    ms.refresh_from_db()
    assert ms.name == "完成截污"

    # and each change is one event, in order, and bumped the task's version
    verbs = list(
        Event.objects.filter(task=world.task).order_by("id").values_list("verb", flat=True)
    )
    assert verbs == [EventVerb.MILESTONE_ADD, EventVerb.MILESTONE_EDIT, EventVerb.MILESTONE]
    assert Task.objects.get(pk=world.task.pk).version == version + 3


def test_invalid_stage_is_refused_with_nothing_written(world, login, page):
    client = login(world.office)

    response = client.post(page, {"new-name": "", "new-planned_date": "", "new-weight": 0})

    assert response.status_code == 400
    assert not Milestone.objects.filter(task=world.task).exists()
    assert not Event.objects.filter(task=world.task).exists()


def test_task_page_links_the_office_to_the_milestone_page(world, login, page):
    detail = reverse("task_detail", args=[world.task.pk])

    office_page = login(world.office).get(detail).content.decode()
    reporter_page = login(world.reporter).get(detail).content.decode()

    assert page in office_page
    assert page not in reporter_page
