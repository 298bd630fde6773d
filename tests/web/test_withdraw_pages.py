"""撤销（作废） from the pages, the API and never from the admin; withdrawn records out of every
list, count, export, search and public page (issue 15, item 6)."""

import pytest
from django.contrib import admin
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import clock
from accounts.choices import Role, UnitKind
from accounts.events import EventVerb
from inspections.models import InspectionRound, Petition, Problem
from rectification import services, tally
from rectification.models import Attachment, Event, PetitionAttachment, Task
from rectification.services import EvidenceFile
from tests.factories import UnitFactory, UserFactory
from tests.services.factories_extra import PetitionFactory

OFFICIAL = (InspectionRound, Problem, Petition, Task, Attachment, PetitionAttachment)


def _admin_url(model, action, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


# The admin: no way to delete an official record ----------------------------------------------


@pytest.mark.parametrize("model", OFFICIAL, ids=lambda m: m.__name__)
def test_the_admin_deletes_no_official_record_not_even_in_bulk(admin_client, world, model, rf):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = world.admin
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)
    page = admin_client.get(_admin_url(model, "changelist"))
    assert page.status_code == 200
    assert "delete_selected" not in page.content.decode()


def test_the_admin_delete_page_and_bulk_delete_are_refused(admin_client, world):
    for model, obj in (
        (Task, world.task),
        (Problem, world.problem),
        (InspectionRound, world.round),
    ):
        assert admin_client.get(_admin_url(model, "delete", obj.pk)).status_code == 403
        assert (
            admin_client.post(_admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code
            == 403
        )
        bulk = admin_client.post(
            _admin_url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert bulk.status_code in (200, 302)
        assert model.all_objects.filter(pk=obj.pk).exists()


def test_the_admin_still_lists_a_withdrawn_task_read_only(admin_client, world):
    services.task_withdraw(task=world.task, actor=world.office, reason="误录")
    assert world.task.code in admin_client.get(_admin_url(Task, "changelist")).content.decode()
    page = admin_client.get(_admin_url(Task, "change", world.task.pk)).content.decode()
    assert 'name="_save"' not in page


# Pages --------------------------------------------------------------------------------------


def test_the_office_withdraws_a_task_from_its_page_and_restores_it_from_the_list(world, login):
    office = login(world.office)
    page = office.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert 'data-testid="withdraw-form"' in page
    # a blank reason: a Chinese message, nothing changed
    refused = office.post(
        reverse("withdraw_record", args=["task", world.task.pk]), {"reason": " "}, follow=True
    )
    assert "请填写撤销理由" in refused.content.decode()
    assert Task.objects.filter(pk=world.task.pk).exists()
    # with a reason
    done = office.post(
        reverse("withdraw_record", args=["task", world.task.pk]),
        {"reason": "重复录入"},
        follow=True,
    )
    assert done.status_code == 200
    assert "已撤销：重复录入" in done.content.decode()  # the task page's banner
    assert 'data-testid="withdrawn-banner"' in done.content.decode()
    # the task is gone from the list and the export, and is on 已撤销
    assert world.task.code not in office.get(reverse("task_list")).content.decode()
    export = b"".join(office.get(reverse("task_export")).streaming_content).decode("utf-8-sig")
    assert world.task.code not in export and world.other_task.code in export
    listed = office.get(reverse("withdrawn_list")).content.decode()
    assert world.task.code in listed and "重复录入" in listed
    # units and leaders find nothing there
    for user in (world.reporter, world.leader):
        assert login(user).get(reverse("task_detail", args=[world.task.pk])).status_code == 404
        assert login(user).get(reverse("withdrawn_list")).status_code == 403
    # and a form page under the withdrawn task is a 404 even for the office
    assert office.get(reverse("task_units", args=[world.task.pk])).status_code == 404
    # 恢复
    office.post(reverse("restore_record", args=["task", world.task.pk]))
    assert world.task.code in office.get(reverse("task_list")).content.decode()
    assert (
        login(world.reporter).get(reverse("task_detail", args=[world.task.pk])).status_code == 200
    )


def test_leaders_and_units_cannot_withdraw_from_the_pages(world, login):
    for user in (world.leader, world.reporter, world.unit_head):
        client = login(user)
        url = reverse("withdraw_record", args=["task", world.task.pk])
        assert client.post(url, {"reason": "误录"}).status_code == 403
        page = client.get(reverse("task_detail", args=[world.task.pk])).content.decode()
        assert "withdraw-form" not in page
    assert (
        login(world.office).post(reverse("withdraw_record", args=["nothing", 1])).status_code == 404
    )
    assert Task.objects.count() == 2


def test_a_county_office_cannot_withdraw_another_countys_task(world, login):
    unit = UnitFactory(name="西城区环督办", kind=UnitKind.COORD_OFFICE, region=world.xicheng)
    county = login(UserFactory(username="xc_office", role=Role.OFFICE, unit=unit))
    url = reverse("withdraw_record", args=["task", world.task.pk])
    assert county.post(url, {"reason": "误录"}).status_code == 404
    assert Task.objects.filter(pk=world.task.pk).exists()


def test_round_problem_and_petition_pages_withdraw_with_the_cascade(world, login):
    petition = PetitionFactory(
        round=world.round, region=world.dongcheng, handling_unit=world.dc_gov
    )
    office = login(world.office)
    for name, obj in (("problem_detail", world.problem), ("round_detail", world.round)):
        assert (
            'data-testid="withdraw-form"'
            in office.get(reverse(name, args=[obj.pk])).content.decode()
        )
    assert (
        'data-testid="withdraw-form"'
        in office.get(reverse("petition_detail", args=[petition.pk])).content.decode()
    )
    office.post(reverse("withdraw_record", args=["round", world.round.pk]), {"reason": "轮次重复"})
    # the round's page shows its banner to the office; its problem's, task's and petition's too
    for name, pk in (
        ("round_detail", world.round.pk),
        ("problem_detail", world.problem.pk),
        ("task_detail", world.task.pk),
        ("petition_detail", petition.pk),
    ):
        page = office.get(reverse(name, args=[pk]))
        assert page.status_code == 200, name
        assert "已撤销：轮次重复" in page.content.decode(), name
    assert (
        login(world.leader).get(reverse("round_detail", args=[world.round.pk])).status_code == 404
    )
    assert (
        login(world.reporter).get(reverse("petition_detail", args=[petition.pk])).status_code == 404
    )
    rounds = office.get(reverse("round_list")).content.decode()
    assert world.round.name not in rounds
    assert petition.accept_no not in office.get(reverse("petition_list")).content.decode()
    # restored from 已撤销 in one step
    office.post(reverse("restore_record", args=["round", world.round.pk]))
    assert Task.objects.count() == 2 and Petition.objects.count() == 1


def test_withdrawn_evidence_leaves_the_task_page_and_stays_in_storage(world, login, png_file):
    (attachment,) = services.task_add_evidence(
        task=world.task, actor=world.reporter, files=[EvidenceFile(png_file("wrong.png"), "BEFORE")]
    )
    office = login(world.office)
    office.post(
        reverse("withdraw_record", args=["attachment", attachment.pk]),
        {"reason": "不是本点位的照片"},
    )
    download = reverse("attachment_download", args=[attachment.pk])
    reporter_page = login(world.reporter).get(reverse("task_detail", args=[world.task.pk]))
    assert download not in reporter_page.content.decode()
    assert login(world.reporter).get(download).status_code == 404
    office_page = office.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert 'data-testid="withdrawn-evidence"' in office_page and "不是本点位的照片" in office_page
    assert office.get(download).status_code == 200  # the file is kept
    assert Attachment.all_objects.get(pk=attachment.pk).file.storage.exists(attachment.file.name)


def test_search_and_counts_leave_withdrawn_tasks_out(world, login):
    office = login(world.office)
    # an exact code leads to the task
    found = office.get(reverse("search"), {"q": world.task.code})
    assert found.status_code == 302 and found.url == f"/tasks/{world.task.pk}/"
    cells = tally.DailyTally.objects.filter(day=clock.today())
    assert tally.totals_of(cells).total == 2
    services.task_withdraw(task=world.task, actor=world.office, reason="误录")
    found = office.get(reverse("search"), {"q": world.task.code})
    assert found.status_code == 200
    assert f'href="/tasks/{world.task.pk}/"' not in found.content.decode()
    # the dashboard's tally (kept by the services) counts one task now
    assert tally.totals_of(cells).total == 1
    dashboard = office.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    problem_page = office.get(reverse("problem_detail", args=[world.problem.pk])).content.decode()
    assert world.task.code not in problem_page


# The API ------------------------------------------------------------------------------------


def _api(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_the_api_withdraws_and_restores_a_task_through_the_service(world):
    office = _api(world.office)
    url = f"/api/v1/tasks/{world.task.pk}/"
    blank = office.post(url + "withdraw/", {"reason": ""}, format="json")
    assert blank.status_code == 400 and "请填写撤销理由" in blank.content.decode()
    for user in (world.leader, world.reporter):
        assert (
            _api(user).post(url + "withdraw/", {"reason": "误录"}, format="json").status_code == 403
        )
    assert Task.objects.filter(pk=world.task.pk).exists()
    done = office.post(url + "withdraw/", {"reason": "误录"}, format="json")
    assert done.status_code == 200
    assert done.json()["withdrawal_reason"] == "误录"
    assert office.get(url).status_code == 404
    listed = office.get("/api/v1/tasks/").json()
    assert world.task.pk not in [row["id"] for row in listed["results"]]
    assert _api(world.reporter).post(url + "restore/").status_code == 403
    restored = office.post(url + "restore/")
    assert restored.status_code == 200 and restored.json()["id"] == world.task.pk
    assert set(Event.objects.filter(task=world.task).values_list("verb", flat=True)) >= {
        EventVerb.WITHDRAW,
        EventVerb.RESTORE,
    }


def test_the_api_withdraws_rounds_problems_and_petitions_through_the_services(world):
    petition = PetitionFactory(
        round=world.round, region=world.dongcheng, handling_unit=world.dc_gov
    )
    office = _api(world.office)
    assert (
        _api(world.leader)
        .post(f"/api/v1/petitions/{petition.pk}/withdraw/", {"reason": "重复"}, format="json")
        .status_code
        == 403
    )
    blank = office.post(
        f"/api/v1/problems/{world.problem.pk}/withdraw/", {"reason": " "}, format="json"
    )
    assert blank.status_code == 400 and "请填写撤销理由" in blank.content.decode()
    assert (
        office.post("/api/v1/rounds/abc/withdraw/", {"reason": "x"}, format="json").status_code
        == 404
    )
    done = office.post(
        f"/api/v1/rounds/{world.round.pk}/withdraw/", {"reason": "重复"}, format="json"
    )
    assert done.status_code == 200 and done.json()["withdrawal_reason"] == "重复"
    assert office.get("/api/v1/rounds/").json()["results"] == []
    assert office.get(f"/api/v1/petitions/{petition.pk}/").status_code == 404
    assert office.get("/api/v1/tasks/").json()["results"] == []
    again = office.post(f"/api/v1/rounds/{world.round.pk}/restore/")
    assert again.status_code == 200 and again.json()["withdrawn_at"] is None
    assert office.get(f"/api/v1/petitions/{petition.pk}/").status_code == 200
