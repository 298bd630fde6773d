"""Petitions move along PETITION_MOVES only: each allowed move is one event, each refused
move is a Chinese InvalidState that changes nothing."""

import pytest

from accounts.errors import InvalidState, NotAllowed
from accounts.events import EventVerb
from inspections import services
from inspections.choices import PETITION_MOVES, PetitionChannel, PetitionStatus
from inspections.models import InspectionEvent, Petition

PAIRS = [(a, b) for a in PetitionStatus.values for b in PetitionStatus.values]


def _petition(world, status: str) -> Petition:
    return Petition.objects.create(
        round=world.round,
        batch_no=1,
        accept_no="SD2019-XF-001",
        channel=PetitionChannel.PHONE,
        region=world.dongcheng,
        content="小区楼下烧烤油烟扰民",
        handling_unit=world.dc_gov,
        status=status,
        handling="已责令整改",
    )


def _row(petition: Petition):
    return Petition.objects.filter(pk=petition.pk).values().get()


def test_every_status_has_its_moves_declared():
    assert set(PETITION_MOVES) == set(PetitionStatus.values)
    assert all(targets <= set(PetitionStatus.values) for targets in PETITION_MOVES.values())
    assert PETITION_MOVES[PetitionStatus.CLOSED] == frozenset()


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_petition_transition_matrix(world, source, target):
    # given a petition in `source`
    petition = _petition(world, source)
    before = _row(petition)
    allowed = target in PETITION_MOVES[source]

    # when the office sets `target` (and records new findings)
    def move():
        return services.petition_update(
            petition=petition,
            actor=world.office,
            verify_result="TRUE",
            findings="经核实属实",
            handling="已责令整改",
            status=target,
        )

    if target == source or allowed:
        moved = move()
        # then the petition is there, with one event of the right verb
        assert moved.status == target
        event = InspectionEvent.objects.get()
        expected = EventVerb.PETITION_EDIT if target == source else EventVerb.PETITION_STATUS
        assert (event.verb, event.from_status, event.to_status) == (expected, source, target)
        assert (event.actor, event.target) == (world.office, moved)
    else:
        # then the move is refused in Chinese and nothing changed
        with pytest.raises(InvalidState) as refused:
            move()
        source_label, target_label = PetitionStatus(source).label, PetitionStatus(target).label
        assert refused.value.message == f"信访件当前为“{source_label}”，不能改为“{target_label}”"
        assert _row(petition) == before
        assert not InspectionEvent.objects.exists()


def test_nothing_changed_writes_no_event(world):
    petition = _petition(world, PetitionStatus.HANDLING)

    services.petition_update(
        petition=petition,
        actor=world.office,
        verify_result="",
        findings="",
        handling="已责令整改",
        status=PetitionStatus.HANDLING,
    )

    assert not InspectionEvent.objects.exists()


@pytest.mark.parametrize("persona", ["reporter", "unit_head", "leader"])
def test_only_the_office_updates_a_petition(world, persona):
    petition = _petition(world, PetitionStatus.ASSIGNED)
    before = _row(petition)

    with pytest.raises(NotAllowed):
        services.petition_update(
            petition=petition,
            actor=getattr(world, persona),
            verify_result="",
            findings="",
            handling="已处理",
            status=PetitionStatus.HANDLING,
        )

    assert _row(petition) == before
    assert not InspectionEvent.objects.exists()


def test_petition_page_offers_only_the_allowed_moves(world, client):
    petition = _petition(world, PetitionStatus.DONE)
    client.force_login(world.office)

    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    refused = client.post(
        f"/petitions/{petition.pk}/",
        {"status": PetitionStatus.ASSIGNED, "handling": "已处理"},
    )

    assert 'value="CLOSED"' in page and 'value="HANDLING"' in page
    assert 'value="ASSIGNED"' not in page and 'value="STAGE_DONE"' not in page
    assert refused.status_code == 400
    assert Petition.objects.get(pk=petition.pk).status == PetitionStatus.DONE

    # and a move made shows in the petition's history on the page
    moved = client.post(
        f"/petitions/{petition.pk}/", {"status": PetitionStatus.CLOSED, "handling": "已处理"}
    )
    assert moved.status_code == 302
    history = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "信访件办理状态变更" in history and "已办结 → 已销号" in history
