"""Who is told: unit members, offices and leaders by region, leaders in charge, unit robots.

All lookups return ids and e-mail addresses (never model instances) so a job can address
thousands of users with a handful of queries.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator

from accounts.choices import Role
from accounts.models import Unit, User
from rectification.choices import AssignmentRole, NotificationChannel
from rectification.services import Message

# Units whose reporters and unit heads are reminded about a task (sector units only review).
TOLD_ROLES = (AssignmentRole.LEAD, AssignmentRole.COOP, AssignmentRole.TERRITORIAL)
UNIT_MEMBER_ROLES = (Role.REPORTER, Role.UNIT_HEAD)

Recipient = tuple[int, str]  # (user id, e-mail or "")


def unit_members(unit_ids: Iterable[int]) -> dict[int, list[Recipient]]:
    """Active reporters and unit heads of each unit."""
    members: dict[int, list[Recipient]] = defaultdict(list)
    rows = (
        User.objects.filter(unit_id__in=list(unit_ids), role__in=UNIT_MEMBER_ROLES, is_active=True)
        .order_by("id")
        .values_list("id", "unit_id", "email")
    )
    for user_id, unit_id, email in rows:
        members[unit_id].append((user_id, email))
    return members


def regional_users(roles: Iterable[str]) -> list[tuple[int, str, str]]:
    """(user id, e-mail, region path of the user's unit) of active users with these roles."""
    return list(
        User.objects.filter(role__in=list(roles), is_active=True, unit__isnull=False)
        .order_by("id")
        .values_list("id", "email", "unit__region__path")
    )


def covering(users: list[tuple[int, str, str]], region_path: str) -> list[Recipient]:
    """Those of `users` whose region subtree holds a row in `region_path`."""
    return [(uid, email) for uid, email, path in users if region_path.startswith(path)]


def leader_users(person_ids: Iterable[int]) -> dict[int, list[Recipient]]:
    """Users linked to each leader-in-charge Person (User.person)."""
    users: dict[int, list[Recipient]] = defaultdict(list)
    rows = User.objects.filter(person_id__in=list(person_ids), is_active=True).values_list(
        "id", "person_id", "email"
    )
    for user_id, person_id, email in rows:
        users[person_id].append((user_id, email))
    return users


def robot_senders(unit_ids: Iterable[int]) -> dict[int, int]:
    """Unit id → the user whose row carries the unit's group-robot message.

    A webhook posts once per unit, so one member (the lowest id, stable from run to run, which
    keeps the unique key stable) stands for the unit."""
    with_robot = set(
        Unit.objects.filter(pk__in=list(unit_ids), is_active=True)
        .exclude(webhook_url="")
        .values_list("pk", flat=True)
    )
    if not with_robot:
        return {}
    senders: dict[int, int] = {}
    rows = (
        User.objects.filter(unit_id__in=with_robot, is_active=True)
        .order_by("id")
        .values_list("unit_id", "id")
    )
    for unit_id, user_id in rows:
        senders.setdefault(unit_id, user_id)
    return senders


def messages_for(
    recipients: Iterable[Recipient],
    *,
    kind: str,
    key: str,
    title: str,
    body: str = "",
    task_id: int | None = None,
    url: str = "",
) -> Iterator[Message]:
    """In-app for everyone, plus mail for those with an address."""
    for user_id, email in recipients:
        yield Message(user_id, kind, title, key, NotificationChannel.INAPP, task_id, body, url)
        if email:
            yield Message(user_id, kind, title, key, NotificationChannel.MAIL, task_id, body, url)


def robot_message(
    sender_id: int, unit_id: int, *, kind: str, key: str, title: str, body: str = "", **extra
) -> Message:
    return Message(
        sender_id,
        kind,
        title,
        f"{key}:unit{unit_id}",
        NotificationChannel.WEBHOOK,
        extra.get("task_id"),
        body,
        extra.get("url", ""),
    )
