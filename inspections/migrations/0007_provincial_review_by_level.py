"""Provincial and central rounds (and the Yangtze warning-film problems) are reviewed by the
province (docs/domain.md §1.2): existing rounds get the default that round_create now sets."""

from django.db import migrations
from django.db.models import Q


def by_level(apps, schema_editor):
    InspectionRound = apps.get_model("inspections", "InspectionRound")
    InspectionRound.objects.filter(
        Q(level__in=["PROVINCIAL", "CENTRAL"]) | Q(kind="YANGTZE_FILM")
    ).update(requires_provincial_review=True)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0006_round_acceptance_chain")]

    # Reversing leaves the flags as they are: the earlier default (False for every round)
    # was not a decision anybody took.
    operations = [migrations.RunPython(by_level, migrations.RunPython.noop)]
