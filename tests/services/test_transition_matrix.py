"""Who may make each move: every writing service × every persona.

Out of scope is NotFound, in scope but not allowed is NotAllowed; a refusal changes nothing.
A success writes exactly one Event naming the actor (and, for status moves, from and to).
"""

from dataclasses import dataclass, field
from datetime import date

import pytest

from accounts.errors import NotAllowed, NotFound
from rectification import services
from rectification.choices import AssignmentRole, TaskStatus
from rectification.models import Event, Extension, Task
from rectification.services import UnitRole
from tests.factories import provincial_document
from tests.services.factories_extra import MilestoneFactory
from tests.services.snapshot import assert_db_unchanged

PERSONAS = ("reporter", "unit_head", "coop_reporter", "outsider", "office", "leader", "admin")
OUTCOMES = {"ok": None, "NF": NotFound, "NA": NotAllowed}


@dataclass
class Scenario:
    name: str
    setup_status: str  # where flow.to() leaves world.task first
    call: object  # (world, ctx, actor) -> result
    expected: str  # one outcome per persona, in PERSONAS order
    move: tuple[str, str] | None = None  # (from, to) of the status move, if it is one
    verb: str = ""
    prepare: object = None  # (world, ctx) -> None: extra rows the call needs
    extra: dict = field(default_factory=dict)


def _report(w, ctx, actor):
    return services.task_report_progress(
        task=w.task, actor=actor, progress_text="完成截污管网 3 公里", progress_pct=70
    )


def _evidence(w, ctx, actor):
    return services.task_add_evidence(task=w.task, actor=actor, files=ctx["before_after"]())


def _request_extension(w, ctx, actor):
    return services.task_request_extension(
        task=w.task, actor=actor, requested_deadline=date(2020, 9, 30), reason="受疫情影响停工"
    )


def _prepare_extension(w, ctx):
    ctx["extension"] = _request_extension(w, ctx, w.reporter)


def _approve(w, ctx, actor):
    return services.extension_decide(
        extension=ctx["extension"], actor=actor, approve=True, note="同意"
    )


def _reject(w, ctx, actor):
    return services.extension_decide(
        extension=ctx["extension"], actor=actor, approve=False, note="理由不充分"
    )


def _apply(w, ctx, actor):
    return services.task_apply_closeout(
        task=w.task,
        actor=actor,
        summary="已完成截污纳管",
        checklist=dict.fromkeys(services.CLOSEOUT_CHECKLIST, True),
        files=ctx["before_after"](),
    )


def _self_check(passed):
    def call(w, ctx, actor):
        return services.closeout_self_check(
            application=ctx["app"], actor=actor, passed=passed, opinion="现场核查"
        )

    return call


def _accept(w, ctx, actor):
    return services.closeout_accept(
        application=ctx["app"],
        actor=actor,
        opinion="市级验收合格",
        notice_start=date(2020, 2, 15),
        notice_end=date(2020, 2, 21),
        contact_phone="0999-12369",
    )


def _return(upheld):
    def call(w, ctx, actor):
        return services.closeout_return(
            application=ctx["app"], actor=actor, reason="辅助设施未完成", objection_upheld=upheld
        )

    return call


def _record_review(w, ctx, actor):
    return services.closeout_record_review(
        application=ctx["app"],
        actor=actor,
        level="PROVINCIAL",
        result="PASS",
        opinion="省级验收合格",
        **provincial_document(),
    )


def _close(w, ctx, actor):
    return services.closeout_close(application=ctx["app"], actor=actor)


def _lookback(result):
    def call(w, ctx, actor):
        return services.task_record_lookback(
            task=w.task,
            actor=actor,
            check_date=date(2020, 2, 15),
            method="ONSITE",
            result=result,
            findings="排口有污水流出" if result == "REBOUND" else "",
            new_deadline=date(2020, 4, 30) if result == "REBOUND" else None,
        )

    return call


def _prepare_milestone(w, ctx):
    ctx["milestone"] = MilestoneFactory(task=w.task, planned_date=date(2020, 1, 31))


def _milestone(w, ctx, actor):
    return services.milestone_complete(milestone=ctx["milestone"], actor=actor)


def _create(w, ctx, actor):
    return services.task_create(
        problem=w.problem,
        actor=actor,
        code="SD-4-9",
        name="清溪河东城区段9#排口",
        region=w.dongcheng,
        units=[UnitRole(w.dc_gov, AssignmentRole.LEAD)],
        deadline=date(2020, 12, 31),
    )


def _set_units(w, ctx, actor):
    return services.task_set_units(
        task=w.task,
        actor=actor,
        units=[
            UnitRole(w.dc_gov, AssignmentRole.LEAD),
            UnitRole(w.housing, AssignmentRole.COOP),
            UnitRole(w.gov_office, AssignmentRole.COOP),
        ],
    )


