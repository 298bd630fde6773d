"""Issue 11, items 5 and 9: extensions that cannot hide overdue, and progress reports that
mean something. Each rule is tried through the service, the page and the API: a refusal names
the rule in Chinese and changes nothing; what succeeds writes its event."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import InvalidInput, InvalidState
from accounts.events import EventVerb
from rectification import services, tally
from rectification.choices import ReportReviewStatus
from rectification.dashboard import BUCKET_PARAMS, task_list_url
from rectification.jobs import dispatch
from rectification.models import (
    DailyTally,
    DispatchReport,
    Event,
    Extension,
    Notification,
    ProgressReport,
    ProgressReportRevision,
    Task,
)
from rectification.selectors import task_totals
from tests.services.snapshot import assert_db_unchanged

pytestmark = pytest.mark.django_db

TODAY = date(2020, 2, 15)
# 46 days before the pinned business date, as in the issue.
LATE_DEADLINE = date(2019, 12, 31)


@pytest.fixture
def login(client):
    def make(user):
        client.force_login(user)
        return client

    return make


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _past_deadline(task: Task) -> Task:
    """The task in progress and past its deadline (set behind the services, then recounted)."""
    Task.objects.filter(pk=task.pk).update(deadline=LATE_DEADLINE, original_deadline=LATE_DEADLINE)
    task.refresh_from_db()
    tally.recount(task)
    return task


def _overdue_figures() -> tuple[int, int, int]:
    """(live totals, the dashboard's tally, the drill-down list) overdue counts."""
    live = task_totals(Task.objects.all()).overdue
    tallied = tally.totals_of(DailyTally.objects.filter(day=TODAY)).overdue
    listed = Task.objects.filter(
        pk__in=[t.pk for t in Task.objects.all() if _in_overdue_list(t)]
    ).count()
    return live, tallied, listed


def _in_overdue_list(task: Task) -> bool:
    from rectification.filtersets import TaskFilterSet

    params = dict(BUCKET_PARAMS["overdue"])
    return TaskFilterSet(params, queryset=Task.objects.filter(pk=task.pk)).qs.exists()


# ---------------------------------------------------------------------------------------------
# 5. Extensions


def test_unit_request_after_the_deadline_is_refused_on_the_page(world, flow, login):
    # given a task in progress, past its deadline
    flow.to(world.task, "IN_PROGRESS")
    _past_deadline(world.task)
    client = login(world.reporter)
    # then its page offers no 申请延期 button
    page = client.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert reverse("task_extension", args=[world.task.pk]) not in page
    # when the reporter posts the form anyway, then it is refused naming the rule
    with assert_db_unchanged():
        r = client.post(
            reverse("task_extension", args=[world.task.pk]),
            {"requested_deadline": "2020-06-30", "reason": "雨季施工受限"},
        )
    assert r.status_code == 409
    assert "延期须在时限届满前申请" in r.content.decode()


def test_unit_request_after_the_deadline_is_refused_in_the_api(world, flow):
    flow.to(world.task, "IN_PROGRESS")
    _past_deadline(world.task)
    with assert_db_unchanged():
        r = api(world.reporter).post(
            f"/api/v1/tasks/{world.task.pk}/request-extension/",
            {"requested_deadline": "2020-06-30", "reason": "雨季施工受限"},
            format="json",
        )
    assert r.status_code == 409
    assert "逾期后延期只能由环督办决定" in r.json()["detail"]


def test_request_on_the_deadline_day_is_still_accepted(world, flow):
    flow.to(world.task, "IN_PROGRESS")
    Task.objects.filter(pk=world.task.pk).update(deadline=TODAY, original_deadline=TODAY)
    tally.recount(world.task)
    ext = services.task_request_extension(
        task=world.task, actor=world.reporter, requested_deadline=date(2020, 6, 30), reason="雨季"
    )
    assert ext.after_deadline is False


def test_office_overdue_extension_page_needs_a_reason_then_keeps_the_overdue(world, flow, login):
    # given a task 46 days overdue, counted once as overdue everywhere
    flow.to(world.task, "IN_PROGRESS")
    _past_deadline(world.task)
    assert _overdue_figures() == (1, 1, 1)
    client = login(world.office)
    # the office sees the 逾期后延期 button (and no 申请延期)
    page = client.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    url = reverse("task_extension_overdue", args=[world.task.pk])
    assert url in page
    assert client.get(url).status_code == 200
    version = Task.objects.get(pk=world.task.pk).version
    # when it is sent without a reason, then it is refused and nothing changes
    with assert_db_unchanged():
        r = client.post(url, {"version": version, "new_deadline": "2020-06-30", "reason": ""})
    assert r.status_code == 400
    # when sent with a reason, the working deadline moves …
    r = client.post(url, {"version": version, "new_deadline": "2020-06-30", "reason": "疫情停工"})
    assert r.status_code == 302
    task = Task.objects.get(pk=world.task.pk)
    assert (task.deadline, task.original_deadline, task.extension_count) == (
        date(2020, 6, 30),
        LATE_DEADLINE,
        1,
    )
    ext = Extension.objects.get(task=task)
    assert ext.after_deadline and ext.status == "APPROVED" and ext.reason == "疫情停工"
    assert Event.objects.filter(task=task, verb=EventVerb.EXTENSION_OVERDUE).count() == 1
    # … but the task is still overdue in the dashboard, its tally and its drill-down list
    assert _overdue_figures() == (1, 1, 1)
    # and the task page says 已延期 1 次
    page = login(world.reporter).get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "已延期 1 次" in page
    # and the ledger list, filtered as the dashboard's 逾期 drill-down, lists it as extended
    listed = login(world.office).get(task_list_url(BUCKET_PARAMS["overdue"])).content.decode()
    assert task.code in listed and "已延期 1 次" in listed


def test_api_overdue_extension_refusals_and_success(world, flow):
    flow.to(world.task, "IN_PROGRESS")
    url = f"/api/v1/tasks/{world.task.pk}/extension-overdue/"
    # not yet overdue: refused (the unit asks for it instead)
    with assert_db_unchanged():
        r = api(world.office).post(
            url, {"new_deadline": "2020-12-31", "reason": "疫情"}, format="json"
        )
    assert r.status_code == 409 and "任务尚未逾期" in r.json()["detail"]
    _past_deadline(world.task)
    # a unit cannot make the office's decision
    with assert_db_unchanged():
        r = api(world.reporter).post(
            url, {"new_deadline": "2020-12-31", "reason": "疫情"}, format="json"
        )
    assert r.status_code == 403
    r = api(world.office).post(url, {"new_deadline": "2020-12-31", "reason": "疫情"}, format="json")
    assert r.status_code == 201 and r.json()["after_deadline"] is True
    detail = api(world.reporter).get(f"/api/v1/tasks/{world.task.pk}/").json()
    assert detail["extension_count"] == 1 and detail["original_deadline"] == "2019-12-31"


def test_approving_an_extension_does_not_hide_overdue_from_the_dispatch(world, flow):
    # given a task whose original deadline passed before January's end, extended on 02-15
    flow.to(world.task, "IN_PROGRESS")
    _past_deadline(world.task)
    services.extension_grant_overdue(
        task=world.task, actor=world.office, new_deadline=date(2020, 6, 30), reason="疫情停工"
    )
    # when January's 月调度 is computed
    dispatch.run(date(2020, 2, 1))
    figures = DispatchReport.objects.get(region=world.city).figures
    # then the task counts as overdue against its original deadline, listed as extended
    assert figures["headline"]["overdue"] == 1
    [row] = figures["overdue_tasks"]
    assert (row["code"], row["original_deadline"], row["extended"], row["overdue_days"]) == (
        world.task.code,
        "2019-12-31",
        True,
        31,
    )
    # and the lead unit's ranking row counts it too
    unit = next(u for u in figures["units"] if u["name"] == "东城区政府")
    assert unit["overdue"] == 1


def test_the_queue_shows_original_requested_dates_and_prior_extensions(world, flow, login):
    # given a first extension approved, then a second one requested
    flow.to(world.task, "IN_PROGRESS")
    original = Task.objects.get(pk=world.task.pk).original_deadline
    first = services.task_request_extension(
        task=world.task, actor=world.reporter, requested_deadline=date(2030, 6, 30), reason="雨季"
    )
    services.extension_decide(extension=first, actor=world.office, approve=True)
    services.task_request_extension(
        task=world.task, actor=world.reporter, requested_deadline=date(2030, 12, 31), reason="汛期"
    )
    # when the office opens the queue
    html = login(world.office).get(reverse("extension_queue")).content.decode()
    # then the pending row shows the ORIGINAL deadline (not the extended one), the current one,
    # the requested one, the request date and that one extension came before
    row = html[html.index('data-testid="extension-row"') :]
    row = row[: row.index("</tr>")]
    assert f'data-testid="original-deadline">{original:%Y-%m-%d}<' in row
    assert "2030-06-30" in row and "2030-12-31" in row and "2020-02-15" in row
    assert 'data-testid="prior-extensions">1 次<' in row


def test_approval_needs_the_confirmation_step(world, flow, login):
    flow.to(world.task, "IN_PROGRESS")
    ext = services.task_request_extension(
        task=world.task, actor=world.reporter, requested_deadline=date(2030, 6, 30), reason="雨季"
    )
    client = login(world.office)
    # the queue's 批准 shows a confirmation page and changes nothing
    with assert_db_unchanged():
        r = client.post(reverse("extension_decide", args=[ext.pk]), {"decision": "approve"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="extension-confirm-form"' in html and 'name="confirm"' in html
    # the confirmation page's own form approves
    r = client.post(
        reverse("extension_decide", args=[ext.pk]), {"decision": "approve", "confirm": "1"}
    )
    assert r.status_code == 302
    assert Extension.objects.get(pk=ext.pk).status == "APPROVED"


def test_reopened_task_counts_against_its_new_deadline(world, flow):
    # given a closed task reopened by a rebound with a new deadline
    flow.to(world.task, "CLOSED")
    services.task_record_lookback(
        task=world.task,
        actor=world.office,
        check_date=TODAY,
        method="ONSITE",
        result="REBOUND",
        findings="排口有污水流出",
        new_deadline=date(2020, 4, 30),
    )
    task = Task.objects.get(pk=world.task.pk)
    # then its original deadline is the new round's, so it is not overdue
    assert task.original_deadline == date(2020, 4, 30)
    assert _overdue_figures() == (0, 0, 0)


# ---------------------------------------------------------------------------------------------
# 9. Progress reports


def test_second_report_in_a_month_amends_the_first_keeping_history(world, flow, login):
    # given this month's report at 60 %
    flow.to(world.task, "IN_PROGRESS")
    client = login(world.reporter)
    url = reverse("task_report", args=[world.task.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="report-amends"' in page  # the form says it will amend
    version = Task.objects.get(pk=world.task.pk).version
    # when the reporter sends a second report through the page
    r = client.post(
        url,
        {"version": version, "progress_text": "管网铺设完成七成", "progress_pct": 70,
         "evidence_kind": "DURING"},
    )  # fmt: skip
    assert r.status_code == 302
    # then there is still one report for the month, amended once, the first kept as history
    [report] = ProgressReport.objects.filter(task=world.task)
    assert (report.progress_pct, report.revision_count) == (70, 1)
    [old] = ProgressReportRevision.objects.filter(report=report)
    assert old.progress_pct == 60
    assert Event.objects.filter(task=world.task, verb=EventVerb.REPORT_AMEND).count() == 1
    # and the task page lists one row for the month with 已修改 1 次 and the history
    page = client.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert page.count('data-testid="report-row"') == 1
    assert "已修改 1 次" in page and 'data-testid="report-history"' in page
    assert "截污管网铺设过半" in page  # the first version's text, in the history


def test_api_second_report_amends_and_never_makes_a_second_row(world, flow):
    flow.to(world.task, "IN_PROGRESS")
    r = api(world.reporter).post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {"progress_text": "完成七成", "progress_pct": 70},
        format="json",
    )
    assert r.status_code == 200
    assert r.json()["revision_count"] == 1
    assert ProgressReport.objects.filter(task=world.task).count() == 1


def test_a_second_row_for_the_month_is_refused_by_the_database(world, flow):
    from django.db import IntegrityError, transaction

    flow.to(world.task, "IN_PROGRESS")
    report = ProgressReport.objects.get(task=world.task)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(
            task=world.task,
            period=report.period,
            unit=world.dc_gov,
            progress_text="另一份",
            progress_pct=65,
            submitted_by=world.reporter,
            submitted_at=report.submitted_at,
        )


def test_falling_progress_needs_an_explanation_service_page_and_api(world, flow, login):
    flow.to(world.task, "IN_PROGRESS")  # 60 %
    # service
    with assert_db_unchanged(raises=InvalidInput, phrase="进度回落必须填写回落原因"):
        services.task_report_progress(
            task=world.task, actor=world.reporter, progress_text="返工", progress_pct=10
        )
    # page
    client = login(world.reporter)
    version = Task.objects.get(pk=world.task.pk).version
    data = {
        "version": version,
        "progress_text": "返工",
        "progress_pct": 10,
        "evidence_kind": "DURING",
    }
    with assert_db_unchanged():
        r = client.post(reverse("task_report", args=[world.task.pk]), data)
    assert r.status_code == 400 and "进度回落必须填写回落原因" in r.content.decode()
    # API
    with assert_db_unchanged():
        r = api(world.reporter).post(
            f"/api/v1/tasks/{world.task.pk}/report/",
            {"progress_text": "返工", "progress_pct": 10},
            format="json",
        )
    assert r.status_code == 400 and "进度回落必须填写回落原因" in str(r.json())
    # with the reason, it is accepted and shown
    r = client.post(
        reverse("task_report", args=[world.task.pk]),
        {**data, "falling_reason": "验收发现管网渗漏，返工"},
    )
    assert r.status_code == 302
    assert ProgressReport.objects.get(task=world.task).falling_reason == "验收发现管网渗漏，返工"
    page = client.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert "进度回落原因：验收发现管网渗漏，返工" in page


def test_jump_to_100_offers_the_closeout_application(world, flow, login):
    flow.to(world.task, "IN_PROGRESS")
    version = Task.objects.get(pk=world.task.pk).version
    data = {"version": version, "progress_text": "全部完成", "progress_pct": 100,
            "evidence_kind": "DURING"}  # fmt: skip
    # a cooperating unit cannot apply: it is told, and stays on the task page
    r = login(world.coop_reporter).post(reverse("task_report", args=[world.task.pk]), data)
    assert r.status_code == 302 and r.url == reverse("task_detail", args=[world.task.pk])
    # the lead unit's reporter is taken to the close-out application, which asks
    version = Task.objects.get(pk=world.task.pk).version
    client = login(world.reporter)
    r = client.post(reverse("task_report", args=[world.task.pk]), {**data, "version": version})
    assert r.status_code == 302 and r.url == reverse("task_closeout", args=[world.task.pk])
    assert "是否现在申请销号" in client.get(r.url).content.decode()


def test_api_report_at_100_returns_the_closeout_hint(world, flow):
    flow.to(world.task, "IN_PROGRESS")
    r = api(world.reporter).post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {"progress_text": "全部完成", "progress_pct": 100},
        format="json",
    )
    assert "申请销号" in r.json()["closeout_hint"]
    r = api(world.reporter).post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {"progress_text": "完成九成", "progress_pct": 90, "falling_reason": "核减"},
        format="json",
    )
    assert r.json()["closeout_hint"] is None


def test_office_reviews_or_returns_a_report(world, flow, login):
    flow.to(world.task, "IN_PROGRESS")
    report = ProgressReport.objects.get(task=world.task)
    url = reverse("report_review", args=[report.pk])
    # the unit sees no review buttons and may not review
    unit = login(world.reporter)
    assert (
        'data-testid="report-review-form"'
        not in unit.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    )
    with assert_db_unchanged():
        assert unit.post(url, {"decision": "reviewed"}).status_code == 403
    # the office sees them; 退回补充 without a note is refused with the rule named
    office = login(world.office)
    page = office.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert 'data-testid="report-review-form"' in page
    with assert_db_unchanged():
        r = office.post(url, {"decision": "returned", "note": ""}, follow=True)
    assert "退回补充时请写明需要补充的内容" in r.content.decode()
    r = office.post(url, {"decision": "returned", "note": "请补充现场照片"})
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.review_status == ReportReviewStatus.RETURNED
    assert Notification.objects.filter(
        recipient=world.reporter, kind="report_returned", task=world.task
    ).exists()
    assert Event.objects.filter(task=world.task, verb=EventVerb.REPORT_RETURN).count() == 1
    # the unit amends: the report is pending review again
    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="补充照片", progress_pct=60
    )
    report.refresh_from_db()
    assert report.review_status == ReportReviewStatus.PENDING
    # the API marks it 已审阅
    r = api(world.office).post(
        f"/api/v1/progress-reports/{report.pk}/review/", {"returned": False}, format="json"
    )
    assert r.status_code == 200 and r.json()["review_status"] == "REVIEWED"
    # reviewing again is refused, naming why
    r = api(world.office).post(
        f"/api/v1/progress-reports/{report.pk}/review/", {"returned": False}, format="json"
    )
    assert r.status_code == 409 and "已审阅" in r.json()["detail"]


# ---------------------------------------------------------------------------------------------
# 8. 长期坚持 and rebounds


def _ongoing(task: Task) -> Task:
    Task.objects.filter(pk=task.pk).update(is_ongoing=True)
    task.refresh_from_db()
    return task


def test_a_long_term_task_closes_by_stage_and_its_units_report_the_quarterly_recheck(
    world, flow, login
):
    # given a 长期坚持 task closed through the lifecycle
    _ongoing(world.task)
    flow.to(world.task, "CLOSED")
    close = Event.objects.get(task=world.task, verb=EventVerb.CLOSE)
    assert close.note.startswith("阶段性销号")
    # then its page says so and offers its units the quarterly re-check
    client = login(world.reporter)
    page = client.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    url = reverse("task_recheck", args=[world.task.pk])
    assert 'data-testid="stage-closed"' in page and url in page
    version = Task.objects.get(pk=world.task.pk).version
    r = client.post(url, {"version": version, "progress_text": "长效机制运行正常，排口无污水"})
    assert r.status_code == 302
    report = ProgressReport.objects.get(task=world.task, period__kind="QUARTERLY")
    assert report.period.code == "2020-Q1"
    assert Event.objects.filter(task=world.task, verb=EventVerb.RECHECK).count() == 1
    # and the task stays closed
    assert Task.objects.get(pk=world.task.pk).status == "CLOSED"


def test_a_dated_closed_task_has_no_recheck(world, flow, login):
    flow.to(world.task, "CLOSED")
    client = login(world.reporter)
    page = client.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert reverse("task_recheck", args=[world.task.pk]) not in page
    with assert_db_unchanged(raises=InvalidState, phrase="长期坚持"):
        services.task_report_recheck(task=world.task, actor=world.reporter, progress_text="正常")
    with assert_db_unchanged():
        r = api(world.reporter).post(
            f"/api/v1/tasks/{world.task.pk}/recheck/", {"progress_text": "正常"}, format="json"
        )
    assert r.status_code == 409 and "长期坚持" in r.json()["detail"]


def test_the_chase_reminds_a_missing_quarterly_recheck_once(world, flow):
    from accounts import clock
    from rectification.jobs import report_chase

    # given a 长期坚持 task closed by stage last year
    _ongoing(world.task)
    flow.to(world.task, "CLOSED")
    Task.objects.filter(pk=world.task.pk).update(closed_at=clock.at(date(2019, 12, 20), 10, 0))
    # when the chase runs outside the quarter's last days, nothing
    assert report_chase.run(date(2020, 3, 20)).rechecks == 0
    # in the last days of the quarter, the unit's members are reminded, once
    run = report_chase.run(date(2020, 3, 29))
    assert run.rechecks > 0
    reminded = Notification.objects.filter(kind="recheck_chase", task=world.task)
    assert world.reporter.pk in set(reminded.values_list("recipient_id", flat=True))
    before = reminded.count()
    report_chase.run(date(2020, 3, 30))
    assert reminded.count() == before
    # once the re-check is reported, the next quarter's chase asks again, this one does not
    with clock.travel(clock.at(date(2020, 3, 30), 9, 0)):
        services.task_report_recheck(task=world.task, actor=world.reporter, progress_text="正常")
    assert not report_chase.recheck_missing(date(2020, 3, 31)).exists()
    assert report_chase.recheck_missing(date(2020, 6, 29)).exists()


@pytest.mark.parametrize("through", ["service", "api"])
def test_a_partial_rebound_reopens_the_task_with_a_link_to_the_lookback(world, flow, through):
    from rectification.models import LookBackCheck

    flow.to(world.task, "CLOSED")
    args = {
        "check_date": TODAY,
        "method": "UNANNOUNCED",
        "result": "PARTIAL",
        "findings": "部分商户油烟净化设施未清洗",
        "new_deadline": date(2020, 3, 31),
    }
    if through == "service":
        services.task_record_lookback(task=world.task, actor=world.office, **args)
    else:
        r = api(world.office).post(
            f"/api/v1/tasks/{world.task.pk}/lookback/",
            {**args, "check_date": "2020-02-15", "new_deadline": "2020-03-31"},
            format="json",
        )
        assert r.status_code == 201
    task = Task.objects.get(pk=world.task.pk)
    assert (task.status, task.reopen_count, task.deadline) == ("IN_PROGRESS", 1, date(2020, 3, 31))
    check = LookBackCheck.objects.get(task=task)
    assert check.reopened
    reopen = Event.objects.get(task=task, verb=EventVerb.REOPEN)
    assert reopen.target_id == check.pk and "部分反弹" in reopen.note
    assert Notification.objects.filter(kind="reopened", task=task).exists()
