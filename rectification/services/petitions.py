"""The rectification side of the petition workflow: a petition not finished within its
batch (阶段性办结, or a problem that needs months) becomes a rectification task (点位).

inspections never reads tasks (docs/adr/0004-app-layers.md), so the conversion lives here:
the petition's half (its move and event) is inspections.petition_services'; the task is
created by task_create like any other, and linked through Task.petitions (the petition page
lists its tasks, the task page its petitions).
"""

from collections.abc import Sequence
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from accounts.choices import Role
from accounts.errors import InvalidInput
from accounts.models import User
from inspections import petition_services
from inspections.models import Petition, Problem
from rectification.choices import AssignmentRole, NotificationKind
from rectification.models import PetitionAttachment, Task
from rectification.services.base import notify
from rectification.services.tasks import UnitRole, task_create
from rectification.uploads import check_upload


@transaction.atomic
def petition_convert_to_task(
    *,
    actor: User,
    petition: Petition | int,
    problem: Problem,
    code: str,
    name: str,
    deadline: date,
    measures: str = "",
) -> Task:
    """转为整改任务: one new task under `problem` (of the petition's round), led by the
    petition's lead unit with its cooperating units, in the petition's region, linked both
    ways. The petition's move is checked first (office, status), so a refused conversion
    creates nothing."""
    pet = petition_services.petition_record_conversion(
        actor=actor, petition=petition, task_label=f"{code.strip()} {name.strip()}"
    )
    if problem is None or problem.round_id != pet.round_id:
        raise InvalidInput("请选择该信访件所属督察轮次的问题", field="problem")
    units = [UnitRole(pet.handling_unit, AssignmentRole.LEAD)] + [
        UnitRole(unit, AssignmentRole.COOP) for unit in pet.cooperating_units.all()
    ]
    task = task_create(
        problem=problem,
        actor=actor,
        code=code,
        name=name,
        region=pet.region,
        units=units,
        deadline=deadline,
        goal=pet.content,
        measures=measures or pet.handling,
        address=pet.address,
    )
    task.petitions.add(pet)
    return task


@transaction.atomic
def petition_add_evidence(
    *, actor: User, petition: Petition | int, files: Sequence[UploadedFile], title: str = ""
) -> list[PetitionAttachment]:
    """佐证材料 of a petition's handling, by its lead or cooperating units or the office: every
    file checked like task evidence before any is saved; one event."""
    if not files:
        raise InvalidInput("请选择要上传的文件", field="file")
    checked = [(upload, check_upload(upload)) for upload in files]
    pet = petition_services.petition_record_evidence(
        actor=actor,
        petition=petition,
        names="、".join((upload.name or "file") for upload, _ in checked),
    )
    saved = []
    for upload, info in checked:
        attachment = PetitionAttachment(
            petition=pet,
            title=title.strip()[:200],
            original_name=(upload.name or "file")[:255],
            extension=info.extension,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            uploaded_by=actor,
        )
        attachment.file.save(f"upload{info.extension}", upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def notify_petition_assigned(petition: Petition, actor: User) -> int:
    """交办 tells the receiving units: the active reporters and unit heads of the lead unit
    and of each cooperating unit, once each (in the app, and by mail when they have an
    address). Registered with inspections.petition_services.on_petition_assigned; the key
    names the unit and the day, so a repeated 交办 to the same unit the same day is not told
    twice, while a hand-over to another unit is."""
    lead = petition.handling_unit
    coop = list(petition.cooperating_units.all())
    due = f"，办理期限 {petition.due_date:%Y-%m-%d}" if petition.due_date else ""
    body = f"{petition.content[:80]}（承办单位：{lead.name}{due}）"
    url = reverse("petition_detail", args=[petition.pk])
    told: set[int] = {actor.pk}
    written = 0
    for unit, part in [(lead, "承办"), *((u, "配合办理") for u in coop)]:
        users = [
            user
            for user in User.objects.filter(
                unit_id=unit.pk, role__in=(Role.REPORTER, Role.UNIT_HEAD), is_active=True
            ).order_by("pk")
            if user.pk not in told
        ]
        told.update(user.pk for user in users)
        written += notify(
            recipients=users,
            kind=NotificationKind.PETITION_ASSIGNED,
            title=f"【信访件交办】{petition.accept_no} 交由{unit.display_name}{part}{due}",
            body=body,
            url=url,
            key=f"petition_assigned:{petition.pk}:{unit.pk}:{petition.assigned_at:%Y%m%d}",
        )
    return written
