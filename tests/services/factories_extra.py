"""Factories for rows the services do not create (or that scope tests need directly)."""

from datetime import date

import factory

from inspections.choices import PetitionChannel
from inspections.models import Petition
from rectification.choices import SupervisionKind, WarningLevel, WarningReason
from rectification.models import Milestone, SupervisionNotice, Warning


class PetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Petition

    batch_no = 1
    accept_no = factory.Sequence(lambda n: f"XF-{n:03d}")
    channel = PetitionChannel.PHONE
    content = "小区楼下烧烤油烟扰民"


class WarningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warning

    level = WarningLevel.YELLOW
    reason = WarningReason.BEHIND
    day = date(2020, 2, 15)


class SupervisionNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionNotice

    kind = SupervisionKind.LETTER
    title = factory.Sequence(lambda n: f"督办函{n}")
    issued_on = date(2020, 2, 1)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    seq = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"节点{n}")
    planned_date = date(2020, 1, 31)
    weight = 50
