"""The load test's plan (issue 16): who the simulated users are and what they act on.

Built in-process from the biggest generated province (devtools.bench.province) and written
as JSON for the load generator (devtools/load/locustfile.py) and the raw app
(devtools/load/rawapp.py), which both read it; neither imports Django's request machinery.

- Sessions are made with `Client.force_login`, as a browser's login would leave them. A user
  whose role needs the second factor (accounts.mfa.required) gets a TOTP device once and the
  session carries django_otp's verified marker, as the code page would leave it; every
  session is checked to reach /tasks/ with 200 before it is handed out.
- Reporters are the units leading the most open tasks of the county with the most 整改中
  tasks; each carries its own open tasks (the report post's targets), wherever they lie (a
  city department leads tasks in every county of its city).
- The office's 验收 targets are close-out applications brought to 验收中 through the
  services (report 100 %, apply with a 整改前 and a 整改后 photo, the lead unit head's
  self-check), on tasks whose round asks no 行业部门认定 or 省级复核 and whose site type
  needs no further evidence. They are split into two disjoint pools, one for the product's
  run and one for the raw app's, each accepted at most once.
"""

import logging
import secrets
from base64 import b32encode
from io import BytesIO

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Exists, OuterRef, Q
from django.test import Client
from django.test.utils import override_settings
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import clock, mfa
from accounts.choices import Role, TokenScope
from accounts.models import User
from accounts.tokens import api_token_create
from devtools.bench import scenarios as bench
from rectification import closeout_rules, services, tally
from rectification.choices import AssignmentRole, TaskStatus
from rectification.models import (
    Assignment,
    CloseoutApplication,
    ProgressReport,
    Task,
)
from rectification.services import CLOSEOUT_CHECKLIST, EvidenceFile

# Sessions per persona (several users of each kind, so per-user caches and locks do not
# make the load look better or worse than many people would).
REPORTER_SESSIONS = 8
TASKS_PER_REPORTER = 40
OFFICE_SESSIONS = 4
API_TOKENS = 4
OPEN = [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS]


class PlanError(Exception):
    pass


def build_plan(*, accepts: int, log=print) -> dict:
    """The plan for a run; `accepts`: close-out applications per pool (product and raw)."""
    provinces = bench.benchmark_provinces()
    if not provinces:
        raise PlanError("no generated province: run generate_province first")
    region, tasks = max(provinces, key=lambda p: p[1])
    province = bench.load_province(region, tasks)
    county, city = province.county, province.city
    on = clock.today()
    log(f"plan: province {region.name} ({tasks:,} tasks), county {county.name}")
    # The day's dashboard summary, as the nightly job leaves it: both apps read it.
    tally.ensure(on)

    reporters = _reporters(province)
    accept_tasks = _closeout_candidates(province, 2 * accepts)
    taken = set(accept_tasks)
    reporter_rows = []
    for user in reporters:
        own = list(
            Task.objects.filter(lead_unit_id=user.unit_id, status__in=OPEN)
            .exclude(pk__in=taken)
            .order_by("id")
            .values_list("pk", flat=True)[:TASKS_PER_REPORTER]
        )
        if not own:
            continue
        taken.update(own)
        reporter_rows.append(
            {
                **_session(user),
                "unit": user.unit_id,
                "path": user.unit.region.path,
                "tasks": own,
            }
        )
    if not reporter_rows:
        raise PlanError(f"no reporter of {county.name} has open tasks")

    offices = [province.office, province.city_office]
    office_rows = [
        {**_session(offices[i % len(offices)]), "path": _path(offices[i % len(offices)])}
        for i in range(OFFICE_SESSIONS)
    ]
    leaders = [province.leader, province.city_leader, province.county_leader]
    leader_rows = [{**_session(user), "path": _path(user)} for user in leaders]
    api_rows = []
    for i in range(API_TOKENS):
        user = offices[i % len(offices)]
        issued = api_token_create(
            user=user, actor=user, name=f"负载测试 {i + 1}", scope=TokenScope.READ, days=1
        )
        api_rows.append({"token": issued.key, "user": user.pk, "path": _path(user)})

    apps = _closeout_applications(accept_tasks, log=log)
    half = len(apps) // 2
    period = services.period_for(on)
    return {
        "province": {"code": region.code, "name": region.name, "tasks": tasks},
        "on": on.isoformat(),
        "county": {"id": county.pk, "name": county.name, "path": county.path},
        "city": {"id": city.pk, "path": city.path},
        "statuses": [str(s) for s in bench.LIST_STATUSES],
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "period": {"id": period.pk, "code": period.code},
        "content_types": {
            "progressreport": ContentType.objects.get_for_model(ProgressReport).pk,
            "closeoutapplication": ContentType.objects.get_for_model(CloseoutApplication).pk,
        },
        "reporter": reporter_rows,
        "office": office_rows,
        "leader": leader_rows,
        "api": api_rows,
        "accept": {"product": apps[:half], "raw": apps[half:]},
    }


