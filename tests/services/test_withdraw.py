"""Official records are withdrawn (撤销（作废）) with a reason, never deleted (issue 15, item 6):
rectification.services.withdraw, the default managers and the scope."""

from datetime import date

import pytest

from accounts.choices import Role, UnitKind
from accounts.errors import InvalidInput, InvalidState, NotAllowed, NotFound
from accounts.events import EventVerb
from inspections.models import InspectionEvent, InspectionRound, Petition, Problem
from rectification import selectors, services
from rectification.choices import TaskStatus
from rectification.dashboard import public_closeouts
from rectification.models import Attachment, Event, Task, Warning
from rectification.services import EvidenceFile
from tests.factories import TaskFactory, UnitFactory, UserFactory
from tests.services.factories_extra import PetitionFactory, WarningFactory


@pytest.fixture
def county_office(world):
    unit = UnitFactory(name="西城区环督办", kind=UnitKind.COORD_OFFICE, region=world.xicheng)
    return UserFactory(username="xc_office", role=Role.OFFICE, unit=unit)


def task_state(task):
    return Task.all_objects.values(
        "withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"
    ).get(pk=task.pk)


def test_a_task_is_withdrawn_with_its_reason_and_leaves_every_list(world):
    # given a task with a warning, in the reporter's and the office's lists
    WarningFactory(task=world.task)
    assert world.task in Task.objects.visible_to(world.reporter)
    version = world.task.version
    # when the office withdraws it
    task = services.task_withdraw(task=world.task.pk, actor=world.office, reason="  录入重复  ")
    # then it keeps its row, marked with who, when and why
    assert (task.withdrawn_by, task.withdrawal_reason) == (world.office, "录入重复")
    assert task.withdrawn_at is not None and task.is_withdrawn
    assert task.version == version + 1
    # and it is in nobody's list, count or roll-up any more, nor are its warnings and events
    for user in (world.reporter, world.office, world.leader, world.admin):
        assert not Task.objects.visible_to(user).filter(pk=task.pk).exists()
        assert not Warning.objects.visible_to(user).filter(task=task).exists()
        assert not Event.objects.visible_to(user).filter(task=task).exists()
    assert not Task.objects.filter(pk=task.pk).exists()
    assert selectors.task_totals(Task.objects.visible_to(world.office)).total == 1
    assert not world.problem.tasks.filter(pk=task.pk).exists()
    # and the withdrawal is an event on the task with the reason
    withdrawal = Event.objects.get(task=task, verb=EventVerb.WITHDRAW)
    assert (withdrawal.actor, withdrawal.note) == (world.office, "撤销理由：录入重复")
    # when it is restored
    restored = services.task_restore(task=task.pk, actor=world.office)
    # then it is back where it was, and the restore is an event too
    assert restored.withdrawn_at is None and restored.withdrawal_reason == ""
    assert Task.objects.visible_to(world.reporter).filter(pk=task.pk).exists()
    assert Event.objects.filter(task=task, verb=EventVerb.RESTORE).count() == 1


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required_and_nothing_changes_without_one(world, reason):
    before = task_state(world.task)
    with pytest.raises(InvalidInput, match="请填写撤销理由"):
        services.task_withdraw(task=world.task, actor=world.office, reason=reason)
    with pytest.raises(InvalidInput, match="请填写撤销理由"):
        services.round_withdraw(round_=world.round, actor=world.office, reason=reason)
    assert task_state(world.task) == before
    assert not Event.objects.filter(verb=EventVerb.WITHDRAW).exists()
    assert InspectionRound.objects.filter(pk=world.round.pk).exists()


def test_a_reason_too_long_is_refused(world):
    with pytest.raises(InvalidInput, match="撤销理由不能超过1000字"):
        services.task_withdraw(task=world.task, actor=world.office, reason="长" * 1001)
    assert task_state(world.task)["withdrawn_at"] is None


