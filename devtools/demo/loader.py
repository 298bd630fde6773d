"""Load the demo city (devtools/demo/data.py) into the database.

Rows are written directly, not through the services: the services stamp events and uploads
with the real clock, while the demo is a history that ended on 2020-02-15. Every historic
timestamp here is explicit (Asia/Shanghai), and the fields Django fills with "now"
(auto_now_add / auto_now) are back-dated in one UPDATE per model at the end.

Idempotent: reference data (regions, units, people, users) is matched on its natural key,
and the rounds are written only when none of the demo rounds exists yet.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.db.models import Case, Value, When

from accounts import clock
from accounts.choices import Role
from accounts.models import Person, Region, Unit, User
from devtools.demo import data
from devtools.demo.data import ProblemSpec, RoundSpec, Step, TaskSpec
from devtools.demo.evidence import photo_png, report_pdf
from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Petition, Problem
from rectification import schedule
from rectification.choices import (
    WORKING_STATUSES,
    AssignmentRole,
    AttachmentKind,
    CloseoutStatus,
    ExtensionStatus,
    LookBackResult,
    NoticeResult,
    ReviewLevel,
    ReviewMethod,
    ReviewResult,
    SiteType,
    TaskStatus,
    WarningLevel,
)
from rectification.models import (
    AccountabilityRecord,
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    Extension,
    LookBackCheck,
    ProgressReport,
    PublicNotice,
    ReportingPeriod,
    SupervisionNotice,
    Task,
    Warning,
    attachment_upload_to,
)
from rectification.services import CLOSEOUT_CHECKLIST, period_for
from rectification.uploads import check_upload

log = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")
# Site types whose close-out carries a monitoring report (水质/渗滤液监测).
MONITORED_SITES = {
    SiteType.OUTFALL,
    SiteType.SEWAGE_PLANT,
    SiteType.WATER_SOURCE,
    SiteType.LANDFILL,
    SiteType.SOLID_WASTE,
}
NOTICE_DAYS = 7
NOTICE_CHANNEL = "示范市人民政府网站"
NOTICE_PHONE = "0999-12369"
# Time of day at which each kind of step happens (the demo's working rhythm).
STEP_TIMES = {
    "create": time(9, 0),
    "report": time(16, 30),
    "apply": time(10, 0),
    "self_check": time(15, 0),
    "accept": time(11, 0),
    "close": time(9, 30),
    "return": time(14, 30),
    "extension": time(9, 15),
    "lookback": time(10, 30),
}


def at(day: date, when: time = time(9, 0)) -> datetime:
    return datetime.combine(day, when, tzinfo=TZ)


def _workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass
class DemoResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _TaskState:
    """A task as its story unfolds."""

    task: Task
    spec: TaskSpec
    applicant: Unit
    status: str = TaskStatus.NOT_STARTED
    pct: int = 0
    start: date | None = None
    deadline: date | None = None
    closed_at: datetime | None = None
    reopen_count: int = 0
    version: int = 1
    last_at: datetime | None = None
    app: CloseoutApplication | None = None
    approved_app: CloseoutApplication | None = None
    notice: PublicNotice | None = None
    created: datetime | None = None


class _Loader:
    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.units: dict[str, Unit] = {}
        self.persons: dict[str, Person] = {}
        self.leaders: dict[str, Person] = {}
        self.users: dict[str, User] = {}
        self.reporters: dict[str, User] = {}
        self.heads: dict[str, User] = {}
        self.tasks: dict[str, _TaskState] = {}
        self.events: list[Event] = []
        # model -> field -> {pk: datetime}: values Django would otherwise set to "now".
        self.backdates: dict[type[models.Model], dict[str, dict[int, datetime]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self.content_types: dict[type[models.Model], ContentType] = {}
        self.doc_numbers: dict[int, int] = defaultdict(int)
        self.periods: dict[str, ReportingPeriod] = {}

    # -----------------------------------------------------------------------------------------
    # Reference data

    def reference_data(self) -> None:
        for key, (code, name, level, parent) in data.REGIONS.items():
            region = Region.objects.filter(code=code).first()
            if region is None:
                region = Region(code=code, name=name, level=level, parent=self.regions.get(parent))
                region.save()
            self.regions[key] = region
        for sort, spec in enumerate(data.UNITS, start=1):
            unit, _ = Unit.objects.get_or_create(
                name=spec.name,
                defaults={
                    "short_name": spec.key,
                    "aliases": "\n".join(a for a in spec.aliases if a != spec.key),
                    "kind": spec.kind,
                    "region": self.regions[spec.region],
                    "parent": self.units.get(spec.parent) if spec.parent else None,
                    "phone": f"0999-6{sort:06d}",
                    "sort": sort,
                },
            )
            self.units[spec.key] = unit
            name, title = spec.person
            self.persons[spec.key], _ = Person.objects.get_or_create(
                unit=unit,
                name=name,
                defaults={"title": title, "phone": f"139990{sort:05d}"},
            )
        for key, (name, title) in data.LEADERS.items():
            self.leaders[key], _ = Person.objects.get_or_create(
                unit=self.units[data.LEADER_UNIT],
                name=name,
                title=title,
                defaults={"is_leader": True},
            )
        password = None
        for spec in data.USERS:
            user = User.objects.filter(username=spec.username).first()
            if user is None:
                # One hash for all demo accounts: hashing is deliberately slow (~0.3 s each).
                password = password or make_password(data.DEMO_PASSWORD)
                unit = self.units[spec.unit] if spec.unit else None
                is_admin = spec.role == Role.ADMIN
                user = User.objects.create(
                    username=spec.username,
                    password=password,
                    role=spec.role,
                    unit=unit,
                    person=self.persons[spec.unit] if spec.role == Role.UNIT_HEAD else None,
                    last_name=spec.last_name,
                    first_name=spec.first_name,
                    email=f"{spec.username}@demo.example",
                    is_staff=is_admin,
                    is_superuser=is_admin,
                    date_joined=at(date(2019, 8, 1)),
                )
            self.users[spec.username] = user
            if spec.unit and spec.role == Role.REPORTER:
                self.reporters.setdefault(spec.unit, user)
            if spec.unit and spec.role == Role.UNIT_HEAD:
                self.heads.setdefault(spec.unit, user)
        self.office = self.users["office"]
        self.office_unit = self.units["市环督办"]

    # -----------------------------------------------------------------------------------------
    # Helpers

    def _event(
        self,
        state: _TaskState | None,
        target,
        verb: str,
        when: datetime,
        *,
        actor: User | None,
        from_status: str = "",
        to_status: str = "",
        note: str = "",
    ) -> None:
        model = type(target)
        if model not in self.content_types:
            self.content_types[model] = ContentType.objects.get_for_model(model)
        self.events.append(
            Event(
                task=state.task if state else None,
                target_type=self.content_types[model],
                target_id=target.pk,
                verb=verb,
                from_status=from_status,
                to_status=to_status,
                note=note,
                actor=actor,
                created_at=when,
            )
        )

    def _move(
        self,
        state: _TaskState,
        target,
        verb: str,
        when: datetime,
        actor: User,
        to_status: str,
        note: str = "",
    ) -> None:
        self._event(
            state,
            target,
            verb,
            when,
            actor=actor,
            from_status=state.status,
            to_status=to_status,
            note=note,
        )
        state.status = to_status
        state.version += 1
        state.last_at = when

    def _backdate(self, obj: models.Model, field_name: str, when: datetime) -> None:
        self.backdates[type(obj)][field_name][obj.pk] = when

    def _attach(
        self,
        state: _TaskState,
        kind: str,
        day: date,
        actor: User,
        *,
        title: str,
        report: ProgressReport | None = None,
        closeout: CloseoutApplication | None = None,
        pdf_lines: list[str] | None = None,
        when: datetime,
    ) -> Attachment:
        code = state.spec.code
        if pdf_lines is not None:
            content = report_pdf(pdf_lines)
            original = f"{code}_{title}.pdf"
        else:
            content = photo_png(code, kind)
            original = f"{code}_{title}.png"
        checked = check_upload(SimpleUploadedFile(original, content))
        attachment = Attachment(
            task=state.task,
            report=report,
            closeout=closeout,
            kind=kind,
            title=title,
            original_name=original,
            extension=checked.extension,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            taken_at=day,
            uploaded_by=actor,
        )
        # Content-addressed: a second load (or another task with the same picture) finds the
        # file already stored under its hash and reuses it.
        path = attachment_upload_to(attachment, original)
        if not default_storage.exists(path):
            stored = default_storage.save(path, ContentFile(content))
            if stored != path:  # pragma: no cover - storage renamed a hash path
                raise RuntimeError(f"evidence stored as {stored}, expected {path}")
        attachment.file.name = path
        attachment.save()
        self._backdate(attachment, "uploaded_at", when)
        return attachment

    def _evidence_before(
        self,
        state: _TaskState,
        day: date,
        actor: User,
        when: datetime,
        report: ProgressReport | None,
    ) -> None:
        spec = state.spec
        if spec.is_point:
            self._attach(
                state,
                AttachmentKind.BEFORE,
                day,
                actor,
                title="整改前现场照片",
                report=report,
                when=when,
            )
        else:
            self._attach(
                state,
                AttachmentKind.BEFORE,
                day,
                actor,
                title="督察反馈问题摘录",
                report=report,
                when=when,
                pdf_lines=[
                    f"{spec.code} inspection feedback excerpt",
                    f"Issued by the inspection team, {day:%Y-%m-%d}",
                ],
            )

    # -----------------------------------------------------------------------------------------
    # Rounds

    def rounds(self) -> None:
        for spec in data.ROUNDS:
            self._round(spec)

    def _round(self, spec: RoundSpec) -> None:
        round_ = InspectionRound.objects.create(
            code=spec.code,
            name=spec.name,
            level=spec.level,
            kind=spec.kind,
            status=spec.status,
            region=self.regions["city"],
            plan_issued_on=spec.plan_issued_on,
            sort=spec.sort,
            **spec.fields,
        )
        self._backdate(round_, "created_at", at(spec.listed_on, time(8, 30)))
        categories: dict[int, FeedbackCategory] = {}
        for seq, title, cats in spec.aspects:
            aspect = FeedbackAspect.objects.create(round=round_, seq=seq, title=title)
            for cat_seq, cat_title in cats:
                categories[cat_seq] = FeedbackCategory.objects.create(
                    aspect=aspect, seq=cat_seq, title=cat_title
                )
        for problem_spec in spec.problems:
            self._problem(round_, spec, problem_spec, categories)

    def _problem(
        self,
        round_: InspectionRound,
        round_spec: RoundSpec,
        spec: ProblemSpec,
        categories: dict[int, FeedbackCategory],
    ) -> None:
        ongoing = any(t.is_ongoing for t in spec.tasks)
        problem = Problem.objects.create(
            round=round_,
            category=categories.get(spec.category) if spec.category else None,
            seq=spec.seq,
            code=spec.code,
            title=spec.title,
            original_text=spec.original_text,
            measures="；".join(t.measures for t in spec.tasks),
            deadline=max(t.deadline for t in spec.tasks),
            deadline_type="ONGOING" if ongoing else "DATED",
            source=round_spec.source,
            leader=self.leaders[spec.leader],
            is_key=spec.is_key,
        )
        self._backdate(problem, "created_at", at(round_spec.listed_on, time(8, 30)))
        if spec.lead:
            rows = [
                (spec.lead, AssignmentRole.LEAD),
                *((c, AssignmentRole.COOP) for c in spec.coops),
            ]
            Assignment.objects.bulk_create(
                Assignment(
                    problem=problem,
                    unit=self.units[key],
                    role=role,
                    person=self.persons[key],
                    sort=i,
                )
                for i, (key, role) in enumerate(rows)
            )
        for seq, task_spec in enumerate(spec.tasks, start=1):
            self._task(round_, round_spec, problem, seq, task_spec)

    def _task(
        self,
        round_: InspectionRound,
        round_spec: RoundSpec,
        problem: Problem,
        seq: int,
        spec: TaskSpec,
    ) -> None:
        start = spec.start or round_spec.plan_issued_on
        task = Task.objects.create(
            round=round_,
            problem=problem,
            seq=seq,
            code=spec.code,
            name=spec.name,
            is_point=spec.is_point,
            site_type=spec.site_type,
            region=self.regions[spec.region],
            address=spec.address,
            water_body=spec.water_body,
            outfall_code=spec.outfall_code,
            lat=spec.lat,
            lng=spec.lng,
            goal=spec.goal or f"{spec.measures}，通过验收销号",
            measures=spec.measures,
            deadline_type=spec.deadline_type,
            is_ongoing=spec.is_ongoing,
            start_date=start,
            deadline=spec.deadline,
            original_deadline=spec.deadline,
            lead_unit=self.units[spec.lead],
            leader=problem.leader,
        )
        roles = [(spec.lead, AssignmentRole.LEAD, "牵头组织实施")]
        if spec.territorial:
            roles.append((spec.territorial, AssignmentRole.TERRITORIAL, "属地责任，组织实施"))
        roles += [(key, AssignmentRole.COOP, "配合") for key in spec.coops]
        if spec.sector:
            roles.append((spec.sector, AssignmentRole.SECTOR, "行业主管部门认定"))
        Assignment.objects.bulk_create(
            Assignment(
                task=task,
                unit=self.units[key],
                role=role,
                person=self.persons[key],
                duty=duty,
                sort=i,
            )
            for i, (key, role, duty) in enumerate(roles)
        )
        applicant_key = spec.territorial or spec.lead
        state = _TaskState(
            task=task,
            spec=spec,
            applicant=self.units[applicant_key],
            start=start,
            deadline=spec.deadline,
        )
        self.tasks[spec.code] = state
        created = at(round_spec.listed_on, STEP_TIMES["create"])
        self._event(
            state,
            task,
            "create",
            created,
            actor=self.office,
            to_status=TaskStatus.NOT_STARTED,
            note=spec.name,
        )
        state.created = state.last_at = created
        if not spec.story and spec.is_point:
            # Not started yet: only the picture from the disclosure.
            self._evidence_before(state, round_spec.listed_on, self.office, created, None)
        last_report = max((i for i, s in enumerate(spec.story) if s.kind == "report"), default=-1)
        for index, step in enumerate(spec.story):
            getattr(self, f"_step_{step.kind}")(state, step, is_last_report=index == last_report)

    # -----------------------------------------------------------------------------------------
    # Story steps

    def _who(self, state: _TaskState, head: bool = False) -> User:
        key = next(k for k, u in self.units.items() if u.pk == state.applicant.pk)
        found = (self.heads if head else self.reporters).get(key)
        if found is None:
            raise RuntimeError(f"demo data: no {'head' if head else 'reporter'} user for {key}")
        return found

    def _period(self, day: date) -> ReportingPeriod:
        code = f"{day:%Y-%m}"
        if code not in self.periods:
            self.periods[code] = period_for(day)
        return self.periods[code]

    def _verdict(self, state: _TaskState, day: date, status: str) -> str:
        return schedule.evaluate(
            status=status,
            start_date=state.start,
            deadline=state.deadline,
            progress_pct=state.pct,
            today=day,
        ).status

    def _step_report(self, state: _TaskState, step: Step, *, is_last_report: bool) -> None:
        if state.status not in WORKING_STATUSES:
            raise RuntimeError(f"demo data: {state.spec.code} reports while {state.status}")
        actor = self._who(state)
        when = at(step.day, STEP_TIMES["report"])
        period = self._period(step.day)
        first = state.status == TaskStatus.NOT_STARTED
        state.pct = step.pct
        report = ProgressReport.objects.create(
            task=state.task,
            period=period,
            unit=state.applicant,
            progress_text=step.text or _progress_text(state.spec, step.pct),
            progress_pct=step.pct,
            schedule_status=self._verdict(state, step.day, TaskStatus.IN_PROGRESS),
            next_steps="" if step.pct >= 100 else "按整改方案和时间节点继续推进",
            submitted_by=actor,
            submitted_at=when,
        )
        if first and not state.reopen_count:
            self._evidence_before(state, step.day, actor, when, report)
        elif is_last_report and state.spec.is_point:
            self._attach(
                state,
                AttachmentKind.DURING,
                step.day,
                actor,
                title="整改中现场照片",
                report=report,
                when=when,
            )
        if first:
            self._move(
                state,
                state.task,
                "report",
                when,
                actor,
                TaskStatus.IN_PROGRESS,
                note=f"首次报送进展，完成{step.pct}%",
            )
        else:
            self._event(
                state,
                report,
                "report",
                when,
                actor=actor,
                from_status=state.status,
                to_status=state.status,
                note=f"{period.code} 完成{step.pct}%",
            )
            state.version += 1
            state.last_at = when

    def _step_apply(self, state: _TaskState, step: Step, **_) -> None:
        actor = self._who(state)
        when = at(step.day, STEP_TIMES["apply"])
        spec = state.spec
        summary = step.text or f"{spec.measures}已全部完成，经自查符合销号标准，申请销号。"
        app = CloseoutApplication.objects.create(
            task=state.task,
            unit=state.applicant,
            applied_by=actor,
            applied_at=when,
            summary=summary,
            checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        )
        if spec.is_point:
            self._attach(
                state,
                AttachmentKind.AFTER,
                step.day,
                actor,
                title="整改后现场照片",
                closeout=app,
                when=when,
            )
        else:
            self._attach(
                state,
                AttachmentKind.AFTER,
                step.day,
                actor,
                title="印发文件",
                closeout=app,
                when=when,
                pdf_lines=[
                    f"{spec.code} rectification document issued",
                    f"Date: {step.day:%Y-%m-%d}",
                ],
            )
        if spec.site_type in MONITORED_SITES:
            self._attach(
                state,
                AttachmentKind.MONITORING,
                step.day,
                actor,
                title="监测报告",
                closeout=app,
                when=when,
                pdf_lines=[
                    f"Monitoring report {spec.code}",
                    f"Sampling date: {step.day - timedelta(days=3):%Y-%m-%d}",
                    "COD 28 mg/L, NH3-N 1.2 mg/L, TP 0.3 mg/L",
                    "Result: meets GB 18918-2002 class 1A",
                ],
            )
        state.app = app
        self._move(state, app, "apply", when, actor, TaskStatus.APPLIED, note=summary)

    def _step_self_check(self, state: _TaskState, step: Step, **_) -> None:
        head = self._who(state, head=True)
        when = at(step.day, STEP_TIMES["self_check"])
        opinion = "经现场核查和资料审查，整改措施已落实，同意申请销号。"
        review = CloseoutReview.objects.create(
            application=state.app,
            level=ReviewLevel.COUNTY,
            unit=state.applicant,
            reviewer=head,
            reviewers=head.display_name,
            method=ReviewMethod.BOTH,
            planned_date=step.day,
            actual_date=step.day,
            result=ReviewResult.PASS,
            opinion=opinion,
        )
        self._backdate(review, "created_at", when)
        CloseoutApplication.objects.filter(pk=state.app.pk).update(
            status=CloseoutStatus.SELF_CHECKED
        )
        self._move(
            state, state.app, "self_check_pass", when, head, TaskStatus.IN_REVIEW, note=opinion
        )

    def _step_accept(self, state: _TaskState, step: Step, **_) -> None:
        when = at(step.day, STEP_TIMES["accept"])
        opinion = "经现场核查和资料审查，整改到位，验收合格，同意公示。"
        review = CloseoutReview.objects.create(
            application=state.app,
            level=step.level,
            unit=self.office_unit,
            reviewer=self.office,
            reviewers=f"{self.office.display_name}等市级验收组",
            method=ReviewMethod.BOTH,
            planned_date=step.day,
            actual_date=step.day,
            result=ReviewResult.PASS,
            opinion=opinion,
        )
        self._backdate(review, "created_at", when)
        start = step.day + timedelta(days=1)
        end = start + timedelta(days=NOTICE_DAYS - 1)
        state.notice = PublicNotice.objects.create(
            application=state.app,
            channel=NOTICE_CHANNEL,
            url=f"https://www.shifan.example/gsgg/{state.spec.code.lower()}.html",
            start_date=start,
            end_date=end,
            contact_phone=NOTICE_PHONE,
        )
        CloseoutApplication.objects.filter(pk=state.app.pk).update(status=CloseoutStatus.ACCEPTED)
        self._move(
            state,
            state.app,
            "accept",
            when,
            self.office,
            TaskStatus.PUBLICIZING,
            note=f"{opinion}；公示 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}",
        )

    def _step_close(self, state: _TaskState, step: Step, **_) -> None:
        when = at(step.day, STEP_TIMES["close"])
        if step.day <= state.notice.end_date:
            raise RuntimeError(f"demo data: {state.spec.code} closed before its notice ended")
        PublicNotice.objects.filter(pk=state.notice.pk).update(
            result=NoticeResult.NO_OBJECTION, concluded_at=when
        )
        self.doc_numbers[step.day.year] += 1
        doc_no = f"示环督办销〔{step.day.year}〕{self.doc_numbers[step.day.year]}号"
        CloseoutApplication.objects.filter(pk=state.app.pk).update(
            status=CloseoutStatus.APPROVED,
            closed_at=when,
            closeout_doc_no=doc_no,
            filed_at=_workday(step.day + timedelta(days=3)),
        )
        state.approved_app, state.app, state.notice = state.app, None, None
        state.closed_at = when
        state.pct = 100
        self._move(
            state,
            state.approved_app,
            "close",
            when,
            self.office,
            TaskStatus.CLOSED,
            note=f"销号，{doc_no}",
        )

    def _step_return(self, state: _TaskState, step: Step, **_) -> None:
        when = at(step.day, STEP_TIMES["return"])
        review = CloseoutReview.objects.create(
            application=state.app,
            level=ReviewLevel.CITY,
            unit=self.office_unit,
            reviewer=self.office,
            reviewers=f"{self.office.display_name}等市级验收组",
            method=ReviewMethod.ONSITE,
            planned_date=step.day,
            actual_date=step.day,
            result=ReviewResult.FAIL,
            opinion=step.text,
        )
        self._backdate(review, "created_at", when)
        CloseoutApplication.objects.filter(pk=state.app.pk).update(
            status=CloseoutStatus.RETURNED, return_reason=step.text, returned_at=when
        )
        app, state.app = state.app, None
        self._move(state, app, "return", when, self.office, TaskStatus.IN_PROGRESS, note=step.text)

    def _step_extension(self, state: _TaskState, step: Step, **_) -> None:
        actor = self._who(state)
        requested = at(step.day, STEP_TIMES["extension"])
        decided = at(step.decided, time(17, 0))
        extension = Extension.objects.create(
            task=state.task,
            unit=state.applicant,
            requested_by=actor,
            previous_deadline=state.deadline,
            requested_deadline=step.until,
            reason=step.text,
            status=ExtensionStatus.APPROVED,
            decided_by=self.office,
            decided_at=decided,
            decision_note="同意延期，请倒排工期，确保按新时限完成。",
        )
        self._backdate(extension, "created_at", requested)
        self._event(
            state,
            extension,
            "extension_request",
            requested,
            actor=actor,
            note=f"申请延期至 {step.until:%Y-%m-%d}：{step.text}",
        )
        self._event(
            state,
            extension,
            "extension_approve",
            decided,
            actor=self.office,
            note=f"{step.until:%Y-%m-%d} 同意延期",
        )
        state.deadline = step.until
        state.version += 1
        state.last_at = decided

    def _step_lookback(self, state: _TaskState, step: Step, **_) -> None:
        self._lookback(state, step.day, step.method, step.result, step.text, step.until)

    def _lookback(
        self,
        state: _TaskState,
        day: date,
        method: str,
        result: str,
        findings: str,
        new_deadline: date | None = None,
    ) -> None:
        if state.status != TaskStatus.CLOSED:
            raise RuntimeError(f"demo data: look-back of {state.spec.code} which is not closed")
        when = at(day, STEP_TIMES["lookback"])
        rebound = result == LookBackResult.REBOUND
        check = LookBackCheck.objects.create(
            task=state.task,
            closeout=state.approved_app,
            check_date=day,
            unit=self.office_unit,
            method=method,
            result=result,
            findings=findings,
            reopened=rebound,
            created_by=self.office,
        )
        if rebound:
            closed_on = f"{state.closed_at.astimezone(TZ):%Y-%m-%d}"
            self._move(
                state,
                check,
                "reopen",
                when,
                self.office,
                TaskStatus.IN_PROGRESS,
                note=f"回头看发现反弹（{closed_on}销号）：{findings}",
            )
            state.closed_at = None
            state.reopen_count += 1
            state.start = day
            state.deadline = new_deadline
            state.pct = 0
        else:
            self._event(
                state,
                check,
                "lookback",
                when,
                actor=self.office,
                note=f"{check.get_result_display()} {findings}",
            )
            state.last_at = when

    # -----------------------------------------------------------------------------------------
    # Final task rows, supervision, petitions

    def finish_tasks(self) -> None:
        warnings = {w.task: w.level for w in data.WARNINGS}
        for code, state in self.tasks.items():
            verdict = self._verdict(state, data.SNAPSHOT_DATE, state.status)
            if verdict != state.spec.expect:
                raise RuntimeError(
                    f"demo data: {code} computes {verdict} on {data.SNAPSHOT_DATE}, "
                    f"expected {state.spec.expect}"
                )
            Task.objects.filter(pk=state.task.pk).update(
                status=state.status,
                progress_pct=state.pct,
                schedule_status=verdict,
                warning_level=warnings.get(code, WarningLevel.NONE),
                start_date=state.start,
                deadline=state.deadline,
                closed_at=state.closed_at,
                reopen_count=state.reopen_count,
                version=state.version,
                created_at=state.created,
                updated_at=state.last_at,
            )

    def supervision(self) -> None:
        for code, day, method, findings in data.LOOKBACKS_CONSOLIDATED:
            self._lookback(self.tasks[code], day, method, LookBackResult.CONSOLIDATED, findings)
        for spec in data.WARNINGS:
            state = self.tasks[spec.task]
            when = at(spec.day, time(8, 0) if spec.auto else time(10, 0))
            warning = Warning.objects.create(
                task=state.task,
                unit=state.applicant,
                level=spec.level,
                reason=spec.reason,
                day=spec.day,
                auto=spec.auto,
                issued_by=None if spec.auto else self.office,
                note=spec.note,
            )
            self._backdate(warning, "created_at", when)
            self._event(
                state,
                warning,
                "warning",
                when,
                actor=None if spec.auto else self.office,
                note=f"{warning.get_level_display()}：{spec.note}",
            )
        for spec in data.SUPERVISIONS:
            when = at(spec.issued_on, time(10, 0))
            notice = SupervisionNotice.objects.create(
                kind=spec.kind,
                doc_no=spec.doc_no,
                title=spec.title,
                content=spec.content,
                target_unit=self.units[spec.target],
                status=spec.status,
                issued_on=spec.issued_on,
                reply_due=spec.reply_due,
                reply_text=spec.reply_text,
                replied_at=at(spec.replied_on, time(16, 0)) if spec.replied_on else None,
                issued_by=self.office,
            )
            notice.tasks.set([self.tasks[code].task for code in spec.tasks])
            self._backdate(notice, "created_at", when)
            for code in spec.tasks:
                self._event(
                    self.tasks[code],
                    notice,
                    "supervision",
                    when,
                    actor=self.office,
                    note=f"{notice.get_kind_display()} {spec.doc_no} {spec.title}",
                )
        record = dict(data.ACCOUNTABILITY)
        task = self.tasks[record.pop("task")].task
        AccountabilityRecord.objects.create(
            round=task.round,
            task=task,
            decided_by=self.units[record.pop("decided_by")],
            **record,
        )

    def petitions(self) -> None:
        round_ = InspectionRound.objects.get(code="SD2019")
        for spec in data.PETITIONS:
            assigned = spec.received_at + timedelta(days=1)
            published = assigned + timedelta(days=9) if spec.status != "HANDLING" else None
            petition = Petition.objects.create(
                round=round_,
                batch_no=spec.batch_no,
                accept_no=spec.accept_no,
                channel=spec.channel,
                is_key=spec.is_key,
                received_at=spec.received_at,
                assigned_at=assigned,
                region=self.regions[spec.region],
                content=spec.content,
                pollution_types=list(spec.pollution_types),
                handling_unit=self.units[spec.unit],
                due_date=assigned + timedelta(days=10),
                verify_result=spec.verify_result,
                findings=spec.findings,
                handling=spec.handling,
                accountability=spec.accountability,
                status=spec.status,
                published_at=published,
                publish_url=(
                    f"https://www.shifan.example/bdbg/{spec.accept_no.lower()}.html"
                    if published
                    else ""
                ),
            )
            self._backdate(petition, "created_at", at(assigned, time(18, 0)))
            for code in spec.tasks:
                self.tasks[code].task.petitions.add(petition)

    def flush(self) -> None:
        Event.objects.bulk_create(self.events)
        for model, fields in self.backdates.items():
            for field_name, values in fields.items():
                model.objects.filter(pk__in=values).update(
                    **{
                        field_name: Case(
                            *(When(pk=pk, then=Value(when)) for pk, when in values.items()),
                            output_field=model._meta.get_field(field_name),
                        )
                    }
                )


def _progress_text(spec: TaskSpec, pct: int) -> str:
    if pct >= 100:
        return f"{spec.measures}已全部完成"
    if pct >= 70:
        return f"{spec.measures}：主体工作基本完成，正在扫尾，累计完成{pct}%"
    if pct >= 30:
        return f"{spec.measures}：正在实施，累计完成{pct}%"
    return f"{spec.measures}：已完成方案编制和前期准备，累计完成{pct}%"


DEMO_ROUND_CODES = tuple(spec.code for spec in data.ROUNDS)


def demo_loaded() -> bool:
    return InspectionRound.objects.filter(code__in=DEMO_ROUND_CODES).exists()


@transaction.atomic
def load_demo() -> DemoResult:
    """Load the demo city; a no-op when its rounds are already there."""
    if clock.today() != data.SNAPSHOT_DATE:
        log.warning(
            "示范数据是 %s 的快照；当前业务日期为 %s（设置 TRACKER_TODAY=%s 以查看快照）",
            data.SNAPSHOT_DATE,
            clock.today(),
            data.SNAPSHOT_DATE,
        )
    loader = _Loader()
    loader.reference_data()
    if demo_loaded():
        return DemoResult(created=False)
    loader.rounds()
    loader.petitions()
    loader.supervision()
    loader.finish_tasks()
    loader.flush()
    return DemoResult(
        created=True,
        counts={
            "rounds": len(data.ROUNDS),
            "tasks": len(loader.tasks),
            "users": len(loader.users),
            "events": len(loader.events),
        },
    )
