"""Petitions move along inspections.petition_lifecycle.MOVES only: each allowed move is one
event with the move's verb, each refused move a Chinese refusal that changes nothing; the
actor matrix says who may make each move (403 for a visible petition, 404 outside scope)."""

from datetime import date

import pytest

from accounts import clock
from accounts.errors import InvalidInput, InvalidState, NotAllowed, NotFound
from inspections import petition_lifecycle, petition_services
from inspections.choices import PetitionChannel, PetitionStatus, VerifyResult
from inspections.models import InspectionEvent, Petition
from rectification import services
from rectification.models import Task
from tests.services.petition_flow import MOVER, call_move, make_petition

DAY = date(2020, 2, 14)  # a Friday
STATUSES = PetitionStatus.values
VERBS = list(petition_lifecycle.MOVES)


@pytest.fixture(autouse=True)
def _today():
    with clock.travel(DAY):
        yield


def _row(pet: Petition) -> dict:
    return Petition.objects.filter(pk=pet.pk).values().get()


def test_every_move_is_declared_with_an_event_verb():
    from accounts.events import INSPECTION_VERBS

    assert set(VERBS) <= set(INSPECTION_VERBS)
    for move in petition_lifecycle.MOVES.values():
        assert move.sources <= set(STATUSES)
        assert move.target is None or move.target in STATUSES
    # 已销号 is final, and nothing but reopen leaves 已办结 backwards.
    assert not [m for m in petition_lifecycle.MOVES.values() if "CLOSED" in m.sources and m.target]
    back = {m.verb for m in petition_lifecycle.MOVES.values() if "DONE" in m.sources and m.target}
    assert back == {"petition_reopen", "petition_close"}


PAIRS = [(v, s) for v in VERBS for s in STATUSES]


@pytest.mark.parametrize(("verb", "source"), PAIRS, ids=[f"{v}@{s}" for v, s in PAIRS])
def test_petition_transition_matrix(world, verb, source):
    # given a petition in `source`, reported by the lead unit's reporter
    reported = source in ("REPORTED", "CHECKED", "STAGE_DONE", "DONE", "CLOSED")
    pet = make_petition(world, source, reported_by=world.reporter if reported else None)
    before = _row(pet)
    move = petition_lifecycle.MOVES[verb]
    actor = getattr(world, MOVER.get(verb, "office"))

    if source in move.sources:
        # when the move's actor makes it, then the petition moves with one event of its verb
        call_move(world, verb, pet, actor)
        after = Petition.objects.get(pk=pet.pk)
        assert after.status == (move.target or source)
        event = InspectionEvent.objects.get()
        assert (event.verb, event.from_status, event.to_status, event.actor) == (
            verb,
            source,
            move.target or source,
            actor,
        )
    elif source == PetitionStatus.RECEIVED and verb in MOVER:
        # a petition not handed over yet is no unit's: outside their scope
        with pytest.raises(NotFound):
            call_move(world, verb, pet, actor)
    else:
        # otherwise it is refused in Chinese and nothing changes
        with pytest.raises(InvalidState) as refused:
            call_move(world, verb, pet, actor)
        label = PetitionStatus(source).label
        assert refused.value.message == f"信访件当前为“{label}”，不能执行“{move.label}”"
    if source not in move.sources:
        assert _row(pet) == before
        assert not InspectionEvent.objects.exists()
        assert not Task.objects.filter(code="XF-1").exists()


# Who may make each move on a petition of 东城区政府 (lead) with 市住建局 cooperating:
# office, lead reporter, lead head, cooperating reporter, leader; the outsider (西城区) never
# sees it (404).
PERSONAS = ["office", "reporter", "unit_head", "coop_reporter", "leader", "outsider"]
ALLOWED = {
    "petition_assign": {"office"},
    "petition_start": {"reporter", "unit_head", "coop_reporter"},
    "petition_report": {"reporter", "unit_head"},
    "petition_check_pass": {"unit_head"},
    "petition_check_return": {"unit_head"},
    "petition_finish": {"office"},
    "petition_finish_stage": {"office"},
    "petition_return": {"office"},
    "petition_reopen": {"office"},
    "petition_close": {"office"},
    "petition_publish": {"office"},
    "petition_convert": {"office"},
    "petition_evidence": {"office", "reporter", "unit_head", "coop_reporter"},
    "petition_edit": {"office"},
}
ACTOR_CASES = [(v, p) for v in VERBS for p in PERSONAS]


@pytest.mark.parametrize(("verb", "persona"), ACTOR_CASES, ids=[f"{v}-{p}" for v, p in ACTOR_CASES])
def test_petition_actor_matrix(world, verb, persona):
    move = petition_lifecycle.MOVES[verb]
    source = sorted(move.sources)[0]
    # reported by the office's own account, so the lead head is not the reporter here
    pet = make_petition(world, source, reported_by=world.office)
    before = _row(pet)
    actor = getattr(world, persona)

    if persona == "outsider":
        with pytest.raises(NotFound):
            call_move(world, verb, pet, actor)
    elif persona in ALLOWED[verb]:
        call_move(world, verb, pet, actor)
        assert InspectionEvent.objects.filter(verb=verb).count() == 1
        assert verb in petition_services.allowed_moves(actor, pet)
        return
    else:
        with pytest.raises(NotAllowed):
            call_move(world, verb, pet, actor)
        assert verb not in petition_services.allowed_moves(actor, pet)
    assert _row(pet) == before
    assert not InspectionEvent.objects.exists()


