"""Every persona × every scoped model × every task move, against a naive oracle.

The oracle below is written apart from the production rules: plain Python loops over rows,
walking region parents by hand, with the moves table spelled out per status and role. It does
not read accounts.scope.SCOPE or rectification.lifecycle.MOVES (only the list of verbs, to
check the two agree on what exists).

1. visible_to(): for each persona and each model in SCOPE, the ids it returns equal the ids
   of the rows the oracle says the persona reaches.
2. allowed_moves(): for each persona, each task status and each move, the answer equals the
   oracle's, and the service of the move accepts it exactly when allowed_moves() says so (each
   call runs in a savepoint that is rolled back).
"""

from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from accounts import clock, scope
from accounts.choices import Role, UnitKind
from accounts.errors import InvalidInput, InvalidState, NotAllowed, NotFound
from accounts.models import Region, Unit
from accounts.tokens import api_token_create
from exchange.models import ArchiveJob, ImportJob
from inspections.models import InspectionRound, Petition, Problem
from rectification import lifecycle, services
from rectification.models import (
    AccountabilityRecord,
    Assignment,
    CloseoutApplication,
    DispatchReport,
    Event,
    Extension,
    Milestone,
    PetitionAttachment,
    ProgressReport,
    PublicNotice,
    PublicObjection,
    SavedFilter,
    Task,
)
from rectification.services import CLOSEOUT_CHECKLIST, UnitRole
from rectification.services.base import period_for
from tests.factories import (
    ProblemFactory,
    RoundFactory,
    TaskFactory,
    UnitFactory,
    UserFactory,
)
from tests.services.factories_extra import (
    MilestoneFactory,
    PetitionFactory,
    SupervisionNoticeFactory,
    WarningFactory,
)

PERSONAS = (
    "reporter",  # 东城区政府, lead of world.task
    "unit_head",  # 东城区政府
    "sector_head",  # 市林业局, the sector unit (行业主管部门) of world.task
    "coop_reporter",  # 市住建局, cooperating on both tasks
    "outsider",  # 西城区政府, lead of world.other_task
    "gov_reporter",  # 市政府办: holds a problem, no task
    "office",  # 市环督办 (city)
    "county_office",  # 东城区环督办
    "leader",
    "admin",
    "no_unit",
    "inactive",
    "anonymous",
)


def make_personas(world) -> dict:
    county_office_unit = UnitFactory(
        name="东城区环督办", kind=UnitKind.COORD_OFFICE, region=world.dongcheng
    )
    forestry = UnitFactory(name="示范市林业局", short_name="市林业局", region=world.city)
    Assignment.objects.create(task=world.task, unit=forestry, role="SECTOR", sort=9)
    # Who may act is the question for these personas; the acceptance chain (the sector unit's
    # 认定 before 公示) has its own tests (tests/web/test_duties.py).
    InspectionRound.objects.filter(pk=world.round.pk).update(requires_sector_review=False)
    extra = {
        "sector_head": UserFactory(username="ly_head", role=Role.UNIT_HEAD, unit=forestry),
        "gov_reporter": UserFactory(
            username="gov_reporter", role=Role.REPORTER, unit=world.gov_office
        ),
        "county_office": UserFactory(
            username="dc_office", role=Role.OFFICE, unit=county_office_unit
        ),
        "no_unit": UserFactory(username="no_unit", role=Role.REPORTER, unit=None),
        "inactive": UserFactory(
            username="gone", role=Role.REPORTER, unit=world.dc_gov, is_active=False
        ),
        "anonymous": AnonymousUser(),
    }
    return {name: extra[name] if name in extra else getattr(world, name) for name in PERSONAS}


# ---------------------------------------------------------------------------------------------
# The oracle


@dataclass(frozen=True)
class Who:
    kind: str  # "none" | "all" | "region" | "unit"
    region_id: int | None = None
    unit_id: int | None = None
    user_id: int | None = None