S = TaskStatus
#                   reporter head coop outsider office leader admin
SCENARIOS = [
    Scenario("report_first", "NOT_STARTED", _report, "ok ok ok NF NA NA NA",
             move=(S.NOT_STARTED, S.IN_PROGRESS), verb="report"),
    # The world's task was first reported this month: a second report amends it (issue 11).
    Scenario("report_again", "IN_PROGRESS", _report, "ok ok ok NF NA NA NA",
             move=(S.IN_PROGRESS, S.IN_PROGRESS), verb="report_amend"),
    Scenario("add_evidence", "IN_PROGRESS", _evidence, "ok ok ok NF ok NA NA", verb="evidence"),
    Scenario("request_extension", "IN_PROGRESS", _request_extension, "ok ok NA NF NA NA NA",
             verb="extension_request"),
    Scenario("extension_approve", "IN_PROGRESS", _approve, "NA NA NA NF ok NA NA",
             verb="extension_approve", prepare=_prepare_extension),
    Scenario("extension_reject", "IN_PROGRESS", _reject, "NA NA NA NF ok NA NA",
             verb="extension_reject", prepare=_prepare_extension),
    Scenario("apply_closeout", "IN_PROGRESS", _apply, "ok ok NA NF NA NA NA",
             move=(S.IN_PROGRESS, S.APPLIED), verb="apply"),
    Scenario("self_check_pass", "APPLIED", _self_check(True), "NA ok NA NF NA NA NA",
             move=(S.APPLIED, S.IN_REVIEW), verb="self_check_pass"),
    Scenario("self_check_return", "APPLIED", _self_check(False), "NA ok NA NF NA NA NA",
             move=(S.APPLIED, S.IN_PROGRESS), verb="self_check_return"),
    Scenario("accept", "IN_REVIEW", _accept, "NA NA NA NF ok NA NA",
             move=(S.IN_REVIEW, S.PUBLICIZING), verb="accept"),
    Scenario("return_in_review", "IN_REVIEW", _return(False), "NA NA NA NF ok NA NA",
             move=(S.IN_REVIEW, S.IN_PROGRESS), verb="return"),
    Scenario("return_objection_upheld", "PUBLICIZING", _return(True), "NA NA NA NF ok NA NA",
             move=(S.PUBLICIZING, S.IN_PROGRESS), verb="return"),
    Scenario("record_review", "PUBLICIZING", _record_review, "NA NA NA NF ok NA NA",
             verb="review"),
    Scenario("close", "PUBLICIZING", _close, "NA NA NA NF ok NA NA",
             move=(S.PUBLICIZING, S.CLOSED), verb="close"),
    Scenario("lookback_consolidated", "CLOSED", _lookback("CONSOLIDATED"),
             "NA NA NA NF ok NA NA", verb="lookback"),
    Scenario("lookback_rebound_reopens", "CLOSED", _lookback("REBOUND"), "NA NA NA NF ok NA NA",
             move=(S.CLOSED, S.IN_PROGRESS), verb="reopen"),
    Scenario("milestone_complete", "IN_PROGRESS", _milestone, "ok ok NA NF ok NA NA",
             verb="milestone", prepare=_prepare_milestone),
    # A reporter may never create a task, whatever the county: NotAllowed, not NotFound.
    Scenario("task_create", "NOT_STARTED", _create, "NA NA NA NA ok NA NA", verb="create",
             move=("", S.NOT_STARTED)),
    Scenario("task_set_units", "IN_PROGRESS", _set_units, "NA NA NA NF ok NA NA", verb="assign"),
]  # fmt: skip

CASES = [
    pytest.param(scenario, persona, outcome, id=f"{scenario.name}-{persona}-{outcome}")
    for scenario in SCENARIOS
    for persona, outcome in zip(PERSONAS, scenario.expected.split(), strict=True)
]


@pytest.mark.parametrize(("scenario", "persona", "outcome"), CASES)
def test_who_may_make_each_move(world, flow, before_after, scenario, persona, outcome):
    # given world.task in the state the move starts from (and the rows it needs)
    app = flow.to(world.task, scenario.setup_status)
    ctx = {"app": app, "before_after": before_after}
    if scenario.prepare:
        scenario.prepare(world, ctx)
    actor = getattr(world, persona)
    expected_error = OUTCOMES[outcome]

    if expected_error is not None:
        # when someone else tries, then it is refused and nothing changes
        with assert_db_unchanged(raises=expected_error):
            scenario.call(world, ctx, actor)
        return

    # when an allowed persona makes the move
    last_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    version_before = Task.objects.get(pk=world.task.pk).version
    result = scenario.call(world, ctx, actor)

    # then exactly one event records it, with the actor and the statuses
    events = list(Event.objects.filter(id__gt=last_event))
    if scenario.verb == "return":
        # (and a failed acceptance is a yellow card: the office's warning, its own event)
        cards = [e for e in events if e.verb == "warning"]
        assert len(cards) == 1 and cards[0].actor == actor
        events = [e for e in events if e.verb != "warning"]
    assert len(events) == 1, [e.verb for e in events]
    event = events[0]
    assert event.actor == actor
    assert event.verb == scenario.verb
    if scenario.move:
        from_status, to_status = scenario.move
        assert (event.from_status, event.to_status) == (from_status, to_status)
        task = event.task
        assert task.status == to_status
        if from_status:
            assert task.version > version_before
    assert result is not None


def test_extension_request_names_the_requesting_unit(world, flow):
    # given a pending extension (the matrix covers who decides it)
    flow.to(world.task, "IN_PROGRESS")
    ext = services.task_request_extension(
        task=world.task, actor=world.unit_head, requested_deadline=date(2020, 9, 30), reason="疫情"
    )
    # then it is pending and names the unit that asked
    assert Extension.objects.get(pk=ext.pk).status == "PENDING"
    assert ext.unit_id == world.dc_gov.pk
