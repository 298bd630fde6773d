"""Bypass attempts on separation of duties, the self-check's routing, the acceptance chain and
the evidence each site type requires (issue #11, items 3 and 4), through the pages AND the API.

Each attempt is refused with a Chinese message naming the rule, changes nothing and writes no
event; what is allowed succeeds and writes its event.
"""

import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Role, UnitKind
from accounts.errors import NotAllowed
from accounts.models import User
from inspections.services import round_create
from rectification import closeout_rules, services
from rectification.choices import TaskStatus
from rectification.models import (
    Assignment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    Notification,
    Task,
)
from rectification.services import CLOSEOUT_CHECKLIST, EvidenceFile
from tests.factories import TaskFactory, UnitFactory, UserFactory
from tests.services.snapshot import assert_db_unchanged

# A notice that starts after the acceptance day (2020-02-15) and spans a full working week.
NOTICE = {
    "notice_start": date(2020, 2, 17),
    "notice_end": date(2020, 2, 23),
    "contact_phone": "0999-12369",
}


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _report(task, actor):
    services.task_report_progress(task=task, actor=actor, progress_text="完成", progress_pct=100)


def _apply(task, actor, files):
    return services.task_apply_closeout(
        task=task,
        actor=actor,
        summary="整改措施已全部完成",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=files,
    )


def _accept_form(task, **extra):
    data = {
        "version": task.version,
        "opinion": "市级验收合格",
        "level": "CITY",
        "notice_start": "2020-02-17",
        "notice_end": "2020-02-23",
        "contact_phone": "0999-12369",
    }
    data.update(extra)
    return data


def _accept_api(task_id):
    return {
        "opinion": "市级验收合格",
        "notice_start": "2020-02-17",
        "notice_end": "2020-02-23",
        "contact_phone": "0999-12369",
    }


def _fresh(task) -> Task:
    return Task.objects.get(pk=task.pk)


def _page(client, task) -> str:
    return client.get(reverse("task_detail", args=[task.pk])).content.decode()


@pytest.fixture
def dept(world):
    """A task in 西城区 LED by 市住建局 (a city department), 西城区政府 being its territorial
    unit: 西城区 reports and applies, 市住建局 must self-check."""
    task = TaskFactory(
        problem=world.problem,
        code="SD-7-1",
        name="示范大道（西城段）改造工地",
        region=world.xicheng,
        lead=world.housing,
        site_type="CONSTRUCTION",
    )
    Assignment.objects.create(task=task, unit=world.xc_gov, role="TERRITORIAL", sort=2)
    return SimpleNamespace(
        task=task,
        xc_head=UserFactory(username="xc_head", role=Role.UNIT_HEAD, unit=world.xc_gov),
        zj_head=UserFactory(username="zj_head", role=Role.UNIT_HEAD, unit=world.housing),
    )


@pytest.fixture
def forestry(world):
    """市林业局 assigned to world.task as its sector department (行业主管部门)."""
    unit = UnitFactory(
        name="示范市林业局", short_name="市林业局", kind=UnitKind.DEPT, region=world.city
    )
    Assignment.objects.create(task=world.task, unit=unit, role="SECTOR", sort=9)
    return SimpleNamespace(
        unit=unit, head=UserFactory(username="ly_head", role=Role.UNIT_HEAD, unit=unit)
    )


def _in_review(world, before_after) -> CloseoutApplication:
    _report(world.task, world.reporter)
    app = _apply(world.task, world.reporter, before_after())
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="县级自验合格"
    )
    return app


# ---------------------------------------------------------------------------------------------
# Routing and the label


def test_the_self_check_label_follows_the_lead_unit(world):
    assert closeout_rules.self_check_label(world.dc_gov) == "县级自验"
    assert closeout_rules.self_check_label(world.housing) == "部门自验"


