"""Bad calls are refused with a specific Chinese message and change nothing.

Each case puts world.task in a state with the real services, then makes one bad call inside
assert_db_unchanged, which also checks the error class and a key phrase of the message.
"""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import clock
from accounts.errors import InvalidInput, InvalidState, StaleVersion
from rectification import services
from rectification.choices import AssignmentRole
from rectification.models import Task
from rectification.services import CLOSEOUT_CHECKLIST, EvidenceFile, UnitRole
from tests.factories import provincial_document
from tests.services.factories_extra import MilestoneFactory
from tests.services.snapshot import assert_db_unchanged

ALL_CHECKED = dict.fromkeys(CLOSEOUT_CHECKLIST, True)


def _html_as_png():
    return SimpleUploadedFile(
        "photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
    )


def _svg():
    body = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    return SimpleUploadedFile("map.svg", body, content_type="image/svg+xml")


def _exe():
    return SimpleUploadedFile(
        "setup.exe", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/octet-stream"
    )


def report(w, ctx, **kw):
    # Not lower than the flow's last report: a fall needs an explanation (issue 11).
    args = {"task": w.task, "actor": w.reporter, "progress_text": "继续施工", "progress_pct": 80}
    return services.task_report_progress(**{**args, **kw})


def apply(w, ctx, **kw):
    args = {
        "task": w.task,
        "actor": w.reporter,
        "summary": "已完成",
        "checklist": ALL_CHECKED,
        "files": ctx["before_after"](),
    }
    return services.task_apply_closeout(**{**args, **kw})


def self_check(w, ctx, **kw):
    args = {"application": ctx["app"], "actor": w.unit_head, "passed": True, "opinion": "合格"}
    return services.closeout_self_check(**{**args, **kw})


def accept(w, ctx, **kw):
    args = {
        "application": ctx["app"],
        "actor": w.office,
        "opinion": "合格",
        "notice_start": date(2020, 2, 15),
        "notice_end": date(2020, 2, 21),
        "contact_phone": "0999-12369",
    }
    return services.closeout_accept(**{**args, **kw})


def return_(w, ctx, **kw):
    args = {"application": ctx["app"], "actor": w.office, "reason": "辅助设施未完成"}
    return services.closeout_return(**{**args, **kw})


def review(w, ctx, **kw):
    args = {
        "application": ctx["app"],
        "actor": w.office,
        "level": "PROVINCIAL",
        "result": "PASS",
        "opinion": "合格",
        **provincial_document(),
    }
    return services.closeout_record_review(**{**args, **kw})


def close(w, ctx, **kw):
    return services.closeout_close(**{"application": ctx["app"], "actor": w.office, **kw})


def lookback(w, ctx, **kw):
    args = {
        "task": w.task,
        "actor": w.office,
        "check_date": date(2020, 2, 15),
        "method": "ONSITE",
        "result": "REBOUND",
        "findings": "反弹",
        "new_deadline": date(2020, 4, 30),
    }
    return services.task_record_lookback(**{**args, **kw})


def extend(w, ctx, **kw):
    args = {
        "task": w.task,
        "actor": w.reporter,
        "requested_deadline": date(2020, 9, 30),
        "reason": "疫情停工",
    }
    return services.task_request_extension(**{**args, **kw})


def decide(w, ctx, **kw):
    ext = ctx.get("extension") or extend(w, ctx)
    ctx["extension"] = ext
    args = {"extension": ext, "actor": w.office, "approve": False, "note": "理由不充分"}
    return services.extension_decide(**{**args, **kw})


def create(w, ctx, **kw):
    args = {
        "problem": w.problem,
        "actor": w.office,
        "code": "SD-4-9",
        "name": "9#排口",
        "region": w.dongcheng,
        "units": [UnitRole(w.dc_gov, AssignmentRole.LEAD)],
        "deadline": date(2020, 12, 31),
    }
    return services.task_create(**{**args, **kw})


def set_units(w, ctx, **kw):
    args = {"task": w.task, "actor": w.office, "units": [UnitRole(w.dc_gov, "LEAD")]}
    return services.task_set_units(**{**args, **kw})


def evidence(w, ctx, files):
    return services.task_add_evidence(task=w.task, actor=w.reporter, files=files)


def milestone(w, ctx, **kw):
    return services.milestone_complete(milestone=ctx["milestone"], actor=w.reporter, **kw)