def who(user) -> Who:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Who("none")
    if user.is_superuser or user.role == Role.ADMIN:
        return Who("all", user_id=user.pk)
    if user.unit_id is None:
        return Who("none", user_id=user.pk)
    if user.role in (Role.OFFICE, Role.LEADER):
        return Who("region", region_id=Unit.objects.get(pk=user.unit_id).region_id, user_id=user.pk)
    return Who("unit", unit_id=user.unit_id, user_id=user.pk)


def under(region_id, top_id) -> bool:
    """Walk the parents by hand: is region_id the region top_id or below it?"""
    while region_id is not None:
        if region_id == top_id:
            return True
        region_id = Region.objects.get(pk=region_id).parent_id
    return False


def task_reaches(task, w: Who) -> bool:
    if w.kind == "all":
        return True
    if w.kind == "region":
        return under(task.region_id, w.region_id)
    if w.kind == "unit":
        return any(a.unit_id == w.unit_id for a in Assignment.objects.all() if a.task_id == task.pk)
    return False


def problem_reaches(problem, w: Who) -> bool:
    tasks = [t for t in Task.objects.all() if t.problem_id == problem.pk]
    if w.kind == "all":
        return True
    if w.kind == "region":
        return under(problem.round.region_id, w.region_id) or any(
            under(t.region_id, w.region_id) for t in tasks
        )
    if w.kind == "unit":
        on_problem = any(
            a.unit_id == w.unit_id for a in Assignment.objects.all() if a.problem_id == problem.pk
        )
        return on_problem or any(task_reaches(t, w) for t in tasks)
    return False


def round_reaches(round_, w: Who) -> bool:
    if w.kind == "all":
        return True
    if w.kind == "region" and under(round_.region_id, w.region_id):
        return True
    return any(problem_reaches(p, w) for p in Problem.objects.all() if p.round_id == round_.pk)


def region_only(region_id, w: Who) -> bool:
    return w.kind == "all" or (w.kind == "region" and under(region_id, w.region_id))


def oracle(label: str, row, w: Who) -> bool:
    """Does the row reach the user? One branch per model, by hand."""
    name = label.split(".")[1]
    if name == "Notification":
        return w.user_id is not None and w.kind != "none" and row.recipient_id == w.user_id
    if name in ("SavedFilter", "ApiToken"):  # their owner's only, not even an administrator's
        return w.user_id is not None and w.kind != "none" and row.user_id == w.user_id
    if name == "Region":
        return region_only(row.pk, w)
    if name == "Unit":
        return region_only(row.region_id, w) or (w.kind == "unit" and row.pk == w.unit_id)
    if name == "InspectionRound":
        return round_reaches(row, w)
    if name == "FeedbackAspect":
        return round_reaches(row.round, w)
    if name == "FeedbackCategory":
        return round_reaches(row.aspect.round, w)
    if name == "Problem":
        return problem_reaches(row, w)
    if name == "PetitionAttachment":
        return oracle("inspections.Petition", row.petition, w)
    if name == "Petition":
        return region_only(row.region_id, w) or (
            w.kind == "unit"
            and (
                row.handling_unit_id == w.unit_id
                or row.cooperating_units.filter(pk=w.unit_id).exists()
            )
        )
    if name == "Task":
        return task_reaches(row, w)
    if name in ("CloseoutReview", "PublicNotice"):
        return task_reaches(row.application.task, w)
    if name == "ProgressReportRevision":
        return task_reaches(row.report.task, w)
    if name == "SupervisionNotice":
        if w.kind == "unit":
            return row.target_unit_id == w.unit_id and row.status != "PROPOSED"
        return region_only(row.target_unit.region_id, w)
    if name in ("DispatchReport", "DailyTally", "TallyTrend", "ImportJob"):
        return region_only(row.region_id, w)
    if name == "ArchiveJob":  # a round's bundle: offices and leaders of the round's region
        return region_only(row.round.region_id, w)
    if name == "PublicObjection":  # a citizen's name and phone: offices and leaders only
        return region_only(row.notice.application.task.region_id, w)
    if name == "AccountabilityRecord":
        if w.kind == "unit":
            return row.task is not None and task_reaches(row.task, w)
        return (row.task is not None and task_reaches(row.task, w)) or (
            row.round is not None and region_only(row.round.region_id, w)
        )
    # Everything else hangs off a task; a row of no task (an event of an import, a problem's
    # own assignment) is the administrator's only.
    if row.task_id is None:
        return w.kind == "all"
    return task_reaches(row.task, w)


