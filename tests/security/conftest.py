"""The probe world: a city with two counties, departments, cross-county cooperation, and one
of every object a persona could reach or leak, built through the services where there is one.

示范市 (市环督办, 市政府办, 市住建局)
├── 东城区 (东城区政府, 东城区环督办, 东城区政府办)
└── 西城区 (西城区政府)
远方市 (远方市政府): a second city nobody here but the administrator sees.

Tasks: A (东城区, lead 东城区政府, coop 市住建局), B (西城区, lead 西城区政府, coop 市住建局),
C (西城区, lead 西城区政府, coop 东城区政府: cooperation across counties), D (东城区, lead
市住建局), E (西城区's own county round, lead 西城区政府), F (远方市).
"""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.choices import RegionLevel, Role, UnitKind
from rectification import services
from rectification.models import PetitionAttachment, ProgressReport, SupervisionNotice, Warning
from tests.factories import (
    ProblemFactory,
    RegionFactory,
    RoundFactory,
    TaskFactory,
    UnitFactory,
    UserFactory,
)
from tests.services.conftest import Flow
from tests.services.factories_extra import PetitionFactory

PERSONAS = (
    "city_office",
    "county_office",
    "county_leader",
    "city_leader",
    "reporter",
    "coop_reporter",
    "unit_head",
    "outsider",
    "admin",
)


@dataclass
class ProbeWorld:
    """The world's objects by kind, and who each persona is."""

    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)  # kind -> list of model rows

    def add(self, kind: str, row):
        self.objects.setdefault(kind, []).append(row)
        return row


def _petition_attachment(petition, uploader, no):
    name = default_storage.save(f"evidence/probe/{no}.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    return PetitionAttachment.objects.create(
        petition=petition,
        file=name,
        original_name="现场照片.png",
        extension=".png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        uploaded_by=uploader,
    )


