"""A petition handled end to end by the people who handle it: the office hands it over on
its page, the unit's reporter takes it up and reports through the forms the page renders,
the unit's head checks it, the office closes it and publishes it; the same through the API;
the public page shows it without the petitioner; the jobs warn and remind about an overdue
one; the figures count it."""

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import clock
from inspections import petition_services
from inspections.choices import PetitionChannel, PetitionStatus
from inspections.models import InspectionEvent, Petition
from rectification import services
from rectification.jobs import petitions as petition_jobs
from rectification.models import Notification, PetitionAttachment
from tests.services.petition_flow import PNG

DAY = date(2020, 2, 14)


@pytest.fixture(autouse=True)
def _today():
    with clock.travel(clock.at(DAY, 10, 0)):
        yield


@pytest.fixture
def received(world) -> Petition:
    return petition_services.petition_receive(
        actor=world.office,
        round_=world.round,
        accept_no="SD2019-XF-101",
        batch_no=1,
        channel=PetitionChannel.PHONE,
        region=world.dongcheng,
        content="和平路烧烤店油烟扰民",
        received_at=date(2020, 2, 3),
        pollution_types=["AIR"],
        complained_object="和平路老王烧烤",
        petitioner_name="王某某",
        petitioner_phone="13900001111",
    )


def _forms(html: str) -> list[str]:
    """The move endpoints the page renders a form for."""
    return re.findall(r'action="/petitions/\d+/(petition_\w+)/"', html)


def _post(client, petition, verb, data):
    return client.post(f"/petitions/{petition.pk}/{verb}/", data)