# ---------------------------------------------------------------------------------------------
# 1. Rows


@pytest.fixture
def filled(world, flow, before_after):
    """Rows of every scoped model on both sides of the world, and in a city nobody here sees."""
    services.task_request_extension(
        task=world.other_task,
        actor=world.outsider,
        requested_deadline=date(2020, 9, 30),
        reason="受疫情影响停工",
    )
    for pct in (10, 20):  # the second amends the first: a ProgressReportRevision
        services.task_report_progress(
            task=world.other_task, actor=world.outsider, progress_text="推进中", progress_pct=pct
        )
    flow.to(world.other_task, "APPLIED")
    flow.to(world.task, "CLOSED")
    services.task_record_lookback(
        task=world.task,
        actor=world.office,
        check_date=date(2020, 2, 15),
        method="ONSITE",
        result="CONSOLIDATED",
    )
    MilestoneFactory(task=world.other_task)
    far_unit = UnitFactory(name="远方市人民政府", kind=UnitKind.GOV)
    far_region = far_unit.region
    far_round = RoundFactory(code="FAR2019", region=far_region)
    far_task = TaskFactory(
        problem=ProblemFactory(round=far_round), region=far_region, lead=far_unit
    )
    for task, unit, region, no in (
        (world.task, world.dc_gov, world.dongcheng, "001"),
        (world.other_task, world.xc_gov, world.xicheng, "002"),
        (far_task, far_unit, far_region, "003"),
    ):
        WarningFactory(task=task, unit=unit)
        SupervisionNoticeFactory(target_unit=unit, title=f"督办{no}")
        PetitionFactory(round=task.round, accept_no=f"XF-{no}", region=region, handling_unit=unit)
    # A petition handed to 东城区政府 with 市住建局 cooperating: both units see it, 西城区 not.
    shared = PetitionFactory(
        round=world.round, accept_no="XF-004", region=world.dongcheng, handling_unit=world.dc_gov
    )
    shared.cooperating_units.add(world.housing)
    for petition in Petition.objects.all():
        PetitionAttachment.objects.create(
            petition=petition,
            file="evidence/00/x.png",
            original_name="现场照片.png",
            extension=".png",
            content_type="image/png",
            size=1,
            sha256="0" * 64,
            uploaded_by=world.office,
        )
    SupervisionNoticeFactory(target_unit=world.housing, title="督办住建")
    for owner in (world.reporter, world.office, world.admin):
        api_token_create(user=owner, actor=owner, name="对接")
    SupervisionNoticeFactory(target_unit=world.dc_gov, title="拟发", status="PROPOSED")
    # A problem held by 市政府办 alone, with no task yet.
    held = ProblemFactory(round=world.round, seq=2, code="5")
    Assignment.objects.create(problem=held, unit=world.gov_office, role="LEAD")
    AccountabilityRecord.objects.create(
        task=world.task, person_name="某副局长", unit_name="东城区", form="OTHER", reason="监管不力",
        decided_on=date(2020, 2, 12),
    )  # fmt: skip
    AccountabilityRecord.objects.create(
        round=far_round, person_name="某处长", unit_name="远方市", form="OTHER", reason="推进不力",
        decided_on=date(2020, 2, 12),
    )  # fmt: skip
    Event.objects.create(
        task=None,
        target_type_id=Event.objects.values_list("target_type_id", flat=True).first(),
        target_id=held.pk,
        verb="create",
        created_at=Event.objects.values_list("created_at", flat=True).first(),
    )
    PublicObjection.objects.create(
        notice=PublicNotice.objects.get(application__task=world.task),
        phone="13900000000",
        content="排口夜间仍有污水",
        source="x" * 64,
    )
    for region in (world.city, world.dongcheng, far_region):
        DispatchReport.objects.create(region=region, month=date(2020, 1, 1), as_of=date(2020, 2, 1))
        ImportJob.objects.create(
            sha256=f"{region.pk:064d}",
            file_name="plan.xlsx",
            region=region,
            created_by=world.office,
        )
    for round_ in (world.round, far_round):
        ArchiveJob.objects.create(round=round_, requested_by=world.office)
    # 保存的筛选: each its owner's alone, even the administrator's.
    for owner in (world.reporter, world.office, world.admin):
        SavedFilter.objects.create(user=owner, name="逾期", query="overdue=true")
    from rectification import tally

    tally.build()
    return world


