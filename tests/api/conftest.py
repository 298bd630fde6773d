"""API fixtures: a client per persona, and a world with one of every API object.

`api_world` adds, through the real services where there is one, what hangs off world.task
(东城区, lead 东城区政府, coop 市住建局): a progress report, before/after evidence, a pending
extension, a close-out application awaiting the county self-check, a warning, a notification
for the reporter, a supervision notice to 东城区政府 and a petition handled by it.
"""

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts import tokens
from accounts.choices import TokenScope
from inspections.choices import PetitionChannel
from inspections.models import Petition
from rectification import services
from rectification.models import Warning

PERSONAS = (
    "reporter",
    "unit_head",
    "coop_reporter",
    "outsider",
    "office",
    "leader",
    "admin",
    "anonymous",
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Seven personas per test: PBKDF2 would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def api_key(user, scope: str = TokenScope.WRITE) -> str:
    """A new read-write (or `scope`) API token of `user`: its key."""
    return tokens.api_token_create(user=user, actor=user, name="测试", scope=scope).key


@pytest.fixture
def as_persona(world):
    """as_persona("office") → an APIClient logged in (session) as that persona."""

    def make(name: str, *, token: bool = False) -> APIClient:
        client = APIClient()
        if name == "anonymous":
            return client
        user = getattr(world, name)
        if token:
            key = api_key(user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        else:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_world(world, before_after):
    w = world
    task = w.task
    w.report = services.task_report_progress(
        task=task, actor=w.reporter, progress_text="截污管网铺设过半", progress_pct=60
    )
    w.extension = services.task_request_extension(
        task=task, actor=w.reporter, requested_deadline=date(2020, 12, 31), reason="疫情影响施工"
    )
    w.closeout = services.task_apply_closeout(
        task=task,
        actor=w.reporter,
        summary="排口已封堵，管网已接通",
        checklist=dict.fromkeys(services.CLOSEOUT_CHECKLIST, True),
        files=before_after(),
    )
    w.attachment = w.closeout.attachments.order_by("id").first()
    w.warning = Warning.objects.create(
        task=task, unit=w.dc_gov, level="YELLOW", reason="BEHIND", day=date(2020, 2, 1)
    )
    services.notify(
        recipients=[w.reporter],
        kind="report_chase",
        title="请报送二月进展",
        task=task,
        key="api-test",
    )
    w.notification = w.reporter.notifications.get(kind="report_chase")
    w.notice = services.supervision_notice_create(
        actor=w.office,
        kind="REMINDER",
        title="关于加快清溪河排口整治的提醒函",
        target_unit=w.dc_gov,
        tasks=[task],
    )
    w.petition = Petition.objects.create(
        round=w.round,
        batch_no=1,
        accept_no="SD2019-XF-001",
        channel=PetitionChannel.PHONE,
        region=w.dongcheng,
        content="小区楼下烧烤油烟扰民",
        handling_unit=w.dc_gov,
        pollution_types=["AIR"],
    )
    w.aspect = w.category.aspect
    task.refresh_from_db()
    return w
