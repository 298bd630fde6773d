"""省级复核 recorded by the right authority (issue 11, item 4).

A provincial office (a 环督办 whose region is the province) records it in its own name; the
city office records it only on receipt of the province's document, with its number, date and
PDF scan. A county office or a unit's account cannot record it, and a 省级复核 recorded
without the document does not complete the acceptance chain. Through the service, the page
and the API alike.
"""

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Role, UnitKind
from accounts.errors import InvalidInput, InvalidState, NotAllowed
from rectification import services
from rectification.choices import ReviewLevel, TaskStatus
from rectification.models import Attachment, CloseoutReview, Event, Task
from tests.factories import UnitFactory, UserFactory, provincial_document
from tests.services.snapshot import assert_db_unchanged

RULE = "省级复核须由省级环督办本单位账号登记，或由市级环督办凭省级复核文件"


@pytest.fixture
def county_office(world):
    unit = UnitFactory(name="东城区环督办", kind=UnitKind.COORD_OFFICE, region=world.dongcheng)
    return UserFactory(username="dc_office", role=Role.OFFICE, unit=unit)


@pytest.fixture
def in_review(world, flow):
    """world.task in review, in a round that requires 省级复核 (its open application)."""
    world.round.requires_provincial_review = True
    world.round.requires_sector_review = False
    world.round.save(update_fields=["requires_provincial_review", "requires_sector_review"])
    return flow.to(world.task, "IN_REVIEW")


def _record(app, actor, **kw):
    args = {
        "application": app,
        "actor": actor,
        "level": ReviewLevel.PROVINCIAL,
        "result": "PASS",
        "opinion": "经省级复核，整改到位",
    }
    return services.closeout_record_review(**{**args, **kw})


def _accept(world, app):
    return services.closeout_accept(
        application=app,
        actor=world.office,
        opinion="市级验收合格",
        notice_start=date(2020, 2, 17),
        notice_end=date(2020, 2, 23),
        contact_phone="0999-12369",
    )


def _no_review_events():
    return not Event.objects.filter(verb="review").exists()


# ---------------------------------------------------------------------------------------------
# The service


def test_county_office_cannot_record_a_provincial_review(world, in_review, county_office):
    # given a county office that sees the task, even with the province's document
    # when it records a 省级复核, then it is refused naming the rule, and nothing is written
    with assert_db_unchanged(raises=NotAllowed, phrase="县级环督办不能登记省级复核"):
        _record(in_review, county_office, **provincial_document())
    with assert_db_unchanged(raises=NotAllowed, phrase=RULE):
        _record(in_review, county_office)
    assert _no_review_events()


def test_a_unit_account_cannot_record_a_provincial_review(world, in_review):
    # given a cooperating unit's reporter and a leader, who both see the task
    for actor in (world.coop_reporter, world.leader):
        with assert_db_unchanged(raises=NotAllowed, phrase="本单位不能登记省级复核"):
            _record(in_review, actor, **provincial_document())
    assert _no_review_events()


@pytest.mark.parametrize(
    ("missing", "phrase"),
    [
        ("document_no", "请填写省级复核文件文号"),
        ("document_date", "请填写省级复核文件日期"),
        ("document", "请上传省级复核文件扫描件（PDF）"),
    ],
)
def test_city_office_needs_the_provinces_document(world, in_review, missing, phrase):
    # given the province's document with one part left out
    document = provincial_document()
    document[missing] = "" if missing == "document_no" else None
    # when the city office records the 省级复核, then it is refused naming the rule
    with assert_db_unchanged(raises=InvalidInput, phrase=phrase) as info:
        _record(in_review, world.office, **document)
    assert "市级环督办凭省级复核文件登记省级复核" in info.value.message
    assert info.value.field == missing
    assert _no_review_events()


def test_city_office_document_must_be_a_pdf_dated_no_later_than_today(world, in_review, png_file):
    with assert_db_unchanged(raises=InvalidInput, phrase="须为PDF文件"):
        _record(in_review, world.office, **{**provincial_document(), "document": png_file()})
    with assert_db_unchanged(raises=InvalidInput, phrase="不能晚于今天"):
        _record(in_review, world.office, **provincial_document(on=date(2020, 2, 16)))
    assert not Attachment.objects.filter(kind="NOTICE").exists()


def test_city_office_with_the_document_completes_the_step(world, in_review):
    # given the acceptance refused while the 省级复核 is missing
    with assert_db_unchanged(raises=InvalidState, phrase="尚缺省级复核"):
        _accept(world, in_review)
    # when the city office records it with the province's document
    review = _record(in_review, world.office, **provincial_document())
    # then the review keeps the document, its scan is a 文件 attachment of the application
    assert (review.document_no, review.document_date) == (
        "示环督办函〔2020〕12号",
        date(2020, 2, 10),
    )
    assert review.document.kind == "NOTICE"
    assert review.document.closeout_id == in_review.pk
    assert review.document.title == "省级复核文件 示环督办函〔2020〕12号"
    event = Event.objects.get(verb="review", actor=world.office)
    assert "依据 示环督办函〔2020〕12号" in event.note
    # and the office's acceptance now starts the notice
    _accept(world, in_review)
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.PUBLICIZING


def test_provincial_office_records_in_its_own_name(world, in_review, provincial_office):
    # when the provincial office records the 省级复核 on its own account, without a document
    review = _record(in_review, provincial_office, method="DOCS")
    # then it counts, and the city office's acceptance starts the notice
    assert review.unit.short_name == "省环督办"
    assert (review.document_no, review.document_id) == ("", None)
    _accept(world, in_review)
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.PUBLICIZING