def test_a_unit_handles_a_petition_through_its_pages(client, world, received):
    pet = received
    # the office hands it over from the petition page
    client.force_login(world.office)
    page = client.get(f"/petitions/{pet.pk}/").content.decode()
    assert _forms(page) == ["petition_assign"]
    assert "王某某" in page  # the office sees the petitioner
    response = _post(
        client,
        pet,
        "petition_assign",
        {"lead_unit": world.dc_gov.pk, "cooperating_units": [world.housing.pk]},
    )
    assert response.status_code == 302

    # the unit's reporter sees it on the list, without the petitioner, and takes it up
    client.force_login(world.reporter)
    listing = client.get("/petitions/").content.decode()
    assert "SD2019-XF-101" in listing
    page = client.get(f"/petitions/{pet.pk}/").content.decode()
    assert "王某某" not in page and "13900001111" not in page
    assert _forms(page) == ["petition_start", "petition_report", "petition_evidence"]
    assert _post(client, pet, "petition_start", {}).status_code == 302

    # it files a site photo as evidence; the unit reads it back, another county cannot
    photo = SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")
    uploaded = _post(client, pet, "petition_evidence", {"files": photo, "title": "整改后现场"})
    assert uploaded.status_code == 302
    attachment = PetitionAttachment.objects.get(petition=pet)
    assert client.get(f"/petitions/attachments/{attachment.pk}/").status_code == 200
    assert "整改后现场" in client.get(f"/petitions/{pet.pk}/").content.decode()

    # a report without findings is refused on the form, nothing changes
    bad = _post(client, pet, "petition_report", {"verify_result": "TRUE", "outcome": "DONE"})
    assert bad.status_code == 400
    assert Petition.objects.get(pk=pet.pk).status == PetitionStatus.HANDLING

    report = {
        "verify_result": "TRUE",
        "findings": "烧烤店未安装油烟净化设施",
        "handling": "责令安装油烟净化设施并入室经营",
        "ordered_count": "1",
        "penalty_count": "1",
        "fine_wan": "0.5",
        "accountable_count": "0",
        "accountability": "",
        "outcome": "DONE",
    }
    assert _post(client, pet, "petition_report", report).status_code == 302

    # the reporter cannot check his own result; the unit's head can
    assert _post(client, pet, "petition_check_pass", {}).status_code == 403
    client.force_login(world.unit_head)
    assert "petition_check_pass" in _forms(client.get(f"/petitions/{pet.pk}/").content.decode())
    assert _post(client, pet, "petition_check_pass", {"reason": "同意上报"}).status_code == 302

    # the office closes it (办结), publishes it and closes it out
    client.force_login(world.office)
    assert _post(client, pet, "petition_finish", {"reason": ""}).status_code == 302
    published = {"published_at": "2020-02-14", "publish_url": "https://example.org/bdbg/101"}
    assert _post(client, pet, "petition_publish", published).status_code == 302
    assert _post(client, pet, "petition_close", {}).status_code == 302

    pet.refresh_from_db()
    assert (pet.status, pet.finished_on, pet.reported_on) == (PetitionStatus.CLOSED, DAY, DAY)
    assert (pet.ordered_count, pet.penalty_count, str(pet.fine_wan)) == (1, 1, "0.50")
    verbs = list(
        InspectionEvent.objects.filter(target_id=pet.pk)
        .order_by("created_at", "id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "petition_receive",
        "petition_assign",
        "petition_start",
        "petition_evidence",
        "petition_report",
        "petition_check_pass",
        "petition_finish",
        "petition_publish",
        "petition_close",
    ]

    # and the public sees it in the 一览表 columns, without the petitioner
    client.logout()
    public = client.get("/public/petitions/").content.decode()
    assert "SD2019-XF-101" in public and "责令安装油烟净化设施" in public and "属实" in public
    assert "王某某" not in public and "13900001111" not in public and "老王烧烤" not in public


def test_an_outsider_never_sees_the_petition(client, world, received):
    petition_services.petition_assign(actor=world.office, petition=received, lead_unit=world.dc_gov)
    services.petition_add_evidence(
        actor=world.reporter,
        petition=received,
        files=[SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")],
    )
    client.force_login(world.outsider)
    assert client.get(f"/petitions/{received.pk}/").status_code == 404
    attachment = PetitionAttachment.objects.get()
    assert client.get(f"/petitions/attachments/{attachment.pk}/").status_code == 404
    assert _post(client, received, "petition_start", {}).status_code == 404
    assert "SD2019-XF-101" not in client.get("/petitions/").content.decode()


def test_a_unit_handles_a_petition_through_the_api(as_persona, world, received):
    path = f"/api/v1/petitions/{received.pk}/"
    office, reporter, head = as_persona("office"), as_persona("reporter"), as_persona("unit_head")

    response = office.post(
        path + "assign/",
        {"lead_unit": world.dc_gov.pk, "cooperating_units": [world.housing.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content.decode()
    assert response.json()["due_date"] == "2020-02-28"  # ten working days after 02-14

    detail = reporter.get(path).json()
    assert detail["allowed_moves"] == ["petition_evidence", "petition_report", "petition_start"]
    assert "petitioner_name" not in detail and "petitioner_phone" not in detail

    refused = reporter.post(path + "report/", {"verify_result": "TRUE"}, format="json")
    assert refused.status_code == 400
    report = {
        "verify_result": "PARTLY",
        "findings": "油烟净化设施未运行",
        "handling": "责令整改",
        "outcome": "STAGE_DONE",
    }
    assert reporter.post(path + "report/", report, format="json").status_code == 200
    own = reporter.post(path + "self-check/", {"passed": True}, format="json")
    assert own.status_code == 403
    assert head.post(path + "self-check/", {"passed": True}, format="json").status_code == 200
    wrong = office.post(path + "close/", {}, format="json")
    assert wrong.status_code == 409
    assert wrong.json()["detail"] == "信访件当前为“待环督办审核”，不能执行“信访件销号”"
    done = office.post(path + "review/", {"decision": "finish_stage"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == PetitionStatus.STAGE_DONE

    # a handled petition goes back only with a reason
    assert office.post(path + "reopen/", {}, format="json").status_code == 400
    back = office.post(path + "reopen/", {"reason": "群众再次投诉"}, format="json")
    assert back.status_code == 200 and back.json()["status"] == PetitionStatus.HANDLING
    assert (
        as_persona("leader").post(path + "reopen/", {"reason": "x"}, format="json").status_code
        == 403
    )


def test_the_jobs_warn_and_remind_about_an_overdue_petition(world, received):
    # given a petition due 2020-02-10, still with its unit on 2020-02-14
    petition_services.petition_assign(
        actor=world.office, petition=received, lead_unit=world.dc_gov, assigned_on=date(2020, 2, 3)
    )
    Petition.objects.filter(pk=received.pk).update(due_date=date(2020, 2, 10))

    # when the warnings and reminders jobs run (twice)
    for _ in range(2):
        petition_jobs.sweep(DAY)
        petition_jobs.remind(DAY)

    # then one 逾期预警 is on the record and each of the unit's people and the office got one
    # overdue reminder
    assert InspectionEvent.objects.filter(verb="petition_overdue").count() == 1
    reminded = Notification.objects.filter(kind="petition_overdue")
    assert {n.recipient for n in reminded} == {world.reporter, world.unit_head, world.office}
    assert all("已超过办理期限4天" in n.title for n in reminded)
    # and it is flagged on the list
    assert Petition.objects.filter(petition_services.overdue_q(DAY)).get() == received


def test_figures_count_handled_on_time_and_true(world, received):
    from inspections import petition_figures

    petition_services.petition_assign(actor=world.office, petition=received, lead_unit=world.dc_gov)
    petition_services.petition_report(
        actor=world.reporter,
        petition=received,
        verify_result="TRUE",
        findings="属实",
        handling="已整改",
        outcome="DONE",
    )
    petition_services.petition_self_check(actor=world.unit_head, petition=received, passed=True)
    petition_services.petition_review(actor=world.office, petition=received, decision="finish")

    figures = petition_figures.compute(Petition.objects.visible_to(world.office), DAY)

    assert figures["total"] == {
        "received": 1,
        "assigned": 1,
        "handled": 1,
        "on_time_rate": 100.0,
        "true_rate": 100.0,
        "repeats": 0,
        "overdue": 0,
    }
    assert [row["name"] for row in figures["batches"]] == ["第1批"]


def test_the_office_converts_a_petition_into_a_task_on_its_page(client, world, received):
    from rectification.models import Task

    petition_services.petition_assign(
        actor=world.office,
        petition=received,
        lead_unit=world.dc_gov,
        cooperating_units=[world.housing],
    )
    client.force_login(world.office)
    page = client.get(f"/petitions/{received.pk}/").content.decode()
    assert "petition_convert" in _forms(page)

    response = _post(
        client,
        received,
        "petition_convert",
        {
            "problem": world.problem.pk,
            "code": "XF-101-1",
            "name": "和平路烧烤店油烟整治",
            "deadline": "2020-06-30",
            "measures": "安装油烟净化设施",
        },
    )

    # then the new task's page opens, and the two link each other
    task = Task.objects.get(code="XF-101-1")
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    assert list(task.petitions.all()) == [received]
    page = client.get(f"/petitions/{received.pk}/").content.decode()
    assert "XF-101-1" in page
    task_page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "关联信访件" in task_page and "SD2019-XF-101" in task_page
    assert InspectionEvent.objects.filter(verb="petition_convert", target_id=received.pk).exists()


def test_a_petitions_evidence_and_conversion_through_the_api(as_persona, world, received):
    from rectification.models import Task

    path = f"/api/v1/petitions/{received.pk}/"
    office, reporter, outsider = (
        as_persona("office"),
        as_persona("reporter"),
        as_persona("outsider"),
    )
    assert (
        office.post(
            path + "assign/",
            {"lead_unit": world.dc_gov.pk, "cooperating_units": [world.housing.pk]},
            format="json",
        ).status_code
        == 200
    )

    # the lead unit's reporter uploads evidence: checked like task evidence, one event
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = reporter.post(
        path + "evidence/", {"file": photo, "title": "整改后"}, format="multipart"
    )
    assert response.status_code == 201, response.content.decode()
    (saved,) = response.json()
    attachment = PetitionAttachment.objects.get(pk=saved["id"])
    assert (attachment.petition_id, saved["original_name"]) == (received.pk, "现场.png")
    assert saved["sha256"] == attachment.sha256
    assert InspectionEvent.objects.filter(verb="petition_evidence", target_id=received.pk).exists()
    # a disguised file and a unit the petition was not handed to are refused, nothing saved
    fake = SimpleUploadedFile("x.png", b"<html>", content_type="image/png")
    assert reporter.post(path + "evidence/", {"file": fake}, format="multipart").status_code == 400
    other = SimpleUploadedFile("y.png", PNG, content_type="image/png")
    assert outsider.post(path + "evidence/", {"file": other}, format="multipart").status_code == 404
    assert PetitionAttachment.objects.filter(petition=received).count() == 1

    # only the office converts it, into a task of the petition's round, linked both ways
    body = {
        "problem": world.problem.pk,
        "code": "XF-101-9",
        "name": "和平路烧烤店油烟整治",
        "deadline": "2020-06-30",
    }
    assert reporter.post(path + "convert/", body, format="json").status_code == 403
    assert outsider.post(path + "convert/", body, format="json").status_code == 404
    missing = office.post(path + "convert/", {**body, "problem": 0}, format="json")
    assert missing.status_code == 400 and not Task.objects.filter(code="XF-101-9").exists()
    converted = office.post(path + "convert/", body, format="json")
    assert converted.status_code == 201, converted.content.decode()
    task = Task.objects.get(pk=converted.json()["task"])
    assert task.code == "XF-101-9" and list(task.petitions.all()) == [received]
    assert {a.unit_id for a in task.assignments.all()} == {world.dc_gov.pk, world.housing.pk}