def test_an_application_goes_to_the_lead_units_head_not_the_applicants(
    world, dept, login, before_after
):
    # given 西城区政府 applies for a task led by 市住建局
    _report(dept.task, world.outsider)
    app = _apply(dept.task, world.outsider, before_after())
    decide = reverse("selfcheck_decide", args=[app.pk])
    # then 市住建局's head is told, and 西城区's head is not
    kinds = Notification.objects.filter(kind="closeout_applied")
    assert kinds.filter(recipient=dept.zj_head, title__contains="待部门自验").exists()
    assert not kinds.filter(recipient=dept.xc_head).exists()
    # and the application is in 市住建局's queue as 部门自验, not in 西城区's
    zj = login(dept.zj_head)
    queue = zj.get(reverse("selfcheck_queue")).content.decode()
    assert decide in queue
    assert "待部门自验" in queue
    assert decide not in login(dept.xc_head).get(reverse("selfcheck_queue")).content.decode()
    # and the task page says who must act next and offers 部门自验 to 市住建局's head
    page = _page(zj, dept.task)
    assert "待 市住建局 单位审核人 部门自验" in page
    assert decide in page
    assert "县级自验" not in page
    assert decide not in _page(login(dept.xc_head), dept.task)
    # when 西城区's head tries anyway, through the page and the API, it is refused
    task = _fresh(dept.task)
    with assert_db_unchanged():
        response = login(dept.xc_head).post(
            decide, {"version": task.version, "decision": "pass", "opinion": "合格"}
        )
        assert response.status_code == 403
        assert "自验由牵头单位的单位审核人进行" in response.content.decode()
        response = api(dept.xc_head).post(
            f"/api/v1/closeouts/{app.pk}/self-check/",
            {"passed": True, "opinion": "合格"},
            format="json",
        )
        assert response.status_code == 403
        assert "自验由牵头单位的单位审核人进行" in response.json()["detail"]
    assert not Event.objects.filter(task=task, verb="self_check_pass").exists()