# (id, state of world.task, the bad call, error, key phrase of the message)
CASES = [
    # progress reports
    ("report-wrong-state", "APPLIED", lambda w, c: report(w, c), InvalidState, "不能报送进展"),
    ("report-empty-text", "IN_PROGRESS", lambda w, c: report(w, c, progress_text="  "),
     InvalidInput, "请填写本月进展"),
    ("report-pct-101", "IN_PROGRESS", lambda w, c: report(w, c, progress_pct=101),
     InvalidInput, "0 到 100"),
    ("report-pct-minus-1", "NOT_STARTED", lambda w, c: report(w, c, progress_pct=-1),
     InvalidInput, "0 到 100"),
    ("report-stale-version", "IN_PROGRESS", lambda w, c: report(w, c, expected_version=1),
     StaleVersion, "已被他人修改"),
    ("report-html-attachment", "IN_PROGRESS",
     lambda w, c: report(w, c, files=[EvidenceFile(_html_as_png(), "DURING")]),
     InvalidInput, "类型不被接受"),
    # apply for close-out
    ("apply-wrong-state", "NOT_STARTED", lambda w, c: apply(w, c), InvalidState, "不能申请销号"),
    ("apply-no-evidence", "IN_PROGRESS", lambda w, c: apply(w, c, files=[]),
     InvalidInput, "整改前和整改后"),
    ("apply-no-after-photo", "IN_PROGRESS",
     lambda w, c: apply(w, c, files=c["before_after"]()[:1]), InvalidInput, "需要上传整改后"),
    ("apply-unchecked-item", "IN_PROGRESS",
     lambda w, c: apply(w, c, checklist={**ALL_CHECKED, "similar_fixed": False}),
     InvalidInput, "举一反三"),
    ("apply-empty-summary", "IN_PROGRESS", lambda w, c: apply(w, c, summary=""),
     InvalidInput, "请填写整改完成情况说明"),
    ("apply-stale-version", "IN_PROGRESS", lambda w, c: apply(w, c, expected_version=1),
     StaleVersion, "已被他人修改"),
    ("apply-renamed-html", "IN_PROGRESS",
     lambda w, c: apply(w, c, files=[c["before_after"]()[0], EvidenceFile(_html_as_png(), "AFTER")]),
     InvalidInput, "photo.png"),
    # county self-check
    ("self-check-empty-opinion", "APPLIED", lambda w, c: self_check(w, c, opinion=""),
     InvalidInput, "请填写自验意见"),
    ("self-check-return-empty-reason", "APPLIED",
     lambda w, c: self_check(w, c, passed=False, opinion=" "), InvalidInput, "请填写退回理由"),
    ("self-check-twice", "IN_REVIEW", lambda w, c: self_check(w, c), InvalidState, "不能进行县级自验"),
    ("self-check-stale-version", "APPLIED", lambda w, c: self_check(w, c, expected_version=1),
     StaleVersion, "已被他人修改"),
    # office acceptance
    ("accept-notice-end-before-start", "IN_REVIEW",
     lambda w, c: accept(w, c, notice_end=date(2020, 2, 14)), InvalidInput, "公示结束日期不能早于开始日期"),
    ("accept-empty-opinion", "IN_REVIEW", lambda w, c: accept(w, c, opinion=""),
     InvalidInput, "请填写验收意见"),
    ("accept-county-level", "IN_REVIEW", lambda w, c: accept(w, c, level="COUNTY"),
     InvalidInput, "验收通过并公示记录的是环督办的市级验收"),
    ("accept-before-self-check", "APPLIED", lambda w, c: accept(w, c), InvalidState, "不能验收通过"),
    ("accept-stale-version", "IN_REVIEW", lambda w, c: accept(w, c, expected_version=2),
     StaleVersion, "已被他人修改"),
    # return
    ("return-empty-reason", "IN_REVIEW", lambda w, c: return_(w, c, reason=""),
     InvalidInput, "请填写退回理由"),
    ("return-bad-level", "IN_REVIEW", lambda w, c: return_(w, c, level="COUNTY"),
     InvalidInput, "验收层级"),
    ("return-before-self-check", "APPLIED", lambda w, c: return_(w, c), InvalidState, "不能退回"),
    ("return-stale-version", "PUBLICIZING", lambda w, c: return_(w, c, expected_version=3),
     StaleVersion, "已被他人修改"),
    # recorded reviews
    ("review-empty-opinion", "IN_REVIEW", lambda w, c: review(w, c, opinion=""),
     InvalidInput, "请填写验收意见"),
    ("review-county-level", "IN_REVIEW", lambda w, c: review(w, c, level="COUNTY"),
     InvalidInput, "市级、行业部门或省级"),
    ("review-bad-result", "IN_REVIEW", lambda w, c: review(w, c, result="MAYBE"),
     InvalidInput, "请选择验收结论"),
    ("review-before-self-check", "APPLIED", lambda w, c: review(w, c), InvalidState, "验收中或公示中"),
    # close
    ("close-not-publicizing", "IN_REVIEW", lambda w, c: close(w, c), InvalidState, "不能销号"),
    ("close-objection-without-note", "PUBLICIZING", lambda w, c: close(w, c, objections=2),
     InvalidInput, "异议处理情况"),
    ("close-stale-version", "PUBLICIZING", lambda w, c: close(w, c, expected_version=4),
     StaleVersion, "已被他人修改"),
    # look-back
    ("lookback-open-task", "IN_PROGRESS", lambda w, c: lookback(w, c), InvalidState, "只能对已销号"),
    ("lookback-rebound-no-findings", "CLOSED", lambda w, c: lookback(w, c, findings=""),
     InvalidInput, "反弹时请写明发现的问题"),
    ("lookback-rebound-deadline-before-check", "CLOSED",
     lambda w, c: lookback(w, c, new_deadline=date(2020, 2, 1)), InvalidInput, "不早于检查日期"),
    ("lookback-rebound-no-deadline", "CLOSED", lambda w, c: lookback(w, c, new_deadline=None),
     InvalidInput, "新时限"),
    ("lookback-bad-method", "CLOSED", lambda w, c: lookback(w, c, method="PHONE"),
     InvalidInput, "请选择检查方式"),
    ("lookback-stale-version", "CLOSED", lambda w, c: lookback(w, c, expected_version=5),
     StaleVersion, "已被他人修改"),
    # extensions
    ("extension-before-current-deadline", "IN_PROGRESS",
     lambda w, c: extend(w, c, requested_deadline=date(2020, 6, 1)), InvalidInput, "必须晚于现时限 2020-06-30"),
    ("extension-same-deadline", "IN_PROGRESS",
     lambda w, c: extend(w, c, requested_deadline=date(2020, 6, 30)), InvalidInput, "必须晚于现时限"),
    ("extension-empty-reason", "IN_PROGRESS", lambda w, c: extend(w, c, reason=""),
     InvalidInput, "请填写延期理由"),
    ("extension-while-closing", "APPLIED", lambda w, c: extend(w, c), InvalidState, "不能申请延期"),
    ("lookback-future-check-date", "CLOSED",
     lambda w, c: lookback(w, c, check_date=date(2020, 2, 16)), InvalidInput, "检查日期不能晚于今天"),
    ("review-bad-method", "IN_REVIEW", lambda w, c: review(w, c, method="PHONE"),
     InvalidInput, "请选择验收方式"),
    # tasks and units
    ("create-deadline-before-start", "NOT_STARTED",
     lambda w, c: create(w, c, start_date=date(2020, 3, 1), deadline=date(2020, 2, 1)),
     InvalidInput, "整改时限不能早于开始日期"),
    ("create-duplicate-code", "NOT_STARTED", lambda w, c: create(w, c, code="SD-4-1"),
     InvalidInput, "已存在"),
    ("create-two-leads", "NOT_STARTED",
     lambda w, c: create(w, c, units=[UnitRole(w.dc_gov, "LEAD"), UnitRole(w.housing, "LEAD")]),
     InvalidInput, "有且只有一个牵头单位"),
    ("create-no-lead", "NOT_STARTED",
     lambda w, c: create(w, c, units=[UnitRole(w.housing, "COOP")]),
     InvalidInput, "有且只有一个牵头单位"),
    ("create-empty-name", "NOT_STARTED", lambda w, c: create(w, c, name=" "),
     InvalidInput, "请填写点位/任务名称"),
    ("create-dated-without-deadline", "NOT_STARTED", lambda w, c: create(w, c, deadline=None),
     InvalidInput, "必须填写整改时限"),
    ("create-bad-site-type", "NOT_STARTED", lambda w, c: create(w, c, site_type="CASTLE"),
     InvalidInput, "请选择点位类型"),
    ("create-bad-deadline-type", "NOT_STARTED", lambda w, c: create(w, c, deadline_type="SOON"),
     InvalidInput, "请选择时限类型"),
    ("accept-bad-method", "IN_REVIEW", lambda w, c: accept(w, c, method="PHONE"),
     InvalidInput, "请选择验收方式"),
    ("set-units-two-leads", "IN_PROGRESS",
     lambda w, c: set_units(w, c, units=[UnitRole(w.dc_gov, "LEAD"), UnitRole(w.housing, "LEAD")]),
     InvalidInput, "有且只有一个牵头单位"),
    ("set-units-duplicate-unit", "IN_PROGRESS",
     lambda w, c: set_units(w, c, units=[UnitRole(w.dc_gov, "LEAD"), UnitRole(w.housing, "COOP"),
                                         UnitRole(w.housing, "COOP")]),
     InvalidInput, "重复填写"),
    ("set-units-closed-task", "CLOSED", lambda w, c: set_units(w, c), InvalidState, "任务已销号"),
    ("set-units-stale-version", "IN_PROGRESS", lambda w, c: set_units(w, c, expected_version=1),
     StaleVersion, "已被他人修改"),
    # milestones
    ("milestone-future-date", "IN_PROGRESS", lambda w, c: milestone(w, c, done_date=date(2020, 2, 16)),
     InvalidInput, "完成日期不能晚于今天"),
    # evidence uploads
    ("evidence-renamed-html", "IN_PROGRESS",
     lambda w, c: evidence(w, c, [EvidenceFile(_html_as_png(), "BEFORE")]), InvalidInput, "类型不被接受"),
    ("evidence-svg", "IN_PROGRESS", lambda w, c: evidence(w, c, [EvidenceFile(_svg(), "BEFORE")]),
     InvalidInput, "“map.svg”的类型不被接受"),
    ("evidence-exe", "IN_PROGRESS", lambda w, c: evidence(w, c, [EvidenceFile(_exe(), "OTHER")]),
     InvalidInput, "“setup.exe”的类型不被接受"),
    ("evidence-one-bad-among-good", "IN_PROGRESS",
     lambda w, c: evidence(w, c, [*c["before_after"](), EvidenceFile(_exe(), "OTHER")]),
     InvalidInput, "setup.exe"),
    ("evidence-unknown-kind", "IN_PROGRESS",
     lambda w, c: evidence(w, c, [EvidenceFile(c["before_after"]()[0].file, "SELFIE")]),
     InvalidInput, "未知的材料类别"),
    ("evidence-none", "IN_PROGRESS", lambda w, c: evidence(w, c, []), InvalidInput, "请选择要上传的文件"),
    ("evidence-closed-task", "CLOSED", lambda w, c: evidence(w, c, c["before_after"]()),
     InvalidState, "任务已销号"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("state", "bad_call", "error", "phrase"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_call_is_refused_and_changes_nothing(
    world, flow, before_after, state, bad_call, error, phrase
):
    # given world.task in `state`
    ctx = {"app": flow.to(world.task, state), "before_after": before_after}
    ctx["milestone"] = MilestoneFactory(task=world.task)
    # when the bad call is made, then it raises `error` with a specific message, nothing changed
    with assert_db_unchanged(raises=error, phrase=phrase):
        bad_call(world, ctx)


def test_oversized_upload_is_refused(world, flow, png_file, settings):
    # given a small upload limit
    flow.to(world.task, "IN_PROGRESS")
    settings.UPLOAD_MAX_BYTES = 16
    # when a normal photo is uploaded, then it is refused for its size
    with assert_db_unchanged(raises=InvalidInput, phrase="超过大小限制"):
        evidence(world, {}, [EvidenceFile(png_file("big.png"), "BEFORE")])


def test_unit_cannot_request_an_extension_after_the_deadline(world, flow):
    # given a task whose deadline 2020-01-31 has passed (business date 2020-02-15)
    Task.objects.filter(pk=world.task.pk).update(
        deadline=date(2020, 1, 31), original_deadline=date(2020, 1, 31)
    )
    flow.to(world.task, "IN_PROGRESS")
    # when the unit asks for a later deadline, even one in the future, then it is refused with
    # the rule named (only the office may decide an extension after the deadline)
    with assert_db_unchanged(raises=InvalidState, phrase="延期须在时限届满前申请"):
        extend(world, {}, requested_deadline=date(2020, 6, 30))
    with assert_db_unchanged(raises=InvalidState, phrase="逾期后延期只能由环督办决定"):
        extend(world, {}, actor=world.unit_head, requested_deadline=date(2020, 2, 10))


def test_second_pending_extension_is_refused(world, flow):
    # given a pending extension
    flow.to(world.task, "IN_PROGRESS")
    extend(world, {})
    # when the unit head asks again, then it is refused
    with assert_db_unchanged(raises=InvalidState, phrase="已有待审批的延期申请"):
        extend(world, {}, actor=world.unit_head, requested_deadline=date(2020, 12, 31))


def test_extension_decided_twice_is_refused(world, flow):
    # given an extension already approved
    flow.to(world.task, "IN_PROGRESS")
    ctx = {}
    decide(world, ctx, approve=True, note="")
    # when it is decided again, then it is refused
    with assert_db_unchanged(raises=InvalidState, phrase="已经审批过"):
        decide(world, ctx)


def test_extension_rejected_without_reason_is_refused(world, flow):
    # given a pending extension
    flow.to(world.task, "IN_PROGRESS")
    ctx = {"extension": extend(world, {})}
    # when the office rejects it without a reason, then it is refused
    with assert_db_unchanged(raises=InvalidInput, phrase="不批准时请填写理由"):
        decide(world, ctx, note="  ")


def test_milestone_completed_twice_is_refused(world, flow):
    # given a completed milestone
    flow.to(world.task, "IN_PROGRESS")
    ctx = {"milestone": MilestoneFactory(task=world.task)}
    milestone(world, ctx)
    # when it is completed again, then it is refused
    with assert_db_unchanged(raises=InvalidState, phrase="该节点已完成"):
        milestone(world, ctx)


def test_cannot_close_before_the_notice_ends(world, flow, settings):
    # given a notice running until 2020-02-14 and a business date of 2020-02-10
    app = flow.to(world.task, "PUBLICIZING")
    settings.TRACKER_TODAY = date(2020, 2, 10)
    # when the office closes, then it is refused and names the end date
    with assert_db_unchanged(raises=InvalidState, phrase="公示期至 2020-02-14（含当天）结束"):
        close(world, {"app": app})
    # nor on the notice's last day
    settings.TRACKER_TODAY = date(2020, 2, 14)
    with assert_db_unchanged(raises=InvalidState, phrase="2020-02-15 起"):
        close(world, {"app": app})
    # and once the notice is over it closes
    settings.TRACKER_TODAY = date(2020, 2, 15)
    close(world, {"app": app})
    world.task.refresh_from_db()
    assert world.task.status == "CLOSED"


def test_round_needing_provincial_review_cannot_reach_notice_or_close_without_one(world, flow):
    # given a round whose items need a provincial review (省级复核) and an application in review
    world.round.requires_provincial_review = True
    world.round.save(update_fields=["requires_provincial_review"])
    app = flow.to(world.task, "IN_REVIEW")
    # when the office accepts without one, then it is refused, naming the rule and the step
    with assert_db_unchanged(raises=InvalidState, phrase="验收链未完成"):
        accept(world, {"app": app})
    # and a failed provincial review is not enough either
    review(world, {"app": app}, result="FAIL", opinion="渗滤液仍超标")
    with assert_db_unchanged(raises=InvalidState, phrase="尚缺省级复核"):
        accept(world, {"app": app})
    # but after a passed one the acceptance starts the notice
    review(world, {"app": app}, result="PASS", opinion="省级复核合格")
    accept(world, {"app": app})  # the notice runs 2020-02-15 to 02-21
    # and a failed review recorded during the notice stops the 销号 after it
    review(world, {"app": app}, result="FAIL", opinion="省级复核发现反弹")
    with clock.travel(date(2020, 2, 22)):
        with assert_db_unchanged(raises=InvalidState, phrase="尚缺省级复核，不能销号"):
            close(world, {"app": app})
        review(world, {"app": app}, result="PASS", opinion="整改到位")
        close(world, {"app": app})
    world.task.refresh_from_db()
    assert world.task.status == "CLOSED"


def test_unknown_ids_are_not_found(world):
    # given ids that do not exist, when they are acted on, then NotFound and nothing changes
    from accounts.errors import NotFound

    with assert_db_unchanged(raises=NotFound, phrase="不存在"):
        services.task_report_progress(
            task=999999, actor=world.reporter, progress_text="x", progress_pct=1
        )
    with assert_db_unchanged(raises=NotFound, phrase="销号申请不存在"):
        services.closeout_accept(
            application=999999,
            actor=world.office,
            opinion="x",
            notice_start=date(2020, 2, 1),
            notice_end=date(2020, 2, 2),
            contact_phone="0999-12369",
        )
    with assert_db_unchanged(raises=NotFound, phrase="延期申请不存在"):
        services.extension_decide(extension=999999, actor=world.office, approve=True)
    with assert_db_unchanged(raises=NotFound, phrase="进度节点不存在"):
        services.milestone_complete(milestone=999999, actor=world.office)
