"""Who is told: unit members, offices and leaders by region, leaders in charge, unit robots.

All lookups return ids and e-mail addresses (never model instances) so a job can address
thousands of users with a handful of queries. The *_sql functions at the end give the same
audiences as SQL, for jobs that write their rows with one INSERT … SELECT
(services.notify_select) and never read the users into Python.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator

from accounts.choices import Role
from accounts.models import Unit, User
from rectification.choices import AssignmentRole, NotificationChannel, NotificationKind
from rectification.jobs.sql import listed
from rectification.services import Message, channels_for

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
    kind: NotificationKind,
    key: str,
    title: str,
    body: str = "",
    task_id: int | None = None,
    url: str = "",
) -> Iterator[Message]:
    """In-app for everyone, plus mail for those with an address (services.channels_for)."""
    for user_id, email in recipients:
        for channel in channels_for(email):
            yield Message(user_id, kind, title, key, channel, task_id, body, url)


def robot_message(
    sender_id: int,
    unit_id: int,
    *,
    kind: NotificationKind,
    key: str,
    title: str,
    body: str = "",
    **extra,
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


# The same audiences in SQL, for jobs that write with INSERT … SELECT (services.notify_select).


def channels_sql(user: str) -> str:
    """`JOIN <this>`: a row per channel the user of alias `user` is told on (column channel):
    in-app for everyone, plus mail for those with an address (messages_for)."""
    inapp, mail = NotificationChannel.INAPP.value, NotificationChannel.MAIL.value
    return (
        f"(SELECT '{inapp}' AS channel UNION ALL SELECT '{mail}') ch "
        f"ON ch.channel = '{inapp}' OR {user}.email <> ''"
    )


def unit_audience_sql() -> str:
    """(unit_id, user_id, channel, via) of who hears what a unit hears: its active reporters
    and unit heads (unit_members, on their channels) and its group robot (robot_senders: the
    lowest-id active user of an active unit with a webhook, channel WEBHOOK). `via` is what
    the robot's row adds to the message key (robot_message), '' for the members."""
    return (
        "SELECT u.unit_id, u.id AS user_id, ch.channel, '' AS via "
        f"FROM accounts_user u JOIN {channels_sql('u')} "
        f"WHERE u.role IN ({listed(UNIT_MEMBER_ROLES)}) AND u.is_active "
        "UNION ALL "
        f"SELECT s.unit_id, MIN(s.id), '{NotificationChannel.WEBHOOK.value}', ':unit' || s.unit_id "
        "FROM accounts_user s JOIN accounts_unit robot ON robot.id = s.unit_id "
        "WHERE s.is_active AND robot.is_active AND robot.webhook_url <> '' "
        "GROUP BY s.unit_id"
    )


def overseers_sql(task_filter: str) -> str:
    """(task_id, user_id), each pair once, for the tasks matching `task_filter` (a condition
    on the alias t): the active office users whose region subtree holds the task's region
    (regional_users + covering) and the active users linked to the task's leader in charge
    (User.person). A user who is both is told once."""
    # The (office user, region covered) pairs are few (offices × regions under them); the
    # tasks join them on region_id rather than comparing each task's path with each office's.
    offices = (
        "SELECT o.id AS user_id, covered.id AS region_id "
        "FROM accounts_user o JOIN accounts_unit office_unit ON office_unit.id = o.unit_id "
        "JOIN accounts_region office_region ON office_region.id = office_unit.region_id "
        "JOIN accounts_region covered "
        "ON substr(covered.path, 1, length(office_region.path)) = office_region.path "
        f"WHERE o.role = '{Role.OFFICE.value}' AND o.is_active"
    )
    return (
        "SELECT t.id AS task_id, office.user_id "
        f"FROM rectification_task t JOIN ({offices}) office ON office.region_id = t.region_id "
        f"WHERE {task_filter} "
        "UNION "
        "SELECT t.id, u.id "
        "FROM rectification_task t JOIN accounts_user u ON u.person_id = t.leader_id "
        f"WHERE {task_filter} AND u.is_active"
    )