def test_leaders_and_units_are_refused_and_a_county_office_outside_its_county(world, county_office):
    before = task_state(world.task)
    for user in (world.leader, world.reporter, world.unit_head):
        with pytest.raises(NotAllowed, match="只有环督办或系统管理员"):
            services.task_withdraw(task=world.task, actor=user, reason="误录")
        with pytest.raises(NotAllowed):
            services.problem_withdraw(problem=world.problem, actor=user, reason="误录")
    # a 西城区 office does not reach a 东城区 task: as if it did not exist
    with pytest.raises(NotFound):
        services.task_withdraw(task=world.task, actor=county_office, reason="误录")
    assert task_state(world.task) == before
    # but it withdraws its own county's task
    services.task_withdraw(task=world.other_task, actor=county_office, reason="误录")
    assert task_state(world.other_task)["withdrawn_at"] is not None
    # and the administrator withdraws anything
    services.task_withdraw(task=world.task, actor=world.admin, reason="误录")
    assert task_state(world.task)["withdrawn_by"] == world.admin.pk


def test_a_closed_task_can_be_withdrawn_by_the_office(world, flow):
    flow.to(world.task, "CLOSED")
    task = services.task_withdraw(
        task=world.task, actor=world.office, reason="销号后发现系重复任务"
    )
    assert task.status == TaskStatus.CLOSED and task.is_withdrawn


def test_withdrawing_twice_or_restoring_a_live_record_is_refused(world):
    with pytest.raises(InvalidState, match="该任务未撤销"):
        services.task_restore(task=world.task, actor=world.office)
    services.task_withdraw(task=world.task, actor=world.office, reason="误录")
    with pytest.raises(InvalidState, match="该任务已撤销"):
        services.task_withdraw(task=world.task, actor=world.office, reason="误录")
    assert Event.objects.filter(verb=EventVerb.WITHDRAW).count() == 1


def test_a_problem_takes_its_tasks_along_and_brings_back_only_those(world):
    # given one of the problem's tasks withdrawn on its own before
    services.task_withdraw(task=world.other_task, actor=world.office, reason="单独撤销")
    # when the problem is withdrawn
    problem = services.problem_withdraw(
        problem=world.problem, actor=world.office, reason="问题误录"
    )
    # then its live task goes with it, with the same reason and time, and an event each
    task = Task.all_objects.get(pk=world.task.pk)
    assert (task.withdrawn_at, task.withdrawal_reason) == (problem.withdrawn_at, "问题误录")
    assert Event.objects.get(task=task, verb=EventVerb.WITHDRAW).note == "随问题撤销：问题误录"
    assert InspectionEvent.objects.filter(
        verb=EventVerb.PROBLEM_WITHDRAW, target_id=problem.pk
    ).exists()
    assert not Problem.objects.visible_to(world.reporter).exists()
    assert not Problem.objects.visible_to(world.office).exists()
    # and a task is not restored while its problem is withdrawn
    with pytest.raises(InvalidState, match="请先恢复问题"):
        services.task_restore(task=task, actor=world.office)
    # when the problem is restored, the task withdrawn with it comes back, not the other
    services.problem_restore(problem=problem, actor=world.office)
    assert Task.objects.filter(pk=world.task.pk).exists()
    other = Task.all_objects.get(pk=world.other_task.pk)
    assert other.withdrawal_reason == "单独撤销"


def test_a_round_takes_its_problems_tasks_and_petitions_along(world):
    petition = PetitionFactory(
        round=world.round, region=world.dongcheng, handling_unit=world.dc_gov
    )
    round_ = services.round_withdraw(round_=world.round, actor=world.office, reason="轮次重复建立")
    at = round_.withdrawn_at
    assert Problem.all_objects.get(pk=world.problem.pk).withdrawn_at == at
    assert set(Task.all_objects.values_list("withdrawn_at", flat=True)) == {at}
    assert Petition.all_objects.get(pk=petition.pk).withdrawn_at == at
    assert Event.objects.filter(verb=EventVerb.WITHDRAW).count() == 2
    assert set(InspectionEvent.objects.values_list("verb", flat=True)) >= {
        EventVerb.ROUND_WITHDRAW,
        EventVerb.PROBLEM_WITHDRAW,
        EventVerb.PETITION_WITHDRAW,
    }
    for user in (world.office, world.leader, world.reporter):
        assert not InspectionRound.objects.visible_to(user).exists()
        assert not Petition.objects.visible_to(user).exists()
    with pytest.raises(InvalidState, match="请先恢复督察轮次"):
        services.petition_restore(petition=petition, actor=world.office)
    with pytest.raises(InvalidState, match="请先恢复督察轮次"):
        services.problem_restore(problem=world.problem, actor=world.office)
    services.round_restore(round_=round_, actor=world.office)
    assert Task.objects.count() == 2 and Problem.objects.count() == 1
    assert Petition.objects.filter(pk=petition.pk).exists()
    assert Event.objects.filter(verb=EventVerb.RESTORE).count() == 2