SCOPED = sorted(scope.SCOPE)


def test_every_model_is_in_the_table_or_declared_unscoped():
    labels = {
        m._meta.label
        for app in ("accounts", "inspections", "rectification", "exchange")
        for m in apps.get_app_config(app).get_models()
    }
    assert labels == set(scope.SCOPE) | scope.UNSCOPED
    assert not set(scope.SCOPE) & scope.UNSCOPED
    for label in scope.SCOPE:
        assert hasattr(apps.get_model(label).objects, "visible_to"), label


def test_each_persona_sees_exactly_the_rows_the_oracle_gives(filled):
    personas = make_personas(filled)
    for label in SCOPED:
        model = apps.get_model(label)
        rows = list(model.objects.all())
        assert rows, f"the world holds no {label}: the comparison would prove nothing"
        for name, user in personas.items():
            w = who(user)
            expected = {row.pk for row in rows if oracle(label, row, w)}
            got = set(model.objects.visible_to(user).values_list("pk", flat=True))
            assert got == expected, (label, name)


def test_the_oracle_is_not_trivial(filled):
    """Each persona that sees something misses something, and the other way round."""
    personas = make_personas(filled)
    for name in ("reporter", "coop_reporter", "outsider", "gov_reporter", "county_office"):
        w = who(personas[name])
        tasks = list(Task.objects.all())
        assert 0 < sum(task_reaches(t, w) for t in tasks) < len(tasks) or name == "gov_reporter"
    assert who(personas["gov_reporter"]).kind == "unit"
    gov = who(personas["gov_reporter"])
    assert [r.code for r in InspectionRound.objects.all() if round_reaches(r, gov)] == ["SD2019"]


# ---------------------------------------------------------------------------------------------
# 2. Moves

VERBS = (
    "report", "apply", "self_check_pass", "self_check_return", "accept", "return", "close",
    "reopen", "evidence", "extension_request", "extension_decide", "extension_overdue",
    "report_review", "review", "lookback", "recheck", "milestone", "assign", "edit",
    "supervision", "warning", "notice_objection", "sector_review",
)  # fmt: skip
STATUSES = ("NOT_STARTED", "IN_PROGRESS", "APPLIED", "IN_REVIEW", "PUBLICIZING", "CLOSED")