def test_the_reporter_never_self_checks_their_own_result(world):
    # given a result reported by the lead unit's head himself
    pet = make_petition(world, PetitionStatus.HANDLING)
    petition_services.petition_report(
        actor=world.unit_head,
        petition=pet,
        verify_result=VerifyResult.PARTLY,
        findings="部分属实",
        handling="已整改",
        outcome="STAGE_DONE",
    )

    # when he tries to pass it, then separation of duties refuses
    with pytest.raises(NotAllowed) as refused:
        petition_services.petition_self_check(actor=world.unit_head, petition=pet, passed=True)
    assert "职责分离" in refused.value.message
    assert Petition.objects.get(pk=pet.pk).status == PetitionStatus.REPORTED


@pytest.mark.parametrize("verb", ["petition_reopen", "petition_return", "petition_check_return"])
def test_going_back_needs_a_reason(world, verb):
    move = petition_lifecycle.MOVES[verb]
    pet = make_petition(world, sorted(move.sources)[0], reported_by=world.reporter)
    before = _row(pet)
    actor = getattr(world, MOVER.get(verb, "office"))

    with pytest.raises(InvalidInput) as refused:
        if verb == "petition_reopen":
            petition_services.petition_reopen(actor=actor, petition=pet, reason="  ")
        elif verb == "petition_return":
            petition_services.petition_review(actor=actor, petition=pet, decision="return")
        else:
            petition_services.petition_self_check(actor=actor, petition=pet, passed=False)

    assert "理由" in refused.value.message
    assert _row(pet) == before


def test_assign_sets_the_due_date_in_working_days(world, settings):
    # given a petition received on Monday 2020-02-03 and PETITION_DUE_WORKING_DAYS = 10
    settings.PETITION_DUE_WORKING_DAYS = 10
    pet = make_petition(world, PetitionStatus.RECEIVED)

    # when the office hands it over on Tuesday 2020-02-04
    petition_services.petition_assign(
        actor=world.office,
        petition=pet,
        lead_unit=world.dc_gov,
        cooperating_units=[world.housing],
        assigned_on=date(2020, 2, 4),
    )

    # then it is due ten working days later, and both units see it
    pet.refresh_from_db()
    assert (pet.status, pet.due_date) == (PetitionStatus.ASSIGNED, date(2020, 2, 18))
    assert Petition.objects.visible_to(world.coop_reporter).filter(pk=pet.pk).exists()
    assert not Petition.objects.visible_to(world.outsider).filter(pk=pet.pk).exists()


def test_a_repeated_complaint_is_linked_to_the_first(world):
    def receive(no, obj):
        return petition_services.petition_receive(
            actor=world.office,
            round_=world.round,
            accept_no=no,
            batch_no=1,
            channel=PetitionChannel.PHONE,
            region=world.dongcheng,
            content="油烟扰民",
            received_at=date(2020, 2, 3),
            complained_object=obj,
        )

    first = receive("XF-1", "和平路 老王烧烤")
    again = receive("XF-2", "和平路老王烧烤")
    other = receive("XF-3", "滨江路洗车场")

    assert (first.duplicate_of, again.duplicate_of, other.duplicate_of) == (None, first, None)


def test_conversion_links_both_ways_and_keeps_the_units(world):
    pet = make_petition(world, PetitionStatus.STAGE_DONE, reported_by=world.reporter)

    task = services.petition_convert_to_task(
        actor=world.office,
        petition=pet,
        problem=world.problem,
        code="XF-1",
        name="和平路烧烤店油烟整治",
        deadline=date(2020, 6, 30),
    )

    assert list(task.petitions.all()) == [pet]
    assert list(pet.tasks.all()) == [task]
    roles = {(a.unit, a.role) for a in task.assignments.all()}
    assert roles == {(world.dc_gov, "LEAD"), (world.housing, "COOP")}
    assert Task.objects.visible_to(world.coop_reporter).filter(pk=task.pk).exists()


def test_overdue_sweep_warns_once(world):
    late = make_petition(world, PetitionStatus.HANDLING, due_date=date(2020, 2, 10))
    make_petition(world, PetitionStatus.HANDLING)  # due 2020-02-18
    make_petition(world, PetitionStatus.DONE, due_date=date(2020, 2, 1))

    assert petition_services.petition_overdue_sweep(DAY) == 1
    assert petition_services.petition_overdue_sweep(DAY) == 0

    event = InspectionEvent.objects.get()
    assert (event.verb, event.target) == ("petition_overdue", late)
    assert Petition.objects.get(pk=late.pk).is_overdue(DAY)
