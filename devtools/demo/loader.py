"""Load the demo city (devtools/demo/data.py) by replaying its story through the services.

Reference data (regions, units, people, users, rounds, aspects, categories, problems,
petitions) is written directly. Everything that happens to a task afterwards is a dated
step of the story, taken by the demo user whose job it is (the unit's reporter, its head,
the office) through the same service a page calls, with the clock moved to that moment
(`accounts.clock.travel`): reports, evidence, close-out applications, self-checks,
acceptances with their public notice, returns, extensions, close-outs, look-backs,
supervision notices and replies, manual warnings. The colours come from the warning sweep
run on the story's days. So every row, event and notification is stamped inside the story
(2019-03-15 … 2020-02-15), and the services' rules hold for the demo as for anyone.

Idempotent: reference data is matched on its natural key, and the story is told only when
none of the demo rounds exists yet.
"""

import heapq
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts import clock, mfa
from accounts.choices import Role
from accounts.models import Person, Region, Unit, User
from devtools.demo import data
from devtools.demo.data import ProblemSpec, RoundSpec, Step, TaskSpec
from devtools.demo.evidence import photo_png, report_pdf
from inspections import petition_services
from inspections.choices import PetitionOutcome, PetitionStatus
from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Petition, Problem
from inspections.services import provincial_review_by_default
from rectification import services
from rectification.choices import (
    AssignmentRole,
    AttachmentKind,
    LookBackResult,
    ReviewLevel,
    ReviewMethod,
    ReviewResult,
    SiteType,
    WarningLevel,
)
from rectification.jobs import petitions as petition_jobs
from rectification.jobs import warning_sweep
from rectification.models import (
    AccountabilityRecord,
    Assignment,
    CloseoutApplication,
    Event,
    Task,
    Warning,
)
from rectification.services import CLOSEOUT_CHECKLIST, EvidenceFile, UnitRole

log = logging.getLogger(__name__)

# Site types whose close-out carries a monitoring report (水质/渗滤液监测).
MONITORED_SITES = {
    SiteType.OUTFALL,
    SiteType.SEWAGE_PLANT,
    SiteType.WATER_SOURCE,
    SiteType.LANDFILL,
    SiteType.SOLID_WASTE,
}
NOTICE_DAYS = 7
PROVINCIAL_OPINION = "经省级复核，整改措施已落实，同意销号"
NOTICE_CHANNEL = "示范市人民政府网站"
NOTICE_PHONE = "0999-12369"
# Time of day at which each kind of step happens (the demo's working rhythm).
STEP_TIMES = {
    "listed": time(8, 30),
    "create": time(9, 0),
    "report": time(16, 30),
    "apply": time(10, 0),
    "self_check": time(15, 0),
    "accept": time(11, 0),
    "close": time(9, 30),
    "return": time(14, 30),
    "extension": time(9, 15),
    "overdue_extension": time(9, 15),
    "decide": time(17, 0),
    "lookback": time(10, 30),
    "sweep": time(6, 0),
    "warning": time(10, 0),
    "notice": time(10, 0),
    "reply": time(16, 0),
    "petition": time(18, 0),
}
SELF_CHECK_OPINION = "经现场核查和资料审查，整改措施已落实，同意申请销号。"
ACCEPT_OPINION = "经现场核查和资料审查，整改到位，验收合格，同意公示。"
EXTENSION_NOTE = "同意延期，请倒排工期，确保按新时限完成。"
PETITION_HOLD_REASON = "别墅尚未拆除完毕，拆除完成后再报办理结果。"


def _workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass
class DemoResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(order=True)
class _Beat:
    """One dated action of the story: done at `moment`, in the order the story lists it."""

    moment: datetime
    order: int
    act: Callable[[], None] = field(compare=False)


@dataclass
class _TaskStory:
    spec: TaskSpec
    round_spec: RoundSpec
    applicant: str  # unit key of the unit that reports and applies (territorial, else lead)
    task: Task | None = None
    application: CloseoutApplication | None = None
    last: datetime | None = None  # the moment of the task's latest step