def oracle_moves(user, task, app) -> set[str]:
    """What the user may do on a task they see, spelled out by hand (docs/design.md §4)."""
    active = getattr(user, "is_authenticated", False) and user.is_active
    office = active and user.role == Role.OFFICE
    member = active and user.role in (Role.REPORTER, Role.UNIT_HEAD) and user.unit_id
    roles = (
        {a.role for a in Assignment.objects.all() if a.task_id == task.pk and a.unit_id == user.unit_id}
        if member
        else set()
    )  # fmt: skip
    responsible = bool(roles & {"LEAD", "TERRITORIAL"})
    s = task.status
    out = set()
    if roles and s in ("NOT_STARTED", "IN_PROGRESS"):
        out.add("report")
    if roles and s == "CLOSED":
        out.add("recheck")  # 长期坚持 re-check (the call below makes the task ongoing)
    if responsible and s == "IN_PROGRESS":
        out.add("apply")
    if responsible and s in ("NOT_STARTED", "IN_PROGRESS"):
        out.add("extension_request")
    head = member and user.role == Role.UNIT_HEAD
    # Separation of duties: nobody decides on an application they filed, and its self-checker
    # makes no later decision on it.
    applicant = app is not None and app.applied_by_id == user.pk
    self_checker = app is not None and app.self_checked_by_id == user.pk
    # The self-check belongs to a head of the LEAD unit, whichever unit applied.
    if head and s == "APPLIED" and "LEAD" in roles and not applicant:
        out |= {"self_check_pass", "self_check_return"}
    # 行业部门认定: a head of the task's sector unit, on its own account.
    sector_head = head and "SECTOR" in roles
    if sector_head and s in ("IN_REVIEW", "PUBLICIZING") and not (applicant or self_checker):
        out.add("sector_review")
    if (roles or office) and s != "CLOSED":
        out.add("evidence")
    if responsible or office:
        out.add("milestone")
    if office:
        out |= {"extension_decide", "edit", "supervision", "report_review"}
        if s in ("NOT_STARTED", "IN_PROGRESS"):
            out.add("extension_overdue")  # 逾期后延期: the office only
        if s != "CLOSED":
            out |= {"assign", "warning"}
        independent = not (applicant or self_checker)
        if s == "IN_REVIEW":
            out |= {"accept", "return", "review"} if independent else {"return"}
        if s == "PUBLICIZING":
            out |= {"return", "close", "review"} if independent else {"return"}
            out.add("notice_objection")
        if s == "CLOSED":
            out |= {"reopen", "lookback"}
    return out


def open_application(task):
    return (
        CloseoutApplication.objects.filter(task=task, status__in=["SUBMITTED", "SELF_CHECKED", "ACCEPTED"])
        .order_by("-id")
        .first()
    )  # fmt: skip


def last_application(task):
    return CloseoutApplication.objects.filter(task=task).order_by("-id").first()


