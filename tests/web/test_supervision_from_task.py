"""A 督办 started from a task: the links the task page and the 预警 list render open the form
with the task's lead unit chosen, and the form submitted as it stands sends the letter to it.
The 督办 list lays its columns out with widths that wrap (no cramped columns)."""

import pytest
from django.urls import reverse

from rectification.choices import WarningLevel
from rectification.models import SupervisionNotice
from tests.services.factories_extra import WarningFactory
from tests.web.crawler import parse

NEW = reverse("supervision_create")


def _link_to_new_notice(body: str) -> str:
    links = [href for href in parse(body).links if href.startswith(NEW)]
    assert len(links) == 1, links
    return links[0]


def _rendered_form(body: str):
    forms = [f for f in parse(body).forms if f.method == "post" and f.action != reverse("logout")]
    assert len(forms) == 1
    return forms[0]


@pytest.fixture
def from_pages(world, login):
    """The 发督办 links of the task page and of the 预警 list, for a task led by 西城区政府."""
    WarningFactory(
        task=world.other_task,
        unit=world.xc_gov,
        auto=False,
        issued_by=world.office,
        level=WarningLevel.YELLOW,
    )
    office = login(world.office)
    task_page = office.get(reverse("task_detail", args=[world.other_task.pk])).content.decode()
    warnings = office.get(reverse("warning_list")).content.decode()
    return office, {"task page": task_page, "warnings": warnings}


@pytest.mark.parametrize("start", ["task page", "warnings"])
def test_new_notice_from_a_task_preselects_its_lead_unit(world, from_pages, start):
    office, pages = from_pages
    # when the office follows the page's 发督办 link
    response = office.get(_link_to_new_notice(pages[start]))
    assert response.status_code == 200
    # then the task's lead unit is the one chosen
    form = _rendered_form(response.content.decode())
    target = dict(form.submission())["target_unit"]
    assert target == str(world.xc_gov.pk)
    # and the form sent as it stands (with a title) issues the letter to that unit
    data = dict(form.submission())
    data["title"] = data["title"] or "督办函"
    done = office.post(response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"], data)
    assert done.status_code == 302
    notice = SupervisionNotice.objects.get()
    assert notice.target_unit == world.xc_gov
    assert list(notice.tasks.all()) == [world.other_task]


def test_supervision_list_columns_have_widths(world, login):
    body = login(world.office).get(reverse("supervision_list")).content.decode()
    assert 'class="table table-sm bg-white table-cards align-middle table-supervision"' in body
    assert body.count("<col class=") == 7
    assert '<th scope="col">签发 / 回复期限</th>' in body