def test_a_provincial_review_without_the_document_does_not_complete_the_chain(world, in_review):
    # given a 省级复核 row stored by the city office without the province's document (as any
    # 环督办 account could record it before this rule)
    CloseoutReview.objects.create(
        application=in_review,
        level=ReviewLevel.PROVINCIAL,
        unit=world.office_unit,
        reviewer=world.office,
        actual_date=date(2020, 2, 14),
        result="PASS",
    )
    # then the acceptance is still refused: the step is not recorded by the right authority
    with assert_db_unchanged(raises=InvalidState, phrase="尚缺省级复核"):
        _accept(world, in_review)


def test_the_chain_names_who_records_the_provincial_review(world, in_review):
    with assert_db_unchanged(raises=InvalidState) as info:
        _accept(world, in_review)
    assert "省级复核" in info.value.message
    page = _client(world.office).get(reverse("closeout_review", args=[in_review.pk]))
    html = page.content.decode()
    assert "省级环督办登记，或市级环督办凭省级复核文件登记" in html
    assert 'enctype="multipart/form-data"' in html


# ---------------------------------------------------------------------------------------------
# The page and the API go through the same service


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**extra):
    data = {
        "level": "PROVINCIAL",
        "result": "PASS",
        "method": "DOCS",
        "actual_date": "2020-02-14",
        "opinion": "经省级复核，整改到位",
    }
    data.update(extra)
    return data


def test_page_refuses_the_county_office_and_a_city_office_without_the_document(
    world, in_review, county_office
):
    url = reverse("closeout_review", args=[in_review.pk])
    # a county office: 403 naming the rule
    response = _client(county_office).post(url, _form(**provincial_document()))
    assert response.status_code == 403
    # the city office without the scan: the form comes back with the rule
    response = _client(world.office).post(
        url, _form(document_no="示环督办函〔2020〕12号", document_date="2020-02-10")
    )
    assert response.status_code == 400
    assert "请上传省级复核文件扫描件（PDF）" in response.content.decode()
    assert not CloseoutReview.objects.filter(level="PROVINCIAL").exists()
    assert _no_review_events()
    # with it: stored, and the task page shows the document it was recorded on
    response = _client(world.office).post(url, _form(**provincial_document()))
    assert response.status_code == 302
    page = _client(world.office).get(reverse("task_detail", args=[world.task.pk])).content
    assert "依据省级复核文件 示环督办函〔2020〕12号（2020-02-10）" in page.decode()
    # and so does the decision page of the acceptance, with the step passed in its chain
    decide = _client(world.office).get(reverse("closeout_accept", args=[in_review.pk]))
    html = decide.content.decode()
    assert "依据省级复核文件 示环督办函〔2020〕12号（2020-02-10）" in html
    review = CloseoutReview.objects.get(level="PROVINCIAL")
    assert reverse("attachment_download", args=[review.document_id]) in html
    chain = re.search(r'data-testid="decide-chain">.*?</ol>', html, re.S)[0]
    assert re.search(r"省级复核（[^）]*）\s*<span class=\"badge text-bg-success\">已通过", chain)


def test_page_provincial_office_records_without_a_document(world, in_review, provincial_office):
    url = reverse("closeout_review", args=[in_review.pk])
    response = _client(provincial_office).post(url, _form())
    assert response.status_code == 302
    page = _client(world.office).get(reverse("task_detail", args=[world.task.pk])).content
    assert "由 省环督办 本单位账号登记" in page.decode()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_applies_the_same_rule(world, in_review, county_office, provincial_office):
    url = f"/api/v1/closeouts/{in_review.pk}/review/"
    body = {"level": "PROVINCIAL", "result": "PASS", "opinion": "经省级复核，整改到位"}
    # a county office: 403 with the rule
    response = _api(county_office).post(url, body, format="json")
    assert response.status_code == 403
    assert "县级环督办不能登记省级复核" in response.content.decode()
    # a unit's account: 403 with the rule
    response = _api(world.coop_reporter).post(url, body, format="json")
    assert response.status_code == 403
    assert "本单位不能登记省级复核" in response.content.decode()
    # the city office without the document: 400
    response = _api(world.office).post(url, body, format="json")
    assert response.status_code == 400
    assert "请填写省级复核文件文号" in response.content.decode()
    assert _no_review_events()
    # the city office with the document (multipart): 201, the document in the answer
    document = provincial_document()
    document["document_date"] = "2020-02-10"
    response = _api(world.office).post(url, {**body, **document}, format="multipart")
    assert response.status_code == 201, response.content.decode()
    assert response.json()["document_no"] == "示环督办函〔2020〕12号"
    assert response.json()["document"] is not None
    # the provincial office on its own account: 201 without a document
    response = _api(provincial_office).post(url, body, format="json")
    assert response.status_code == 201
    assert response.json()["document"] is None
    assert Event.objects.filter(verb="review").count() == 2


def test_api_refuses_a_scan_that_is_not_a_pdf(world, in_review, png_file):
    url = f"/api/v1/closeouts/{in_review.pk}/review/"
    body = {
        "level": "PROVINCIAL",
        "result": "PASS",
        "opinion": "经省级复核",
        "document_no": "示环督办函〔2020〕12号",
        "document_date": "2020-02-10",
        "document": SimpleUploadedFile("scan.png", png_file().read(), content_type="image/png"),
    }
    response = _api(world.office).post(url, body, format="multipart")
    assert response.status_code == 400
    assert "须为PDF文件" in response.content.decode()
    assert not CloseoutReview.objects.filter(level="PROVINCIAL").exists()