def move_call(verb: str, task, actor, before_after, world):
    """Call the service of `verb` with inputs it accepts when the move is allowed."""
    app = last_application(task)
    if verb == "report":
        return services.task_report_progress(
            task=task, actor=actor, progress_text="完成截污管网 3 公里", progress_pct=70
        )
    if verb == "apply":
        return services.task_apply_closeout(
            task=task,
            actor=actor,
            summary="已完成截污纳管",
            checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
            files=before_after(),
        )
    if verb in ("self_check_pass", "self_check_return"):
        if app is None:
            raise NoApplication
        return services.closeout_self_check(
            application=app, actor=actor, passed=verb == "self_check_pass", opinion="现场核查"
        )
    if verb == "accept":
        if app is None:
            raise NoApplication
        return services.closeout_accept(
            application=app,
            actor=actor,
            opinion="市级验收合格",
            notice_start=date(2020, 2, 15),
            notice_end=date(2020, 2, 21),
            contact_phone="0999-12369",
        )
    if verb == "return":
        if app is None:
            raise NoApplication
        return services.closeout_return(application=app, actor=actor, reason="辅助设施未完成")
    if verb == "close":
        if app is None:
            raise NoApplication
        return services.closeout_close(application=app, actor=actor)
    if verb in ("reopen", "lookback"):
        rebound = verb == "reopen"
        return services.task_record_lookback(
            task=task,
            actor=actor,
            check_date=date(2020, 2, 15),
            method="ONSITE",
            result="REBOUND" if rebound else "CONSOLIDATED",
            findings="排口有污水流出" if rebound else "",
            new_deadline=date(2020, 4, 30) if rebound else None,
        )
    if verb == "evidence":
        return services.task_add_evidence(task=task, actor=actor, files=before_after()[:1])
    if verb == "extension_request":
        Extension.objects.filter(task=task).delete()
        return services.task_request_extension(
            task=task, actor=actor, requested_deadline=date(2020, 9, 30), reason="疫情"
        )
    if verb == "extension_decide":
        ext = Extension.objects.create(
            task=task,
            unit=world.dc_gov,
            requested_by=world.reporter,
            requested_deadline=date(2020, 9, 30),
            reason="疫情",
        )
        return services.extension_decide(extension=ext, actor=actor, approve=True)
    if verb == "extension_overdue":
        Extension.objects.filter(task=task).delete()
        Task.objects.filter(pk=task.pk).update(
            deadline=date(2020, 1, 31), original_deadline=date(2020, 1, 31)
        )  # past its deadline
        return services.extension_grant_overdue(
            task=task, actor=actor, new_deadline=date(2020, 6, 30), reason="疫情停工"
        )
    if verb == "recheck":
        Task.objects.filter(pk=task.pk).update(is_ongoing=True)  # rolled back with the call
        return services.task_report_recheck(
            task=task, actor=actor, progress_text="长效机制运行正常"
        )
    if verb == "report_review":
        report = ProgressReport.objects.filter(task=task).first()
        if report is None:
            report = ProgressReport.objects.create(
                task=task,
                period=period_for(date(2020, 2, 15)),
                unit=world.dc_gov,
                progress_text="完成截污管网 3 公里",
                progress_pct=30,
                submitted_by=world.reporter,
                submitted_at=clock.now(),
            )
        return services.report_review(report=report, actor=actor)
    if verb == "review":
        if app is None:
            raise NoApplication
        # The move itself (市级验收 recorded without a move); who may record a 省级复核 is
        # narrower and has its own tests (tests/services/test_provincial_review.py).
        return services.closeout_record_review(
            application=app, actor=actor, level="CITY", result="PASS", opinion="合格"
        )
    if verb == "sector_review":
        if app is None:
            raise NoApplication
        return services.closeout_record_review(
            application=app, actor=actor, level="SECTOR", result="PASS", opinion="行业认定合格"
        )
    if verb == "milestone":
        return services.milestone_complete(
            milestone=Milestone.objects.filter(task=task, done_date=None).first(), actor=actor
        )
    if verb == "assign":
        return services.task_set_units(
            task=task,
            actor=actor,
            units=[UnitRole(world.dc_gov, "LEAD"), UnitRole(world.housing, "COOP")],
        )
    if verb == "edit":
        return services.task_update(task=task, actor=actor, name="清溪河东城区段1#排口（改）")
    if verb == "supervision":
        return services.supervision_notice_create(
            actor=actor, kind="LETTER", title="督办函", target_unit=world.dc_gov, tasks=[task]
        )
    if verb == "notice_objection":
        if app is None:
            raise NoApplication
        return services.notice_objection_record(
            application=app,
            actor=actor,
            channel="PHONE",
            content="排口夜间仍有污水",
            upheld=False,
            handling="现场核查未发现直排",
            received_on=date(2020, 2, 14),
        )
    if verb == "warning":
        return services.warning_raise(
            task=task, actor=actor, level="YELLOW", reason="UPPER_CRITICISM", note="上级批评"
        )
    raise AssertionError(verb)


class _Undo(Exception):
    pass


class NoApplication(Exception):
    """The move works on a close-out application and the task has none: nothing to call."""


def outcome(call) -> str:
    """Run `call` in a savepoint that is always rolled back; "ok" or the refusal's class."""
    try:
        with transaction.atomic():
            call()
            raise _Undo
    except _Undo:
        return "ok"
    except (NotFound, NotAllowed, InvalidState, InvalidInput, NoApplication) as exc:
        return type(exc).__name__


