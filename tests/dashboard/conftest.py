"""Fixtures for the dashboard and the public notice page.

`board_tasks(n)` adds n tasks to the `world` that cycle through every status, deadline kind
(past, future, none), 序时 status, warning colour, place (county, township, city level) and
lead unit, so each dashboard bucket and each drill-down filter has rows on both sides of it
(the synthetic province generator's cycle mix, devtools.bench.province.cycle_tasks).
`second_city` builds another city with its own leader and tasks, outside the first leader's scope.
"""

import shutil
from datetime import date, timedelta

import pytest

from accounts import clock
from accounts.choices import RegionLevel, Role, UnitKind
from devtools.bench.province import cycle_tasks
from rectification import services
from rectification.models import Task
from rectification.services import CLOSEOUT_CHECKLIST
from tests.conftest import skip_or_fail
from tests.factories import (
    ProblemFactory,
    RegionFactory,
    RoundFactory,
    TaskFactory,
    UnitFactory,
    UserFactory,
)

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas' passwords are hashed when the world is built; PBKDF2 made that the
    # slowest part of these tests. Logging in (the browser test) works the same with MD5.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture
def township(world):
    return RegionFactory(
        code="990102001", name="东城区清溪街道", level=RegionLevel.TOWNSHIP, parent=world.dongcheng
    )


@pytest.fixture
def board_tasks(world, township):
    """Add n varied tasks to the world (in its round, under a second problem), from the
    synthetic province generator's cycle mix (devtools.bench.province.cycle_tasks)."""
    made = [0]

    def make(n: int) -> list[Task]:
        problem = ProblemFactory(round=world.round, category=world.category, title="城区扬尘污染")
        tasks = cycle_tasks(
            problem=problem,
            places=[world.dongcheng, world.xicheng, township, world.city],
            leads=[world.dc_gov, world.xc_gov, world.housing, None],
            n=n,
            first=made[0] + 1,
        )
        made[0] += n
        return tasks

    return make


@pytest.fixture
def second_city(db, world):
    """示范省 › 邻市 › 邻县, with its own leader, office, lead unit and two tasks."""
    city = RegionFactory(code="990200", name="邻市", level=RegionLevel.CITY, parent=world.province)
    county = RegionFactory(code="990201", name="邻县", level=RegionLevel.COUNTY, parent=city)
    gov = UnitFactory(
        name="邻市人民政府办公室", short_name="邻市政府办", kind=UnitKind.GOV, region=city
    )
    county_gov = UnitFactory(
        name="邻县人民政府", short_name="邻县政府", kind=UnitKind.GOV, region=county
    )
    round_ = RoundFactory(code="LS2019", name="第二轮省级生态环境保护例行督察（邻市）", region=city)
    problem = ProblemFactory(round=round_, title="邻县工业园区废水超标")
    tasks = [
        TaskFactory(
            problem=problem, code=f"LS-{i}", name=f"邻县园区点位{i}", region=county, lead=county_gov
        )
        for i in (1, 2)
    ]

    class SecondCity:
        pass

    s = SecondCity()
    s.city, s.county, s.gov, s.county_gov, s.round, s.tasks = (
        city,
        county,
        gov,
        county_gov,
        round_,
        tasks,
    )
    s.leader = UserFactory(username="ls_leader", role=Role.LEADER, unit=gov)
    return s


NOTICE_PHONE = "0999-12345678"
REVIEW_OPINION = "市级验收合格：现场核查排口已封堵（内部意见甲乙丙）"


class Closer:
    """Walks a world task through the real services up to PUBLICIZING or CLOSED."""

    def __init__(self, world, before_after):
        self.world = world
        self.before_after = before_after

    def publicize(self, task: Task, *, notice_start: date, notice_end: date):
        w = self.world
        services.task_report_progress(
            task=task, actor=w.reporter, progress_text="截污管网铺设完成", progress_pct=100
        )
        app = services.task_apply_closeout(
            task=task,
            actor=w.reporter,
            summary="排口已封堵，截污管网已接通，水质监测达标",
            checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
            files=self.before_after(),
        )
        services.closeout_self_check(
            application=app, actor=w.unit_head, passed=True, opinion="县级自验合格"
        )
        # accepted on the notice's first day, or today for a notice that starts later
        accepted_on = min(notice_start, clock.today())
        with clock.travel(clock.at(accepted_on, 10)):
            services.closeout_accept(
                application=app,
                actor=w.office,
                opinion=REVIEW_OPINION,
                notice_start=notice_start,
                notice_end=notice_end,
                contact_phone=NOTICE_PHONE,
            )
        return app

    def close(self, app):
        return services.closeout_close(application=app, actor=self.world.office)


@pytest.fixture
def closer(world, before_after):
    return Closer(world, before_after)


NOTICE_OVER = (date(2020, 2, 5), date(2020, 2, 11))  # ended before the business date 2020-02-15
NOTICE_RUNNING = (date(2020, 2, 12), date(2020, 2, 18))
NOTICE_LATER = (date(2020, 2, 20), date(2020, 2, 26))
ONE_DAY = timedelta(days=1)