def _path(user: User) -> str:
    return user.unit.region.path


def _session(user: User) -> dict:
    """A logged-in session of `user` (second factor passed where the role needs it), checked
    to reach the task list."""
    client = Client()
    axes = logging.getLogger("axes")
    level = axes.level
    axes.setLevel(logging.WARNING)  # not a "successful login" line per session
    try:
        client.force_login(user)
    finally:
        axes.setLevel(level)
    if mfa.required(user):
        device = mfa.totp_device(user) or mfa.enrol_with_key(
            user=user, key_b32=b32encode(secrets.token_bytes(20)).decode(), note="负载测试"
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        response = client.get("/tasks/", secure=True)
    if response.status_code != 200:
        where = response.get("Location", "")
        raise PlanError(
            f"session of {user.username}: /tasks/ answered {response.status_code} {where}"
        )
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"cookie": cookie, "user": user.pk, "username": user.username}


def _reporters(province: bench.Province) -> list[User]:
    """The reporters (one per unit, as generated) of the units leading the most open tasks of
    the county."""
    units = (
        Task.objects.filter(region=province.county, status__in=OPEN, lead_unit__isnull=False)
        .order_by()
        .values("lead_unit_id")
        .annotate(n=Count("*"))
        .order_by("-n", "lead_unit_id")[:REPORTER_SESSIONS]
    )
    ids = [row["lead_unit_id"] for row in units]
    users = {
        u.unit_id: u
        for u in User.objects.filter(
            role=Role.REPORTER,
            unit_id__in=ids,
            username__startswith=f"bench{province.region.code}-",
        ).select_related("unit__region")
    }
    return [users[i] for i in ids if i in users]


def _closeout_candidates(province: bench.Province, n: int) -> list[int]:
    """整改中 tasks of the city whose acceptance chain is the office's step alone: the round
    asks no 省级复核 and no 行业部门认定 is due, and the site type needs no evidence beyond
    the 整改前/整改后 photos."""
    if n <= 0:
        return []
    sector = Assignment.objects.filter(task=OuterRef("pk"), role=AssignmentRole.SECTOR)
    extra_evidence = list(closeout_rules.REQUIRED_EVIDENCE)
    qs = (
        Task.objects.filter(
            region__path__startswith=province.city.path,
            status=TaskStatus.IN_PROGRESS,
            lead_unit__isnull=False,
            withdrawn_at__isnull=True,
            round__requires_provincial_review=False,
            reopen_count=0,
        )
        .exclude(site_type__in=extra_evidence)
        .filter(Q(round__requires_sector_review=False) | ~Exists(sector))
        .order_by("-id")
    )
    return list(qs.values_list("pk", flat=True)[:n])


def _png(color) -> SimpleUploadedFile:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def _closeout_applications(task_ids: list[int], log=print) -> list[int]:
    """Close-out applications awaiting the office's 验收, made through the services."""
    made = []
    heads: dict[int, User] = {}
    for task in Task.objects.filter(pk__in=task_ids).select_related("lead_unit").order_by("id"):
        unit = task.lead_unit
        reporter = User.objects.filter(role=Role.REPORTER, unit=unit).order_by("pk").first()
        if reporter is None:
            continue
        if unit.pk not in heads:
            heads[unit.pk], _ = User.objects.get_or_create(
                username=f"{reporter.username}-head",
                defaults={"role": Role.UNIT_HEAD, "unit": unit, "password": reporter.password},
            )
        services.task_report_progress(
            task=task, actor=reporter, progress_text="负载测试：整改完成", progress_pct=100
        )
        app = services.task_apply_closeout(
            task=task.pk,
            actor=reporter,
            summary="负载测试：已按方案完成整改",
            checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
            files=[
                EvidenceFile(_png((200, 30, 30)), "BEFORE"),
                EvidenceFile(_png((30, 200, 30)), "AFTER"),
            ],
        )
        services.closeout_self_check(
            application=app, actor=heads[unit.pk], passed=True, opinion="负载测试：自验合格"
        )
        made.append(app.pk)
    log(f"plan: {len(made)} close-out applications awaiting 验收")
    return made