def test_the_oracle_names_every_move():
    assert set(VERBS) == set(lifecycle.MOVES)


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_moves_match_the_oracle_and_the_services(world, flow, before_after, status):
    # given world.task in `status`, with a milestone to complete
    flow.to(world.task, status)
    MilestoneFactory(task=world.task)
    task = Task.objects.get(pk=world.task.pk)
    app = open_application(task)
    personas = make_personas(world)  # adds 市林业局 as the task's sector unit
    seen_ok = set()
    for name, user in personas.items():
        visible = Task.objects.visible_to(user).filter(pk=task.pk).exists()
        assert visible == task_reaches(task, who(user)), name
        expected = oracle_moves(user, task, app) if visible else set()
        # when allowed_moves is asked as the task page asks it
        assignments = list(Assignment.objects.filter(task=task))
        allowed = lifecycle.allowed_moves(
            user,
            task.status,
            unit_roles=lifecycle.unit_roles_in(user, assignments),
            application=app,
        )
        # then it agrees with the oracle
        if visible:
            assert set(allowed) == expected, name
        # and each move's service accepts exactly the allowed ones
        last = last_application(task)
        for verb in VERBS:
            got = outcome(lambda v=verb, u=user: move_call(v, task, u, before_after, world))
            task.refresh_from_db()
            if got == "NoApplication":
                assert verb not in expected, (name, verb)
            elif not visible:
                # out of scope: not found (issuing a letter is refused on the role first)
                assert got in ("NotFound", "NotAllowed"), (name, verb, got)
            elif verb in expected:
                assert got == "ok", (name, verb, got)
                seen_ok.add(verb)
            else:
                assert got in ("NotAllowed", "InvalidState"), (name, verb, got)
                # refused on the actor (403) exactly when lifecycle.refusal names a reason; else
                # on the state (409)
                actor_refused = lifecycle.refusal(
                    user,
                    lifecycle.MOVES[verb],
                    unit_roles=lifecycle.unit_roles_in(user, assignments),
                    application=last,
                )
                assert (got == "NotAllowed") == (actor_refused is not None), (name, verb, got)
    # and the status leaves someone a move (the comparison is not vacuous)
    assert seen_ok


def test_a_unit_head_never_self_checks_their_own_application(world, before_after):
    """DESIGN: nobody approves their own application; the self-check goes to another head."""
    from tests.services.snapshot import assert_db_unchanged

    # given the unit head applied for close-out themself
    services.task_report_progress(
        task=world.task, actor=world.unit_head, progress_text="完成", progress_pct=100
    )
    app = services.task_apply_closeout(
        task=world.task,
        actor=world.unit_head,
        summary="已完成截污纳管",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=before_after(),
    )
    task = Task.objects.get(pk=world.task.pk)
    assignments = list(Assignment.objects.filter(task=task))
    second_head = UserFactory(username="dc_head2", role=Role.UNIT_HEAD, unit=world.dc_gov)

    def moves(user):
        roles = lifecycle.unit_roles_in(user, assignments)
        return lifecycle.allowed_moves(user, task.status, unit_roles=roles, application=app)

    # then the applicant may not self-check, and the service refuses and changes nothing
    assert "self_check_pass" not in moves(world.unit_head)
    assert "self_check_pass" not in oracle_moves(world.unit_head, task, app)
    with assert_db_unchanged(
        raises=NotAllowed, phrase="职责分离：申请人不能对本人提交的销号申请自验"
    ):
        services.closeout_self_check(
            application=app, actor=world.unit_head, passed=True, opinion="合格"
        )
    # and another head of the unit may
    assert {"self_check_pass", "self_check_return"} <= moves(second_head)
    services.closeout_self_check(application=app, actor=second_head, passed=True, opinion="合格")
    assert Task.objects.get(pk=task.pk).status == "IN_REVIEW"
