"""factory_boy factories for the small test world (the demo city is loaded separately)."""

from datetime import date

import factory

from accounts.choices import RegionLevel, Role, UnitKind
from accounts.models import Person, Region, Unit, User
from inspections.choices import RoundKind, RoundLevel
from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Problem
from rectification.choices import AssignmentRole
from rectification.models import Assignment, Task


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"98{n:04d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = RegionLevel.COUNTY


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.DEPT
    region = factory.SubFactory(RegionFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"责任人{n}")
    unit = factory.SubFactory(UnitFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.REPORTER
    unit = factory.SubFactory(UnitFactory)
    password = factory.django.Password("pass-1234")


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectionRound
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"测试督察{n}")
    level = RoundLevel.PROVINCIAL
    kind = RoundKind.PROV_ROUTINE
    plan_issued_on = date(2019, 8, 20)


class AspectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackAspect

    round = factory.SubFactory(RoundFactory)
    seq = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"方面{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackCategory

    aspect = factory.SubFactory(AspectFactory)
    seq = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"类别{n}")


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    round = factory.SubFactory(RoundFactory)
    seq = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"P{n}")
    title = factory.Sequence(lambda n: f"问题{n}")


class TaskFactory(factory.django.DjangoModelFactory):
    """A task with its units: pass lead=Unit (and coop=[Unit, …]) to assign."""

    class Meta:
        model = Task
        skip_postgeneration_save = True

    problem = factory.SubFactory(ProblemFactory)
    round = factory.SelfAttribute("problem.round")
    seq = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"T{n}")
    name = factory.Sequence(lambda n: f"点位{n}")
    region = factory.SubFactory(RegionFactory)
    start_date = date(2019, 8, 20)
    deadline = date(2020, 6, 30)
    original_deadline = factory.SelfAttribute("deadline")

    @factory.post_generation
    def lead(self, create, unit, **kwargs):
        if unit:
            Assignment.objects.create(task=self, unit=unit, role=AssignmentRole.LEAD)
            Task.objects.filter(pk=self.pk).update(lead_unit=unit)
            self.lead_unit = unit

    @factory.post_generation
    def coop(self, create, units, **kwargs):
        for unit in units or ():
            Assignment.objects.create(task=self, unit=unit, role=AssignmentRole.COOP)

    @factory.post_generation
    def tally(self, create, extracted, **kwargs):
        # A task made behind the services' back still counts on a built dashboard tally.
        if create:
            from rectification import tally

            tally.recount(self)


# A minimal PDF: what the upload check recognises as a PDF scan.
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def provincial_document(no: str = "示环督办函〔2020〕12号", on: date | None = None) -> dict:
    """The province's document a city office records a 省级复核 on: the keyword arguments
    of services.closeout_record_review (number, date and a fresh PDF scan)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "document_no": no,
        "document_date": on or date(2020, 2, 10),
        "document": SimpleUploadedFile(
            "省级复核意见.pdf", PDF_BYTES, content_type="application/pdf"
        ),
    }