def test_a_petition_is_withdrawn_and_restored(world):
    petition = PetitionFactory(
        round=world.round, region=world.dongcheng, handling_unit=world.dc_gov
    )
    assert Petition.objects.visible_to(world.reporter).filter(pk=petition.pk).exists()
    with pytest.raises(NotAllowed):
        services.petition_withdraw(petition=petition, actor=world.reporter, reason="误录")
    services.petition_withdraw(petition=petition, actor=world.office, reason="重复交办")
    assert not Petition.objects.visible_to(world.reporter).exists()
    assert not Petition.objects.visible_to(world.office).exists()
    services.petition_restore(petition=petition, actor=world.office)
    assert Petition.objects.visible_to(world.reporter).filter(pk=petition.pk).exists()
    assert list(
        InspectionEvent.objects.filter(target_id=petition.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    ) == [EventVerb.PETITION_WITHDRAW, EventVerb.PETITION_RESTORE]


def test_evidence_is_hidden_but_the_file_stays(world, png_file):
    (attachment,) = services.task_add_evidence(
        task=world.task, actor=world.reporter, files=[EvidenceFile(png_file("x.png"), "BEFORE")]
    )
    name = attachment.file.name
    with pytest.raises(NotAllowed):
        services.attachment_withdraw(attachment=attachment, actor=world.reporter, reason="传错")
    services.attachment_withdraw(attachment=attachment, actor=world.office, reason="传错了照片")
    # hidden from everyone's lists, the file still in storage
    for user in (world.reporter, world.office):
        assert not Attachment.objects.visible_to(user).exists()
    assert not world.task.attachments.exists()
    kept = Attachment.all_objects.get(pk=attachment.pk)
    assert kept.file.storage.exists(name) and kept.withdrawal_reason == "传错了照片"
    assert Event.objects.get(verb=EventVerb.EVIDENCE_WITHDRAW).note == "撤销材料“x.png”：传错了照片"
    services.attachment_restore(attachment=attachment, actor=world.office)
    assert Attachment.objects.visible_to(world.reporter).filter(pk=attachment.pk).exists()


def test_evidence_of_a_withdrawn_task_is_hidden_with_it(world, png_file):
    services.task_add_evidence(
        task=world.task, actor=world.reporter, files=[EvidenceFile(png_file("x.png"), "BEFORE")]
    )
    services.task_withdraw(task=world.task, actor=world.office, reason="误录")
    assert not Attachment.objects.visible_to(world.office).exists()
    assert Attachment.objects.visible_to(world.office, withdrawn=True).count() == 1


def test_a_restored_task_whose_code_was_taken_is_refused_clearly(world):
    services.task_withdraw(task=world.task, actor=world.office, reason="误录")
    # a live task took the withdrawn one's code (codes are unique among live tasks only)
    TaskFactory(problem=world.problem, code=world.task.code, seq=9, region=world.dongcheng)
    with pytest.raises(InvalidState, match="编号或序号已被其他记录使用"):
        services.task_restore(task=world.task, actor=world.office)
    assert task_state(world.task)["withdrawn_at"] is not None


def test_the_withdrawn_list_is_the_offices_in_its_region(world, county_office):
    services.task_withdraw(task=world.task, actor=world.office, reason="误录")
    services.task_withdraw(task=world.other_task, actor=world.office, reason="误录")
    assert {t.pk for t in services.withdrawn_in_scope(world.office)["tasks"]} == {
        world.task.pk,
        world.other_task.pk,
    }
    assert [t.pk for t in services.withdrawn_in_scope(county_office)["tasks"]] == [
        world.other_task.pk
    ]
    assert services.withdrawn_in_scope(world.reporter) == {}
    assert services.withdrawn_in_scope(world.leader) == {}


def test_the_public_page_leaves_a_withdrawn_task_out(world, flow):
    flow.to(world.task, "PUBLICIZING")
    today = date(2020, 2, 10)
    assert public_closeouts(today=today).filter(task=world.task).exists()
    services.task_withdraw(task=world.task, actor=world.office, reason="误录")
    assert not public_closeouts(today=today).filter(task=world.task).exists()
