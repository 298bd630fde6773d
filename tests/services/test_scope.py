"""Which rows each persona sees, for every model with a visible_to() queryset.

The world: world.task in 东城区 (lead 东城区政府, coop 市住建局) and world.other_task in 西城区
(lead 西城区政府, coop 市住建局), each with evidence, a close-out application, a warning, a
supervision notice to its lead unit and a petition handled by its lead unit.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.choices import Role, UnitKind
from inspections.models import InspectionRound, Petition, Problem
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    SupervisionNotice,
    Task,
    Warning,
)
from tests.factories import ProblemFactory, RoundFactory, TaskFactory, UnitFactory, UserFactory
from tests.services.factories_extra import (
    PetitionFactory,
    SupervisionNoticeFactory,
    WarningFactory,
)


@pytest.fixture
def rows(world, flow):
    """Both sides of the world filled in, plus a round in another city nobody here sees."""
    flow.to(world.task, "APPLIED")
    flow.to(world.other_task, "APPLIED")
    far_city = UnitFactory(name="远方市人民政府", kind=UnitKind.GOV).region
    far_round = RoundFactory(code="FAR2019", region=far_city)
    far_task = TaskFactory(problem=ProblemFactory(round=far_round), region=far_city)
    for task, unit, region, no in (
        (world.task, world.dc_gov, world.dongcheng, "001"),
        (world.other_task, world.xc_gov, world.xicheng, "002"),
    ):
        WarningFactory(task=task, unit=unit)
        SupervisionNoticeFactory(target_unit=unit, title=f"督办{no}")
        PetitionFactory(round=world.round, accept_no=f"XF-{no}", region=region, handling_unit=unit)
    SupervisionNoticeFactory(target_unit=world.housing, title="督办住建")
    return {"far_task": far_task, "far_round": far_round}


def _county_office(world):
    unit = UnitFactory(name="东城区环督办", kind=UnitKind.COORD_OFFICE, region=world.dongcheng)
    return UserFactory(username="dc_office", role=Role.OFFICE, unit=unit)


def _user(world, name):
    if name == "no_unit":
        return UserFactory(username="no_unit", role=Role.REPORTER, unit=None)
    if name == "inactive":
        return UserFactory(username="gone", role=Role.REPORTER, unit=world.dc_gov, is_active=False)
    if name == "inactive_office":
        return UserFactory(
            username="gone_office", role=Role.OFFICE, unit=world.office_unit, is_active=False
        )
    if name == "anonymous":
        return AnonymousUser()
    if name == "county_office":
        return _county_office(world)
    return getattr(world, name)


# Which of the two sides each persona sees: D = 东城区 (world.task), X = 西城区 (other_task).
TASK_SIDES = {
    "reporter": "D",
    "unit_head": "D",
    "coop_reporter": "DX",
    "outsider": "X",
    "office": "DX",
    "leader": "DX",
    "admin": "DX",
    "county_office": "D",
    "no_unit": "",
    "inactive": "",
    "inactive_office": "",
    "anonymous": "",
}
PERSONAS = list(TASK_SIDES)


@pytest.mark.parametrize("persona", PERSONAS)
def test_task_scoped_rows(world, rows, persona):
    # given a persona
    user = _user(world, persona)
    sides = TASK_SIDES[persona]
    expected_tasks = {s: t for s, t in (("D", world.task), ("X", world.other_task))}
    wanted = {expected_tasks[s].pk for s in sides}
    if persona == "admin":
        wanted.add(rows["far_task"].pk)
    # when each task-hanging queryset is read through scope, then it holds exactly those tasks
    assert set(Task.objects.visible_to(user).values_list("pk", flat=True)) == wanted
    for model in (Attachment, CloseoutApplication, Warning):
        seen = set(model.objects.visible_to(user).values_list("task_id", flat=True))
        expected = {pk for pk in wanted if model.objects.filter(task_id=pk).exists()}
        assert seen == expected, model.__name__
    seen = set(Assignment.objects.visible_to(user).values_list("task_id", flat=True).distinct())
    assert seen == {pk for pk in wanted if Assignment.objects.filter(task_id=pk).exists()}
    # and a row of a task they see includes every unit's assignment on it
    for pk in wanted:
        assert Assignment.objects.visible_to(user).filter(task_id=pk).count() == (
            Assignment.objects.filter(task_id=pk).count()
        )


PETITIONS = {  # handled by the unit, or in the office's region
    "reporter": {"XF-001"},
    "unit_head": {"XF-001"},
    "coop_reporter": set(),
    "outsider": {"XF-002"},
    "office": {"XF-001", "XF-002"},
    "leader": {"XF-001", "XF-002"},
    "admin": {"XF-001", "XF-002"},
    "county_office": {"XF-001"},
}
NOTICES = {  # addressed to the unit, or to a unit in the office's region
    "reporter": {"督办001"},
    "unit_head": {"督办001"},
    "coop_reporter": {"督办住建"},
    "outsider": {"督办002"},
    "office": {"督办001", "督办002", "督办住建"},
    "leader": {"督办001", "督办002", "督办住建"},
    "admin": {"督办001", "督办002", "督办住建"},
    "county_office": {"督办001"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_round_problem_petition_and_supervision_scope(world, rows, persona):
    user = _user(world, persona)
    sees_anything = bool(TASK_SIDES[persona])
    rounds = set(InspectionRound.objects.visible_to(user).values_list("code", flat=True))
    problems = set(Problem.objects.visible_to(user).values_list("pk", flat=True))
    petitions = set(Petition.objects.visible_to(user).values_list("accept_no", flat=True))
    notices = set(SupervisionNotice.objects.visible_to(user).values_list("title", flat=True))

    if not sees_anything:
        assert rounds == problems == petitions == notices == set()
        return
    if persona == "admin":
        assert rounds == {"SD2019", "FAR2019"}
        assert problems == set(Problem.objects.values_list("pk", flat=True))
    elif persona == "county_office":
        # The round and its problem belong to the city; a county office sees them through its
        # county's task, but not the other city's round.
        assert rounds == {"SD2019"}
        assert problems == {world.problem.pk}
    else:
        assert rounds == {"SD2019"}
        assert problems == {world.problem.pk}
    assert petitions == PETITIONS[persona]
    assert notices == NOTICES[persona]


def test_deactivating_a_user_hides_everything_on_the_next_request(world):
    # given a reporter who sees the task
    assert Task.objects.visible_to(world.reporter).count() == 1
    # when the account is deactivated (a new request loads a fresh user)
    type(world.reporter).objects.filter(pk=world.reporter.pk).update(is_active=False)
    fresh = type(world.reporter).objects.get(pk=world.reporter.pk)
    # then nothing is visible
    assert not Task.objects.visible_to(fresh).exists()


def test_county_office_may_work_only_on_its_county(world, flow):
    # given a 东城区 office user and applications in both counties
    from datetime import date

    from accounts.errors import NotFound
    from rectification import services
    from tests.services.snapshot import assert_db_unchanged

    county_office = _county_office(world)
    dc_app = flow.to(world.task, "IN_REVIEW")
    xc_app = flow.to(world.other_task, "IN_REVIEW")

    def accept(app):
        return services.closeout_accept(
            application=app,
            actor=county_office,
            opinion="区级验收合格",
            notice_start=date(2020, 2, 15),
            notice_end=date(2020, 2, 21),
            contact_phone="0999-12369",
        )

    # when it accepts its own county's application, then that works
    accept(dc_app)
    # and the other county's is not found for it, and unchanged
    with assert_db_unchanged(raises=NotFound):
        accept(xc_app)


def test_county_office_cannot_create_tasks_in_another_county(world):
    from datetime import date

    from accounts.errors import NotFound
    from rectification import services
    from rectification.services import UnitRole
    from tests.services.snapshot import assert_db_unchanged

    # given a 东城区 office user
    county_office = _county_office(world)
    # when it adds a task located in 西城区, then the region is out of its reach
    with assert_db_unchanged(raises=NotFound, phrase="不在您的权限范围内"):
        services.task_create(
            problem=world.problem,
            actor=county_office,
            code="SD-4-8",
            name="西城区8#排口",
            region=world.xicheng,
            units=[UnitRole(world.xc_gov, "LEAD")],
            deadline=date(2020, 12, 31),
        )
    # and in its own county it may
    task = services.task_create(
        problem=world.problem,
        actor=county_office,
        code="SD-4-7",
        name="东城区7#排口",
        region=world.dongcheng,
        units=[UnitRole(world.dc_gov, "LEAD")],
        deadline=date(2020, 12, 31),
    )
    assert task.lead_unit == world.dc_gov