def test_the_decision_page_shows_the_evidence_and_has_no_default(world, dept, login, before_after):
    # given an application by 西城区 for 市住建局's task
    _report(dept.task, world.outsider)
    app = _apply(dept.task, world.outsider, before_after())
    zj = login(dept.zj_head)
    url = reverse("selfcheck_decide", args=[app.pk])
    # when 市住建局's head opens the 部门自验 page
    html = zj.get(url).content.decode()
    # then before and after are side by side, with the ticked standards and the chain
    assert 'data-testid="evidence-before"' in html
    assert 'data-testid="evidence-after"' in html
    assert len(re.findall(r'<img class="evidence-thumb', html)) == 2
    for label in CLOSEOUT_CHECKLIST.values():
        assert label in html
    assert "已确认：" in html
    assert "部门自验（牵头单位 市住建局 审核人）" in html
    # and no decision is chosen for them
    radios = re.findall(r'<input[^>]*name="decision"[^>]*>', html)
    assert len(radios) == 2
    assert not any("checked" in radio for radio in radios)
    # when the form is sent without a decision, it is a form error and nothing changes
    task = _fresh(dept.task)
    with assert_db_unchanged():
        response = zj.post(url, {"version": task.version, "opinion": "现场核查合格"})
        assert response.status_code == 400
        assert "请选择自验结论：通过或退回" in response.content.decode()
    # when they choose, the self-check is recorded under the lead unit, with its event
    response = zj.post(url, {"version": task.version, "decision": "pass", "opinion": "合格"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.self_checked_by == dept.zj_head
    review = CloseoutReview.objects.get(application=app, level="COUNTY")
    assert review.unit == world.housing
    assert Event.objects.filter(task=task, verb="self_check_pass", actor=dept.zj_head).exists()
    # and the timeline names it 部门自验通过
    assert "部门自验通过" in _page(zj, dept.task)


# ---------------------------------------------------------------------------------------------
# Separation of duties


def test_self_checking_ones_own_application_is_refused_page_and_api(world, login, before_after):
    # given the unit head of the lead unit applied themself
    _report(world.task, world.unit_head)
    app = _apply(world.task, world.unit_head, before_after())
    task = _fresh(world.task)
    url = reverse("selfcheck_decide", args=[app.pk])
    head = login(world.unit_head)
    # then their queue and the task page do not offer it
    assert url not in head.get(reverse("selfcheck_queue")).content.decode()
    assert url not in _page(head, task)
    # and the page and the API refuse it, naming the rule
    with assert_db_unchanged():
        assert head.get(url).status_code == 403
        response = head.post(url, {"version": task.version, "decision": "pass", "opinion": "合格"})
        assert response.status_code == 403
        assert "职责分离：申请人不能对本人提交的销号申请自验" in response.content.decode()
        response = api(world.unit_head).post(
            f"/api/v1/closeouts/{app.pk}/self-check/",
            {"passed": True, "opinion": "合格"},
            format="json",
        )
        assert response.status_code == 403
        assert "职责分离" in response.json()["detail"]


def test_the_applicant_and_the_self_checker_never_accept_or_close_whatever_their_role(
    world, login, before_after
):
    # given an application by the reporter, self-checked by a second head of the unit
    checker = UserFactory(username="dc_head2", role=Role.UNIT_HEAD, unit=world.dc_gov)
    _report(world.task, world.reporter)
    app = _apply(world.task, world.reporter, before_after())
    services.closeout_self_check(application=app, actor=checker, passed=True, opinion="合格")
    # and both then moved to the inspection office
    User.objects.filter(pk__in=[world.reporter.pk, checker.pk]).update(
        role=Role.OFFICE, unit=world.office_unit
    )
    applicant, checker = User.objects.get(pk=world.reporter.pk), User.objects.get(pk=checker.pk)
    task = _fresh(world.task)
    accept = reverse("closeout_accept", args=[app.pk])
    for user, who in ((applicant, "申请人"), (checker, "自验人")):
        client = login(user)
        # then neither is offered the acceptance, and the page and the API refuse it
        assert accept not in _page(client, task)
        with assert_db_unchanged():
            response = client.post(accept, _accept_form(task))
            assert response.status_code == 403
            assert f"职责分离：{who}" in response.content.decode()
            response = api(user).post(
                f"/api/v1/closeouts/{app.pk}/accept/", _accept_api(task.pk), format="json"
            )
            assert response.status_code == 403
            assert f"职责分离：{who}" in response.json()["detail"]
            # nor may they record a review of it
            response = api(user).post(
                f"/api/v1/closeouts/{app.pk}/review/",
                {"level": "PROVINCIAL", "result": "PASS", "opinion": "合格"},
                format="json",
            )
            assert response.status_code == 403
    # when another office user accepts, the applicant may still not close it
    services.closeout_accept(application=app, actor=world.office, opinion="合格", **NOTICE)
    task = _fresh(world.task)
    with assert_db_unchanged():
        response = login(applicant).post(
            reverse("closeout_close", args=[app.pk]), {"version": task.version, "objections": 0}
        )
        assert response.status_code == 403
        assert "职责分离：申请人不能对本人提交的销号申请销号" in response.content.decode()
        response = api(applicant).post(f"/api/v1/closeouts/{app.pk}/close/", {}, format="json")
        assert response.status_code == 403
    with assert_db_unchanged(raises=NotAllowed, phrase="职责分离：自验人"):
        services.closeout_close(application=app, actor=checker)


# ---------------------------------------------------------------------------------------------
# The acceptance chain


def test_acceptance_waits_for_the_sector_units_own_review(world, forestry, login, before_after):
    # given 市林业局 is the task's sector department and an application is in review
    app = _in_review(world, before_after)
    task = _fresh(world.task)
    office = login(world.office)
    accept = reverse("closeout_accept", args=[app.pk])
    # when the office accepts (skipping the sector step), page and API refuse, naming the chain
    with assert_db_unchanged():
        response = office.post(accept, _accept_form(task))
        assert response.status_code == 409
        html = response.content.decode()
        assert "验收链未完成" in html
        assert "行业部门认定（须由市林业局登记通过）" in html
        response = api(world.office).post(
            f"/api/v1/closeouts/{app.pk}/accept/", _accept_api(task.pk), format="json"
        )
        assert response.status_code == 409
        assert "验收链未完成" in response.json()["detail"]
    # when the office records the 认定 in the sector's place, it is refused (page and API)
    with assert_db_unchanged():
        response = office.post(
            reverse("closeout_review", args=[app.pk]),
            {
                "level": "SECTOR",
                "result": "PASS",
                "method": "ONSITE",
                "actual_date": "2020-02-14",
                "opinion": "代为登记",
            },
        )
        assert response.status_code == 400  # the office's form does not offer the level
        assert office.get(reverse("closeout_sector_review", args=[app.pk])).status_code == 403
        response = api(world.office).post(
            f"/api/v1/closeouts/{app.pk}/review/",
            {"level": "SECTOR", "result": "PASS", "opinion": "代为登记"},
            format="json",
        )
        assert response.status_code == 403
        assert (
            "行业部门认定须由该任务的行业主管部门的单位审核人本人登记"
            in (response.json()["detail"])
        )
    # and a unit that is not the task's sector department (the cooperating 市住建局) neither
    housing_head = UserFactory(username="zj_head", role=Role.UNIT_HEAD, unit=world.housing)
    with assert_db_unchanged():
        url = reverse("closeout_sector_review", args=[app.pk])
        assert login(housing_head).get(url).status_code == 403
        response = api(housing_head).post(
            f"/api/v1/closeouts/{app.pk}/review/",
            {"level": "SECTOR", "result": "PASS", "opinion": "合格"},
            format="json",
        )
        assert response.status_code == 403
    # and the office's queue says what the chain still lacks
    queue = office.get(reverse("review_queue")).content.decode()
    assert "待行业部门认定（市林业局）" in queue
    # and a 认定 stored under 市环督办 (as the old code did) does not count
    CloseoutReview.objects.create(
        application=app, level="SECTOR", unit=world.office_unit, result="PASS", opinion="代录"
    )
    with assert_db_unchanged():
        assert office.post(accept, _accept_form(task)).status_code == 409
    # when the sector head, told of it, finds it in their queue and on the task page
    assert Notification.objects.filter(
        recipient=forestry.head, title__contains="待市林业局行业部门认定"
    ).exists()
    ly = login(forestry.head)
    url = reverse("closeout_sector_review", args=[app.pk])
    assert url in ly.get(reverse("selfcheck_queue")).content.decode()
    assert url in _page(ly, task)
    assert "待 市林业局 单位审核人 行业部门认定" in _page(office, task)
    response = ly.post(
        url,
        {
            "result": "PASS",
            "method": "ONSITE",
            "actual_date": "2020-02-14",
            "opinion": "林业部门现场核查，植被恢复到位",
        },
    )
    assert response.status_code == 302
    review = CloseoutReview.objects.get(application=app, level="SECTOR", unit=forestry.unit)
    assert review.reviewer == forestry.head
    assert Event.objects.filter(task=task, verb="review", actor=forestry.head).exists()
    # then the office's acceptance starts the notice, and the page says when it may close
    assert "待 市环督办 市级验收" in _page(office, task)
    response = office.post(accept, _accept_form(_fresh(task)))
    assert response.status_code == 302
    assert _fresh(task).status == TaskStatus.PUBLICIZING
    assert "公示中，至 2020-02-23 期满后销号" in _page(office, task)


def test_provincial_and_central_rounds_need_provincial_review_by_default(world):
    cases = (
        ("PROVINCIAL", "PROV_ROUTINE", True),
        ("CENTRAL", "CENTRAL_LOOKBACK", True),
        ("CENTRAL", "YANGTZE_FILM", True),
        ("CITY", "SELF_CHECK", False),
    )
    for n, (level, kind, expected) in enumerate(cases):
        round_ = round_create(
            actor=world.office,
            code=f"R-{n}",
            name=f"轮次{n}",
            kind=kind,
            level=level,
            region=world.city,
        )
        assert round_.requires_provincial_review is expected, (level, kind)
        assert round_.requires_sector_review


# ---------------------------------------------------------------------------------------------
# Evidence by site type


def test_required_evidence_by_site_type_at_application_and_acceptance(
    world, login, png_file, before_after
):
    # given an outfall (排口) task with before/after photos but no monitoring report
    services.task_update(task=world.task, actor=world.office, site_type="OUTFALL")
    _report(world.task, world.reporter)
    services.task_add_evidence(task=world.task, actor=world.reporter, files=before_after())
    task = _fresh(world.task)
    reporter = login(world.reporter)
    url = reverse("task_closeout", args=[task.pk])
    form = {"version": task.version, "summary": "排口已封堵"}
    form.update({f"check_{key}": "on" for key in CLOSEOUT_CHECKLIST})
    # then the application page tells what the site type needs
    assert "还须具备：监测报告" in reporter.get(url).content.decode()
    # when it applies without the report, page and API refuse, naming the rule
    with assert_db_unchanged():
        response = reporter.post(url, form)
        assert response.status_code == 400
        assert "按点位类型“入河排污口”须具备的监测报告" in response.content.decode()
        response = api(world.reporter).post(
            f"/api/v1/tasks/{task.pk}/apply-closeout/",
            {"summary": "排口已封堵", "checklist": dict.fromkeys(CLOSEOUT_CHECKLIST, True)},
            format="json",
        )
        assert response.status_code == 400
        assert "监测报告" in response.content.decode()
    # when the report is uploaded with the application, it goes through
    response = reporter.post(
        url, {**form, "other_kind": "MONITORING", "other_files": png_file("监测报告.png")}
    )
    assert response.status_code == 302
    app = CloseoutApplication.objects.get(task=task)
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="合格"
    )
    # given the office then re-classifies the point as 违法建设
    services.task_update(task=task, actor=world.office, site_type="ILLEGAL_BUILDING")
    task = _fresh(task)
    accept = reverse("closeout_accept", args=[app.pk])
    # then the acceptance is refused until a 处罚/拆除文书 is on the task (page and API)
    with assert_db_unchanged():
        response = login(world.office).post(accept, _accept_form(task))
        assert response.status_code == 409
        assert "按点位类型“违法建设”须具备的处罚决定书或拆除文书" in response.content.decode()
        response = api(world.office).post(
            f"/api/v1/closeouts/{app.pk}/accept/", _accept_api(task.pk), format="json"
        )
        assert response.status_code == 409
    services.task_add_evidence(
        task=task, actor=world.reporter, files=[EvidenceFile(png_file("拆除.png"), "DEMOLITION")]
    )
    response = login(world.office).post(accept, _accept_form(_fresh(task)))
    assert response.status_code == 302
    assert _fresh(task).status == TaskStatus.PUBLICIZING


def test_the_round_page_shows_its_acceptance_chain(world, login):
    round_ = round_create(
        actor=world.office,
        code="SD2021",
        name="第三轮省级督察",
        kind="PROV_ROUTINE",
        level="PROVINCIAL",
        region=world.city,
    )
    page = login(world.office).get(reverse("round_detail", args=[round_.pk])).content.decode()
    chain = re.search(r'data-testid="acceptance-chain">([^<]*)<', page)[1]
    assert "行业部门认定" in chain
    assert "省级复核" in chain
