"""Personas and the small world they act in.

The world: 示范省 › 示范市 › 东城区 / 西城区. 市环督办 is the office, 市政府办 hosts the
leader. A task in 东城区 is led by 东城区政府 with 市住建局 cooperating.

Personas (Healthchecks style): county reporter (东城区), county unit head (东城区),
cooperating department reporter (市住建局), outsider reporter from another county (西城区),
office reviewer, leader, admin.
"""

import os
from datetime import date
from io import BytesIO

import hypothesis
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.choices import RegionLevel, Role, UnitKind
from rectification.services import EvidenceFile
from tests.factories import (
    PDF_BYTES,
    CategoryFactory,
    ProblemFactory,
    RegionFactory,
    RoundFactory,
    TaskFactory,
    UnitFactory,
    UserFactory,
)
from tests.factories import provincial_document as provincial_document_kwargs

# Playwright's sync API runs an event loop in the test thread; Django's ORM must be allowed there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests: the machine that runs CI runs other work too, so a slow example is not a
# failure (the properties still run every example; only the timing health check is off).
hypothesis.settings.register_profile(
    "shared-machine",
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)
hypothesis.settings.load_profile("shared-machine")

# CI sets this so that a missing browser, database or broker fails instead of skipping.
STRICT_SERVICES = os.environ.get("TRACKER_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    if STRICT_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def require_redis() -> str:
    """The real-broker tests run when REDIS_URL is set (the PostgreSQL+Redis pass of CI).

    Unset: a plain skip, the run did not ask for Redis. Set but unreachable: a missing
    service, which fails under TRACKER_REQUIRE_SERVICES=1.
    """
    from django.conf import settings

    url = settings.REDIS_URL
    if not url:
        pytest.skip("REDIS_URL not set: real-broker tests run in the PostgreSQL+Redis pass")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {url} unreachable: {exc}")
    return url


@pytest.fixture(autouse=True)
def _pin_business_date(settings):
    """Tests judge deadlines on the demo's snapshot date unless a test says otherwise."""
    settings.TRACKER_TODAY = date(2020, 2, 15)
    settings.MEDIA_ROOT = settings.VAR_DIR / "test-media"
    # Each persona's password is hashed when the world is built; PBKDF2's real cost (~0.5-2 s a
    # hash on a busy 2-core machine) would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every test client reads /public/ from 127.0.0.1, and the count is kept in a cache shared
    # by parallel workers: no read limit unless a test sets one (tests/dashboard/
    # test_public_search.py).
    settings.PUBLIC_READS_PER_SOURCE_MINUTE = 0


@pytest.fixture(autouse=True)
def _second_factor_in_tests(request, settings, monkeypatch):
    """Two-factor login (accounts.mfa) in tests.

    Tests marked `mfa` (tests/accounts/test_mfa.py, tests/browser/test_mfa.py) run with the
    production setting (MFA_REQUIRED_ROLES=OFFICE,ADMIN) and log in through the real pages.
    Elsewhere the roles are not required to enrol (the factories' office users have no
    device), and `Client.force_login` of a user who has one (the demo's office and
    administrator accounts) also marks the session as having passed the second factor, as
    the code page would; browser tests complete the code page with a real code
    (tests/browser/conftest.py)."""
    if request.node.get_closest_marker("mfa"):
        return
    settings.MFA_REQUIRED_ROLES = []
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    force_login = ClientMixin.force_login

    def force_login_verified(self, user, backend=None):
        force_login(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login_verified)


@pytest.fixture(autouse=True)
def _no_api_rate_limits(settings):
    """Tests call the API far faster than any client may; the rate limits have their own tests
    (tests/api/test_tokens_and_throttling.py), which set low rates and a fresh counter cache."""
    settings.API_THROTTLE_RATES = {}


@pytest.fixture(autouse=True)
def _fresh_workday_calendar(request):
    """The working-day calendar is cached per process; a test's Holiday rows are rolled
    back without a signal, so every test starts from the table as it is.

    The calendar comes from a data migration; a transactional test (browser, real worker)
    flushes the database when it ends, so the next one seeds it again from the package."""
    from inspections import workdays
    from inspections.models import Holiday

    workdays.clear_cache()
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (marker is not None and marker.kwargs.get("transaction"))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        if not Holiday.objects.exists():
            workdays.seed_from_package()
        request.node.stash[_FLUSHES_DATABASE] = True
    yield
    workdays.clear_cache()


_FLUSHES_DATABASE = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's teardown (whose flush empties every table, whatever the
    order its fixtures were set up in), seed the working-day calendar again, so the tests
    after it in this process find it as the data migration left it."""
    result = yield
    # (after the last test the session's fixtures, the test database among them, are gone)
    if nextitem is not None and item.stash.get(_FLUSHES_DATABASE, False):
        from pytest_django.plugin import blocking_manager_key

        from inspections import workdays
        from inspections.models import Holiday

        with item.config.stash[blocking_manager_key].unblock():
            if not Holiday.objects.exists():
                workdays.seed_from_package()
            workdays.clear_cache()
    return result


@pytest.fixture(autouse=True)
def _tally_equals_a_recount(request):
    """Whenever a test built the dashboard's daily tally (a dashboard view, a sweep, or on
    purpose), every service it ran must have kept the tally equal to a recount of the task
    table (rectification.tally). Tests that change tasks behind the services' back with a
    raw UPDATE after building a tally say so with @pytest.mark.tally_stale."""
    names = set(request.fixturenames)
    if "transactional_db" in names or "live_server" in names:
        db_fixture = "transactional_db"
    elif "db" in names or request.node.get_closest_marker("django_db"):
        db_fixture = "db"
    else:
        yield
        return
    # Set the database up first, so this teardown runs before the test's rollback/flush.
    request.getfixturevalue(db_fixture)
    yield
    if request.node.get_closest_marker("tally_stale"):
        return
    from rectification import tally
    from rectification.models import TallyDay

    for day in TallyDay.objects.values_list("day", flat=True):
        assert tally.verify(day) == [], f"dashboard tally of {day} differs from a recount"


@pytest.fixture
def world(db):
    province = RegionFactory(code="990000", name="示范省", level=RegionLevel.PROVINCE)
    city = RegionFactory(code="990100", name="示范市", level=RegionLevel.CITY, parent=province)
    dongcheng = RegionFactory(code="990102", name="东城区", level=RegionLevel.COUNTY, parent=city)
    xicheng = RegionFactory(code="990103", name="西城区", level=RegionLevel.COUNTY, parent=city)
    office_unit = UnitFactory(
        name="市生态环境保护督察整改工作领导小组办公室",
        short_name="市环督办",
        kind=UnitKind.COORD_OFFICE,
        region=city,
    )
    gov_office = UnitFactory(
        name="示范市人民政府办公室", short_name="市政府办", kind=UnitKind.GOV, region=city
    )
    dc_gov = UnitFactory(
        name="东城区人民政府", short_name="东城区政府", kind=UnitKind.GOV, region=dongcheng
    )
    xc_gov = UnitFactory(
        name="西城区人民政府", short_name="西城区政府", kind=UnitKind.GOV, region=xicheng
    )
    housing = UnitFactory(
        name="示范市住房和城乡建设局",
        short_name="市住建局",
        kind=UnitKind.DEPT,
        region=city,
        aliases="市住建局",
    )
    round_ = RoundFactory(
        code="SD2019", name="第二轮省级生态环境保护例行督察（示范市）", region=city
    )
    category = CategoryFactory(aspect__round=round_, aspect__seq=1, seq=1)
    problem = ProblemFactory(
        round=round_, category=category, seq=1, code="4", title="城区沿河排口生活污水直排"
    )
    task = TaskFactory(
        problem=problem,
        code="SD-4-1",
        name="清溪河东城区段1#排口",
        region=dongcheng,
        lead=dc_gov,
        coop=[housing],
    )
    other_task = TaskFactory(
        problem=problem,
        code="SD-4-2",
        name="清溪河西城区段3#排口",
        region=xicheng,
        lead=xc_gov,
        coop=[housing],
    )

    class World:
        pass

    w = World()
    w.province, w.city, w.dongcheng, w.xicheng = province, city, dongcheng, xicheng
    w.office_unit, w.gov_office, w.dc_gov, w.xc_gov, w.housing = (
        office_unit,
        gov_office,
        dc_gov,
        xc_gov,
        housing,
    )
    w.round, w.category, w.problem, w.task, w.other_task = (
        round_,
        category,
        problem,
        task,
        other_task,
    )
    w.reporter = UserFactory(
        username="dc_reporter", role=Role.REPORTER, unit=dc_gov, last_name="张", first_name="填报"
    )
    w.unit_head = UserFactory(
        username="dc_head", role=Role.UNIT_HEAD, unit=dc_gov, last_name="李", first_name="审核"
    )
    w.coop_reporter = UserFactory(username="zj_reporter", role=Role.REPORTER, unit=housing)
    w.outsider = UserFactory(username="xc_reporter", role=Role.REPORTER, unit=xc_gov)
    w.office = UserFactory(
        username="office", role=Role.OFFICE, unit=office_unit, last_name="王", first_name="督办"
    )
    w.leader = UserFactory(username="leader", role=Role.LEADER, unit=gov_office)
    w.admin = UserFactory(
        username="admin", role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True
    )
    # The day's dashboard tally exists from the start, so every service a test runs must keep
    # it equal to a recount (checked after each test by _tally_equals_a_recount).
    from rectification import tally

    tally.build()
    return w


def _png_bytes(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def png_file():
    def make(name="photo.png", color=(200, 30, 30)):
        return SimpleUploadedFile(name, _png_bytes(color), content_type="image/png")

    return make


@pytest.fixture
def before_after(png_file):
    """Evidence for a close-out: one 整改前 and one 整改后 photo."""

    def make():
        return [
            EvidenceFile(png_file("before.png"), "BEFORE"),
            EvidenceFile(png_file("after.png", (30, 200, 30)), "AFTER"),
        ]

    return make


@pytest.fixture
def pdf_file():
    def make(name="scan.pdf"):
        return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")

    return make


@pytest.fixture
def provincial_document():
    """What a city office records a 省级复核 on (tests.factories.provincial_document)."""
    return provincial_document_kwargs


@pytest.fixture
def provincial_office(world):
    """An account of the provincial office (a 环督办 whose region is the province)."""
    unit = UnitFactory(
        name="示范省生态环境保护督察整改工作领导小组办公室",
        short_name="省环督办",
        kind=UnitKind.COORD_OFFICE,
        region=world.province,
    )
    return UserFactory(
        username="province_office", role=Role.OFFICE, unit=unit, last_name="省", first_name="督办"
    )


def _demo_namespace():
    from types import SimpleNamespace

    from accounts.models import Unit, User
    from devtools.demo import DEMO_PASSWORD
    from inspections.models import InspectionRound
    from rectification.models import Task

    return SimpleNamespace(
        password=DEMO_PASSWORD,
        users={u.username: u for u in User.objects.select_related("unit")},
        tasks={t.code: t for t in Task.objects.select_related("round", "problem", "region")},
        rounds={r.code: r for r in InspectionRound.objects.all()},
        units={u.short_name or u.name: u for u in Unit.objects.all()},
    )


@pytest.fixture
def demo_city(db):
    """The demo city 示范市 of docs/domain.md §5 (snapshot 2020-02-15), loaded by `load_demo`.

    Returns a namespace: .users / .tasks / .rounds / .units keyed by username, task code,
    round code and unit short name (e.g. demo.tasks["SD-5-1"], demo.users["dongcheng"],
    demo.units["市住建局"]), and .password, the one password of every demo account.
    """
    from io import StringIO

    from django.core.management import call_command

    call_command("load_demo", stdout=StringIO())
    return _demo_namespace()


@pytest.fixture(scope="module")
def demo_city_once(django_db_setup, django_db_blocker):
    """The demo city loaded once for a whole test module, inside a transaction rolled back
    after the module's last test; each test still runs in its own savepoint, so what it
    writes is undone after it. Replaying the story through the services takes a second or
    two, so a module whose tests are not transactional (no live server) loads it once: it
    overrides `demo_city` with `demo_city_shared`. A test in such a module must not expect
    an empty database."""
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings

    with (
        django_db_blocker.unblock(),
        override_settings(
            TRACKER_TODAY=date(2020, 2, 15),
            MEDIA_ROOT=settings.VAR_DIR / "test-media",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo_city_shared(demo_city_once, db):
    """`demo_city` from the module's one load (see demo_city_once)."""
    return _demo_namespace()
