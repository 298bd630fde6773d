"""Seed the working-day calendar (Holiday) from chinesecalendar 1.11.0 (2004–2026).

Rows already present are kept; `manage.py seed_holidays` adds the years of a newer package.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from inspections import workdays

    workdays.seed_from_package(apps.get_model("inspections", "Holiday"))


def unseed(apps, schema_editor):
    from inspections import workdays

    Holiday = apps.get_model("inspections", "Holiday")
    Holiday.objects.filter(date__in=[day for day, _, _ in workdays.package_days()]).delete()
    workdays.clear_cache()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0005_feedback_tree_and_problem_events")]

    operations = [migrations.RunPython(seed, unseed)]
