"""The petitions' part of the daily jobs: the warnings job flags overdue petitions (one
逾期预警 event each, inspections.petition_services.petition_overdue_sweep) and the reminders
job tells the units handling a petition that it is due in 3 or 1 days or overdue; an
overdue petition's reminder also goes to the offices whose region holds it.

Petitions are few (dozens per round), so this reads them in Python; the notification rows
are written by notify_many with the same unique key habit as the tasks' reminders
(kind, petition, day, recipient, channel), so a second run sends nothing twice.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from accounts.scope import sees_region
from inspections import petition_services
from inspections.choices import PetitionStatus
from inspections.models import Petition
from rectification.choices import NotificationKind
from rectification.services import Message, notify_many

REMIND_DAYS_BEFORE = (3, 1)
DUE_TITLE = "【信访件临期】{no} 距办理期限还有{days}天"
OVERDUE_TITLE = "【信访件逾期】{no} 已超过办理期限{days}天"
BODY = "{content}（办理期限 {due}，承办单位：{unit}）。请按期上报调查核实和处理整改情况。"


@dataclass(frozen=True)
class PetitionRun:
    day: date
    overdue_warned: int
    reminded: int


def sweep(on: date) -> int:
    """The warnings job's step: flag the petitions overdue on `on`."""
    return petition_services.petition_overdue_sweep(on)


def remind(on: date) -> int:
    """The reminders job's step: due in 3 / 1 days, and overdue (every day)."""
    due_days = [on + timedelta(days=d) for d in REMIND_DAYS_BEFORE]
    due = Petition.objects.filter(
        status__in=(PetitionStatus.ASSIGNED, PetitionStatus.HANDLING), due_date__in=due_days
    )
    late = Petition.objects.filter(petition_services.overdue_q(on))
    offices = list(User.objects.filter(role=Role.OFFICE, is_active=True, unit__isnull=False))
    messages: list[Message] = []
    for kind, rows in (
        (NotificationKind.PETITION_DUE, due),
        (NotificationKind.PETITION_OVERDUE, late),
    ):
        for pet in rows.select_related("handling_unit").prefetch_related("cooperating_units"):
            units = [pet.handling_unit_id, *(u.pk for u in pet.cooperating_units.all())]
            audience = set(
                User.objects.filter(
                    unit_id__in=units, role__in=(Role.REPORTER, Role.UNIT_HEAD), is_active=True
                ).values_list("pk", flat=True)
            )
            if kind == NotificationKind.PETITION_OVERDUE:
                audience |= {u.pk for u in offices if sees_region(u, pet.region_id)}
                title = OVERDUE_TITLE.format(no=pet.accept_no, days=(on - pet.due_date).days)
            else:
                title = DUE_TITLE.format(no=pet.accept_no, days=(pet.due_date - on).days)
            body = BODY.format(
                content=pet.content[:60],
                due=f"{pet.due_date:%Y-%m-%d}",
                unit=pet.handling_unit.name,
            )
            url = reverse("petition_detail", args=[pet.pk])
            messages += [
                Message(
                    recipient_id=user_id,
                    kind=kind,
                    title=title,
                    body=body,
                    url=url,
                    key=f"{kind}:petition{pet.pk}:{on:%Y%m%d}",
                )
                for user_id in sorted(audience)
            ]
    return notify_many(messages)