@pytest.fixture
def probe_world(world, before_after):
    w = world
    pw = ProbeWorld()
    county_office_unit = UnitFactory(
        name="东城区生态环境保护督察整改办公室",
        short_name="东城区环督办",
        kind=UnitKind.COORD_OFFICE,
        region=w.dongcheng,
    )
    county_gov_office = UnitFactory(
        name="东城区人民政府办公室",
        short_name="东城区政府办",
        kind=UnitKind.GOV,
        region=w.dongcheng,
    )
    far_city = RegionFactory(
        code="990200", name="远方市", level=RegionLevel.CITY, parent=w.province
    )
    far_gov = UnitFactory(name="远方市人民政府", short_name="远方市政府", region=far_city)
    pw.users = {
        "city_office": w.office,
        "county_office": UserFactory(
            username="dc_office", role=Role.OFFICE, unit=county_office_unit
        ),
        "county_leader": UserFactory(
            username="dc_leader", role=Role.LEADER, unit=county_gov_office
        ),
        "city_leader": w.leader,
        "reporter": w.reporter,
        "coop_reporter": w.coop_reporter,
        "unit_head": w.unit_head,
        "outsider": w.outsider,
        "admin": w.admin,
    }
    pw.far_user = UserFactory(username="far_reporter", role=Role.REPORTER, unit=far_gov)

    # Rounds and problems: the city round (world), 西城区's own round, 远方市's round.
    xc_round = RoundFactory(code="XC2019", name="西城区自查", region=w.xicheng)
    far_round = RoundFactory(code="FAR2019", name="远方市督察", region=far_city)
    xc_problem = ProblemFactory(round=xc_round, seq=1, code="1", title="西城区扬尘")
    far_problem = ProblemFactory(round=far_round, seq=1, code="1", title="远方市污水")
    city_problem2 = ProblemFactory(round=w.round, seq=2, code="5", title="建筑工地扬尘")
    for row in (w.round, xc_round, far_round):
        pw.add("round", row)
    for row in (w.problem, xc_problem, far_problem, city_problem2):
        pw.add("problem", row)

    task_c = TaskFactory(
        problem=w.problem, code="SD-4-3", name="西城区 3", region=w.xicheng, lead=w.xc_gov,
        coop=[w.dc_gov],
    )  # fmt: skip
    task_d = TaskFactory(
        problem=city_problem2, code="SD-5-1", name="东城区工地", region=w.dongcheng, lead=w.housing
    )
    task_e = TaskFactory(problem=xc_problem, code="XC-1-1", region=w.xicheng, lead=w.xc_gov)
    task_f = TaskFactory(problem=far_problem, code="FAR-1-1", region=far_city, lead=far_gov)
    tasks = (w.task, w.other_task, task_c, task_d, task_e, task_f)
    for row in tasks:
        pw.add("task", row)
    lead_user = {
        w.task.pk: w.reporter, w.other_task.pk: w.outsider, task_c.pk: w.outsider,
        task_d.pk: w.coop_reporter, task_e.pk: w.outsider, task_f.pk: pw.far_user,
    }  # fmt: skip

    # 西城区's task B is closed out (the roll-ups' "已销号"); progress, close-out applications
    # (with their evidence), extensions and warnings on the others.
    closed = Flow(w, before_after).to(w.other_task, "CLOSED")
    pw.add("closeout", closed)
    pw.add("report", ProgressReport.objects.get(task=w.other_task))
    for attachment in closed.attachments.all():
        pw.add("attachment", attachment)
    for task in tasks:
        actor = lead_user[task.pk]
        pw.add("warning", Warning.objects.create(
            task=task, unit=task.lead_unit, level="YELLOW", reason="BEHIND", day=date(2020, 2, 1)
        ))  # fmt: skip
        if task.pk == w.other_task.pk:
            continue
        pw.add(
            "report",
            services.task_report_progress(
                task=task, actor=actor, progress_text="推进中", progress_pct=60
            ),
        )
    for task in (w.task, task_c, task_f):
        app = services.task_apply_closeout(
            task=task,
            actor=lead_user[task.pk],
            summary="已完成",
            checklist=dict.fromkeys(services.CLOSEOUT_CHECKLIST, True),
            files=before_after(),
        )
        pw.add("closeout", app)
        for attachment in app.attachments.all():
            pw.add("attachment", attachment)
    for task in (task_d, task_e):
        pw.add("extension", services.task_request_extension(
            task=task, actor=lead_user[task.pk], requested_deadline=date(2020, 12, 31),
            reason="疫情影响施工",
        ))  # fmt: skip

    # Petitions: one per county, one shared with a department, one in 远方市.
    for no, region, unit, coop in (
        ("001", w.dongcheng, w.dc_gov, None),
        ("002", w.xicheng, w.xc_gov, None),
        ("003", w.xicheng, w.xc_gov, w.dc_gov),
        ("004", w.dongcheng, w.dc_gov, w.housing),
        ("005", far_city, far_gov, None),
    ):
        petition = PetitionFactory(
            round=w.round if region != far_city else far_round,
            accept_no=f"XF-{no}",
            region=region,
            handling_unit=unit,
        )
        if coop is not None:
            petition.cooperating_units.add(coop)
        pw.add("petition", petition)
        pw.add("petition_attachment", _petition_attachment(petition, w.office, no))

    # Supervision notices: issued (已发) and proposed (拟发) to each county, one to 住建局.
    for unit, task in ((w.dc_gov, w.task), (w.xc_gov, w.other_task), (w.housing, task_d)):
        pw.add("notice", services.supervision_notice_create(
            actor=w.office, kind="LETTER", title=f"督办{unit.short_name}", target_unit=unit,
            tasks=[task],
        ))  # fmt: skip
    for unit, task in ((w.dc_gov, w.task), (w.xc_gov, w.other_task), (far_gov, task_f)):
        proposed = SupervisionNotice.objects.create(
            kind="LETTER", title=f"拟发{unit.short_name}", target_unit=unit, status="PROPOSED"
        )
        proposed.tasks.add(task)
        pw.add("notice", proposed)
    from rectification import tally

    tally.build()
    pw.world = w
    return pw