class _Loader:
    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.units: dict[str, Unit] = {}
        self.persons: dict[str, Person] = {}
        self.leaders: dict[str, Person] = {}
        self.users: dict[str, User] = {}
        self.reporters: dict[str, User] = {}
        self.heads: dict[str, User] = {}
        self.stories: dict[str, _TaskStory] = {}
        self.rounds: dict[str, InspectionRound] = {}
        self.beats: list[_Beat] = []  # a heap, earliest first
        self.order = 0
        self.doc_numbers: dict[int, int] = {}
        self.review_letters = 0  # the province's 复核 letters the city office records
        self.petitions_of: dict[str, list[Petition]] = {}  # task code -> petitions about it

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
                    # The accounts were opened on the story's first day.
                    date_joined=clock.at(data.STORY_START, 8, 0),
                )
            self.users[spec.username] = user
            if spec.unit and spec.role == Role.REPORTER:
                self.reporters.setdefault(spec.unit, user)
            if spec.unit and spec.role == Role.UNIT_HEAD:
                self.heads.setdefault(spec.unit, user)
        for username in data.DEMO_MFA_USERS:
            mfa.enrol_with_key(
                user=self.users[username],
                key_b32=data.DEMO_TOTP_SECRET,
                note="演示账号：身份验证器密钥公开于 README",
            )
        self.office = self.users["office"]
        self.province_office = self.users["province_office"]

    # -----------------------------------------------------------------------------------------
    # The story as dated beats

    def _at(self, day: date, kind: str) -> datetime:
        when = STEP_TIMES[kind]
        return clock.at(day, when.hour, when.minute)

    def _beat(self, moment: datetime, act: Callable[[], None]) -> None:
        """Schedule `act` at `moment` (also while the story is being told: a reply is
        scheduled by the notice it answers)."""
        self.order += 1
        heapq.heappush(self.beats, _Beat(moment, self.order, act))

    def _task_beat(self, story: _TaskStory, day: date, kind: str, act: Callable[[], None]):
        """A step of one task: at its time of day, but never before the task's previous step
        (a report and an application on the same day keep the story's order)."""
        moment = self._at(day, kind)
        if story.last is not None and moment <= story.last:
            moment = story.last + timedelta(minutes=5)
        story.last = moment
        self._beat(moment, act)

    def plan(self) -> None:
        for spec in data.ROUNDS:
            # A round is on the books from the inspectors' arrival (petitions come in during
            # their stay); its tasks from the day its plan lists them.
            opened = min(spec.listed_on, spec.fields.get("stay_start", spec.listed_on))
            self._beat(self._at(opened, "listed"), partial(self._round, spec))
            for problem_spec in spec.problems:
                for seq, task_spec in enumerate(problem_spec.tasks, start=1):
                    self._plan_task(spec, problem_spec, seq, task_spec)
        for code, day, method, findings in data.LOOKBACKS_CONSOLIDATED:
            step = Step(
                "lookback", day, method=method, result=LookBackResult.CONSOLIDATED, text=findings
            )
            story = self.stories[code]
            self._task_beat(story, day, "lookback", partial(self._lookback, story, step))
        for spec in data.WARNINGS:
            if not spec.auto:
                self._beat(self._at(spec.day, "warning"), partial(self._warning, spec))
        sweep_days = {w.day for w in data.WARNINGS if w.auto} | {data.SNAPSHOT_DATE}
        for day in sorted(sweep_days):
            self._beat(self._at(day, "sweep"), partial(self._sweep, day))
        for spec in data.SUPERVISIONS:
            self._beat(self._at(spec.issued_on, "notice"), partial(self._notice, spec))
        for spec in data.PETITIONS:
            self._plan_petition(spec)
        decided_on = data.ACCOUNTABILITY["decided_on"]
        self._beat(self._at(decided_on, "notice"), self._accountability)

    def _plan_task(self, round_spec: RoundSpec, problem_spec, seq: int, spec: TaskSpec) -> None:
        story = _TaskStory(spec, round_spec, applicant=spec.territorial or spec.lead)
        self.stories[spec.code] = story
        self._task_beat(
            story,
            round_spec.listed_on,
            "create",
            partial(self._create_task, story, problem_spec, seq),
        )
        reports = [i for i, s in enumerate(spec.story) if s.kind == "report"]
        first, last = (reports[0], reports[-1]) if reports else (-1, -1)
        for index, step in enumerate(spec.story):
            self._task_beat(
                story,
                step.day,
                step.kind,
                partial(self._step, story, step, first=index == first, last=index == last),
            )
            if step.kind == "extension":
                self._task_beat(story, step.decided, "decide", partial(self._decide, story))

    def _step(self, story: _TaskStory, step: Step, *, first: bool, last: bool) -> None:
        if step.kind == "report":
            self._report(story, step, first=first, last=last)
        else:
            getattr(self, f"_{step.kind}")(story, step)

    def tell(self) -> None:
        """Run the beats in time order, each with the clock at its moment."""
        while self.beats:
            beat = heapq.heappop(self.beats)
            with clock.travel(beat.moment):
                beat.act()

    # -----------------------------------------------------------------------------------------
    # Reference data written at its moment: rounds, problems, petitions

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
            requires_provincial_review=provincial_review_by_default(spec.level, spec.kind),
            **spec.fields,
        )
        self.rounds[spec.code] = round_
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

    def _sweep(self, day: date) -> None:
        """The warnings job of that morning: the tasks' colours, then overdue petitions."""
        warning_sweep.run(day)
        petition_jobs.sweep(day)

    def _plan_petition(self, spec) -> None:
        """A petition's story through the workflow's services (DOMAIN §1.3): received, handed
        over the next day, taken up, its result reported a week later, checked by the unit's
        head, then closed (办结 / 阶段性办结) by the office and published; the key petition
        about the villas is still being handled (its head sent the result back)."""
        received = spec.received_at
        assigned = received + timedelta(days=1)
        steps = [
            (received, time(18, 0), partial(self._petition_receive, spec)),
            (assigned, time(9, 0), partial(self._petition_assign, spec)),
            (assigned, time(15, 0), partial(self._petition_move, spec, "start")),
            (assigned + timedelta(days=7), time(16, 0), partial(self._petition_report, spec)),
        ]
        if spec.status == PetitionStatus.HANDLING:
            steps.append(
                (
                    assigned + timedelta(days=8),
                    time(10, 0),
                    partial(self._petition_move, spec, "hold"),
                )
            )
        else:
            steps += [
                (
                    assigned + timedelta(days=8),
                    time(10, 0),
                    partial(self._petition_move, spec, "check"),
                ),
                (
                    assigned + timedelta(days=9),
                    time(9, 0),
                    partial(self._petition_move, spec, "review"),
                ),
                (
                    assigned + timedelta(days=9),
                    time(11, 0),
                    partial(self._petition_move, spec, "publish"),
                ),
            ]
        for day, at, act in steps:
            self._beat(clock.at(day, at.hour, at.minute), act)

    def _petition_receive(self, spec) -> None:
        petition = petition_services.petition_receive(
            actor=self.office,
            round_=self.rounds["SD2019"],
            accept_no=spec.accept_no,
            batch_no=spec.batch_no,
            channel=spec.channel,
            region=self.regions[spec.region],
            content=spec.content,
            received_at=spec.received_at,
            pollution_types=spec.pollution_types,
            is_key=spec.is_key,
        )
        for code in spec.tasks:
            # Linked when the plan lists the task (the petition came in during the stay).
            self.petitions_of.setdefault(code, []).append(petition)

    def _petition_of(self, spec) -> Petition:
        return Petition.objects.get(accept_no=spec.accept_no)

    def _petition_assign(self, spec) -> None:
        petition_services.petition_assign(
            actor=self.office, petition=self._petition_of(spec), lead_unit=self.units[spec.unit]
        )

    def _petition_report(self, spec) -> None:
        petition_services.petition_report(
            actor=self.reporters[spec.unit],
            petition=self._petition_of(spec),
            verify_result=spec.verify_result,
            findings=spec.findings,
            handling=spec.handling,
            outcome=(
                PetitionOutcome.DONE
                if spec.status == PetitionStatus.DONE
                else PetitionOutcome.STAGE_DONE
            ),
            accountable_count=1 if spec.accountability else 0,
            accountability=spec.accountability,
        )

    def _petition_move(self, spec, step: str) -> None:
        petition = self._petition_of(spec)
        head = self.heads[spec.unit]
        if step == "start":
            petition_services.petition_start(actor=self.reporters[spec.unit], petition=petition)
        elif step == "check":
            petition_services.petition_self_check(actor=head, petition=petition, passed=True)
        elif step == "hold":
            petition_services.petition_self_check(
                actor=head, petition=petition, passed=False, reason=PETITION_HOLD_REASON
            )
        elif step == "review":
            decision = "finish" if spec.status == PetitionStatus.DONE else "finish_stage"
            petition_services.petition_review(
                actor=self.office, petition=petition, decision=decision
            )
        elif step == "publish":
            petition_services.petition_publish(
                actor=self.office,
                petition=petition,
                published_at=clock.today(),
                publish_url=f"https://www.shifan.example/bdbg/{spec.accept_no.lower()}.html",
            )

    def _accountability(self) -> None:
        record = dict(data.ACCOUNTABILITY)
        task = self.stories[record.pop("task")].task
        AccountabilityRecord.objects.create(
            round=task.round,
            task=task,
            decided_by=self.units[record.pop("decided_by")],
            **record,
        )

    # -----------------------------------------------------------------------------------------
    # Task steps, through the services

    def _reporter(self, story: _TaskStory) -> User:
        found = self.reporters.get(story.applicant)
        if found is None:
            raise RuntimeError(f"demo data: no reporter user for {story.applicant}")
        return found

    def _head(self, story: _TaskStory) -> User:
        """The self-checker: a head of the task's lead unit (whichever unit applied)."""
        found = self.heads.get(story.spec.lead)
        if found is None:
            raise RuntimeError(f"demo data: no head user for {story.spec.lead}")
        return found

    def _evidence(
        self, story: _TaskStory, kind: str, title: str, pdf_lines: list[str] | None = None
    ) -> EvidenceFile:
        code = story.spec.code
        if pdf_lines is not None:
            content, name = report_pdf(pdf_lines), f"{code}_{title}.pdf"
        else:
            content, name = photo_png(code, kind), f"{code}_{title}.png"
        return EvidenceFile(SimpleUploadedFile(name, content), kind, title)

    def _before(self, story: _TaskStory, day: date) -> EvidenceFile:
        if story.spec.is_point:
            return self._evidence(story, AttachmentKind.BEFORE, "整改前现场照片")
        return self._evidence(
            story,
            AttachmentKind.BEFORE,
            "督察反馈问题摘录",
            [
                f"{story.spec.code} inspection feedback excerpt",
                f"Issued by the inspection team, {day:%Y-%m-%d}",
            ],
        )

    def _create_task(self, story: _TaskStory, problem_spec: ProblemSpec, seq: int) -> None:
        spec, round_spec = story.spec, story.round_spec
        problem = Problem.objects.get(round=self.rounds[round_spec.code], code=problem_spec.code)
        units = [
            UnitRole(
                self.units[spec.lead], AssignmentRole.LEAD, self.persons[spec.lead], "牵头组织实施"
            )
        ]
        if spec.territorial:
            units.append(
                UnitRole(
                    self.units[spec.territorial],
                    AssignmentRole.TERRITORIAL,
                    self.persons[spec.territorial],
                    "属地责任，组织实施",
                )
            )
        units += [
            UnitRole(self.units[key], AssignmentRole.COOP, self.persons[key], "配合")
            for key in spec.coops
        ]
        if spec.sector:
            units.append(
                UnitRole(
                    self.units[spec.sector],
                    AssignmentRole.SECTOR,
                    self.persons[spec.sector],
                    "行业主管部门认定",
                )
            )
        story.task = services.task_create(
            problem=problem,
            actor=self.office,
            code=spec.code,
            name=spec.name,
            region=self.regions[spec.region],
            units=units,
            deadline=spec.deadline,
            start_date=spec.start or round_spec.plan_issued_on,
            deadline_type=spec.deadline_type,
            is_ongoing=spec.is_ongoing,
            is_point=spec.is_point,
            site_type=spec.site_type,
            goal=spec.goal or f"{spec.measures}，通过验收销号",
            measures=spec.measures,
            address=spec.address,
            water_body=spec.water_body,
            outfall_code=spec.outfall_code,
            lat=spec.lat,
            lng=spec.lng,
            leader=problem.leader,
            seq=seq,
        )
        if self.petitions_of.get(spec.code):
            story.task.petitions.add(*self.petitions_of[spec.code])
        if not spec.story and spec.is_point:
            # Not started yet: only the picture from the disclosure, filed by the office.
            services.task_add_evidence(
                task=story.task,
                actor=self.office,
                files=[self._before(story, round_spec.listed_on)],
            )

    def _report(self, story: _TaskStory, step: Step, *, first: bool, last: bool) -> None:
        task = Task.objects.get(pk=story.task.pk)
        files = []
        if first and not task.reopen_count:
            files.append(self._before(story, step.day))
        elif last and story.spec.is_point:
            files.append(self._evidence(story, AttachmentKind.DURING, "整改中现场照片"))
        services.task_report_progress(
            task=task,
            actor=self._reporter(story),
            progress_text=step.text or _progress_text(story.spec, step.pct),
            progress_pct=step.pct,
            next_steps="" if step.pct >= 100 else "按整改方案和时间节点继续推进",
            falling_reason=step.falling,
            files=files,
        )

    def _apply(self, story: _TaskStory, step: Step) -> None:
        spec = story.spec
        if spec.is_point:
            files = [self._evidence(story, AttachmentKind.AFTER, "整改后现场照片")]
        else:
            files = [
                self._evidence(
                    story,
                    AttachmentKind.AFTER,
                    "印发文件",
                    [f"{spec.code} rectification document issued", f"Date: {step.day:%Y-%m-%d}"],
                )
            ]
        if spec.site_type in MONITORED_SITES:
            files.append(
                self._evidence(
                    story,
                    AttachmentKind.MONITORING,
                    "监测报告",
                    [
                        f"Monitoring report {spec.code}",
                        f"Sampling date: {step.day - timedelta(days=3):%Y-%m-%d}",
                        "COD 28 mg/L, NH3-N 1.2 mg/L, TP 0.3 mg/L",
                        "Result: meets GB 18918-2002 class 1A",
                    ],
                )
            )
        story.application = services.task_apply_closeout(
            task=story.task,
            actor=self._reporter(story),
            summary=step.text or f"{spec.measures}已全部完成，经自查符合销号标准，申请销号。",
            checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
            files=files,
        )

    def _self_check(self, story: _TaskStory, step: Step) -> None:
        services.closeout_self_check(
            application=story.application,
            actor=self._head(story),
            passed=True,
            opinion=SELF_CHECK_OPINION,
        )

    def _accept(self, story: _TaskStory, step: Step) -> None:
        if story.task.round.requires_provincial_review:
            # The round's acceptance chain needs the 省级复核 before the office's acceptance
            # starts 公示. The provincial round's is recorded by the provincial office on its
            # own account; the Yangtze warning-film problems' by the city office on receipt of
            # the province's document (number, date and its PDF scan).
            if story.task.round.code == "SD2019":
                actor, document = self.province_office, {}
            else:
                self.review_letters += 1
                no = f"示省环督办函〔{step.day.year}〕{self.review_letters}号"
                scan = report_pdf(
                    [
                        f"Provincial review letter {step.day.year}-{self.review_letters}",
                        f"{story.spec.code}: rectification reviewed, close-out agreed",
                    ]
                )
                actor = self.office
                document = {
                    "document_no": no,
                    "document_date": step.day,
                    "document": SimpleUploadedFile(f"{story.spec.code}_省级复核文件.pdf", scan),
                }
            services.closeout_record_review(
                application=story.application,
                actor=actor,
                level=ReviewLevel.PROVINCIAL,
                result=ReviewResult.PASS,
                opinion=PROVINCIAL_OPINION,
                reviewers="示范省生态环境保护督察整改工作领导小组办公室",
                method=ReviewMethod.DOCS,
                **document,
            )
        start = step.day + timedelta(days=1)
        services.closeout_accept(
            application=story.application,
            actor=self.office,
            opinion=ACCEPT_OPINION,
            level=step.level,
            notice_start=start,
            # a week, or longer when holidays leave it short of NOTICE_MIN_WORKING_DAYS
            notice_end=max(
                start + timedelta(days=NOTICE_DAYS - 1), services.notice_earliest_end(start)
            ),
            channel=NOTICE_CHANNEL,
            url=f"https://www.shifan.example/gsgg/{story.spec.code.lower()}.html",
            contact_phone=NOTICE_PHONE,
            reviewers=f"{self.office.display_name}等市级验收组",
            method=ReviewMethod.BOTH,
        )

    def _close(self, story: _TaskStory, step: Step) -> None:
        year = step.day.year
        self.doc_numbers[year] = self.doc_numbers.get(year, 0) + 1
        services.closeout_close(
            application=story.application,
            actor=self.office,
            doc_no=f"示环督办销〔{year}〕{self.doc_numbers[year]}号",
            filed_at=_workday(step.day + timedelta(days=3)),
        )

    def _return(self, story: _TaskStory, step: Step) -> None:
        services.closeout_return(application=story.application, actor=self.office, reason=step.text)
        story.application = None

    def _extension(self, story: _TaskStory, step: Step) -> None:
        services.task_request_extension(
            task=story.task,
            actor=self._reporter(story),
            requested_deadline=step.until,
            reason=step.text,
        )

    def _overdue_extension(self, story: _TaskStory, step: Step) -> None:
        services.extension_grant_overdue(
            task=story.task, actor=self.office, new_deadline=step.until, reason=step.text
        )

    def _decide(self, story: _TaskStory) -> None:
        extension = story.task.extensions.get(status="PENDING")
        services.extension_decide(
            extension=extension, actor=self.office, approve=True, note=EXTENSION_NOTE
        )

    def _lookback(self, story: _TaskStory, step: Step) -> None:
        services.task_record_lookback(
            task=story.task,
            actor=self.office,
            check_date=step.day,
            method=step.method,
            result=step.result,
            findings=step.text,
            new_deadline=step.until,
        )

    # -----------------------------------------------------------------------------------------
    # Supervision: manual warnings, notices and their replies

    def _warning(self, spec) -> None:
        services.warning_raise(
            task=self.stories[spec.task].task,
            actor=self.office,
            level=spec.level,
            reason=spec.reason,
            note=spec.note,
        )

    def _notice(self, spec) -> None:
        notice = services.supervision_notice_create(
            actor=self.office,
            kind=spec.kind,
            doc_no=spec.doc_no,
            title=spec.title,
            content=spec.content,
            target_unit=self.units[spec.target],
            reply_due=spec.reply_due,
            tasks=[self.stories[code].task for code in spec.tasks],
        )
        if spec.replied_on:
            replier = self.reporters[spec.target]

            def reply() -> None:
                services.supervision_notice_reply(
                    notice=notice, actor=replier, reply_text=spec.reply_text
                )

            self._beat(self._at(spec.replied_on, "reply"), reply)

    # -----------------------------------------------------------------------------------------
    # The snapshot: what the story must have produced

    def check(self) -> None:
        tasks = {t.code: t for t in Task.objects.all()}
        for code, story in self.stories.items():
            task = tasks[code]
            if task.schedule_status != story.spec.expect:
                raise RuntimeError(
                    f"demo data: {code} is {task.schedule_status} on {data.SNAPSHOT_DATE}, "
                    f"expected {story.spec.expect}"
                )
        for spec in data.WARNINGS:
            found = Warning.objects.filter(
                task=tasks[spec.task], level=spec.level, reason=spec.reason, day=spec.day
            ).exists()
            # the card is on record and the task is at least that colour today (a yellow
            # card's task may since have turned red, e.g. SD-5-1 overdue against its
            # original deadline)
            if not found or _RANK[tasks[spec.task].warning_level] < _RANK[spec.level]:
                raise RuntimeError(
                    f"demo data: {spec.task} has no {spec.level} {spec.reason} on {spec.day}"
                )


_RANK = {WarningLevel.NONE: 0, WarningLevel.BLUE: 1, WarningLevel.YELLOW: 2, WarningLevel.RED: 3}


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
    loader.plan()
    loader.tell()
    loader.check()
    return DemoResult(
        created=True,
        counts={
            "rounds": len(data.ROUNDS),
            "tasks": len(loader.stories),
            "users": len(loader.users),
            "events": Event.objects.count(),
        },
    )
