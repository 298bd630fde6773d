"""The working-day calendar: seeded from chinesecalendar, edited in the admin, never a silent
Monday–Friday fallback for a year it does not hold."""

from datetime import date

import pytest
from django.core import checks
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import clock
from inspections import workdays
from inspections.models import Holiday

pytestmark = pytest.mark.django_db


def test_the_test_database_is_seeded_by_the_migration():
    # given the migrations only, when the calendar is read, then 2004–2026 are held
    assert {2004, 2019, 2020, 2021, 2026} <= workdays.covered_years()
    assert Holiday.objects.filter(date=date(2020, 1, 19), is_workday=True).exists()  # 调休


def test_spring_festival_2020_with_its_extension():
    assert workdays.is_workday(date(2020, 1, 19))  # Sunday, 调休上班
    assert not workdays.is_workday(date(2020, 1, 24))  # 除夕
    assert not workdays.is_workday(date(2020, 1, 31))  # extended holiday (Friday)
    assert not workdays.is_workday(date(2020, 2, 2))
    assert workdays.is_workday(date(2020, 2, 3))


def test_add_counts_after_the_start_day_across_the_holiday():
    # the demo's 督办函 of 2020-01-22: Jan 23, then Feb 3–7, Feb 10–13
    assert workdays.add(date(2020, 1, 22), 10) == date(2020, 2, 13)
    assert workdays.add(date(2020, 2, 14), 0) == date(2020, 2, 14)
    assert workdays.add(date(2020, 2, 14), 1) == date(2020, 2, 17)  # over a weekend


def test_between_counts_both_ends_and_last_day_is_its_inverse():
    assert workdays.between(date(2020, 2, 17), date(2020, 2, 21)) == 5
    assert workdays.between(date(2020, 2, 15), date(2020, 2, 21)) == 5  # Sat, Sun not counted
    assert workdays.between(date(2020, 2, 21), date(2020, 2, 17)) == 0
    assert workdays.last_day(date(2020, 2, 17), 5) == date(2020, 2, 21)
    assert workdays.last_day(date(2020, 2, 15), 5) == date(2020, 2, 21)  # starts on Saturday
    assert workdays.last_day(date(2020, 9, 30), 5) == date(2020, 10, 13)  # 国庆+中秋, 10-10 调休
    assert workdays.between(date(2020, 9, 30), date(2020, 10, 13)) == 5


def test_a_missing_year_is_refused_not_guessed():
    # given a calendar without 2027, when a count from late 2026 reaches it, then a Chinese
    # refusal naming the year (not a Monday–Friday guess)
    assert workdays.is_workday(date(2026, 12, 28))
    with pytest.raises(workdays.CalendarMissing, match="2027年的节假日和调休安排尚未录入"):
        workdays.add(date(2026, 12, 28), 5)


def test_an_admin_row_for_a_new_year_counts_at_once():
    # given 2030 entered by the admin (New Year's Day)
    Holiday.objects.create(date=date(2030, 1, 1), is_workday=False, name="元旦")
    # then the year is held, and the holiday is not a working day
    assert not workdays.is_workday(date(2030, 1, 1))
    assert workdays.add(date(2030, 1, 1), 1) == date(2030, 1, 2)


def test_seeding_keeps_an_admins_edit():
    row = Holiday.objects.get(date=date(2020, 1, 31))
    row.is_workday = True
    row.save()
    added = workdays.seed_from_package()
    assert added == 0
    assert Holiday.objects.get(date=date(2020, 1, 31)).is_workday


def test_the_calendar_is_read_once_per_process():
    workdays.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        workdays.add(date(2020, 1, 22), 10)
        workdays.between(date(2020, 1, 1), date(2020, 12, 31))
    assert len(queries) == 1


def test_system_check_warns_for_a_missing_business_year(settings):
    # given the seeded calendar, on the demo date nothing is missing
    assert not [m for m in checks.run_checks() if m.id == "inspections.W001"]
    # when the business date is in a year the calendar lacks, then a warning names it
    settings.TRACKER_TODAY = date(2031, 3, 1)
    found = [m for m in checks.run_checks() if m.id == "inspections.W001"]
    assert len(found) == 1 and found[0].level == checks.WARNING
    assert "2031年" in found[0].msg


def test_in_december_the_next_year_is_needed_too(settings):
    settings.TRACKER_TODAY = date(2026, 12, 5)
    found = [m for m in checks.run_checks() if m.id == "inspections.W001"]
    assert len(found) == 1 and "2027年" in found[0].msg and "2026年" not in found[0].msg
    settings.TRACKER_TODAY = date(2026, 11, 30)
    assert not [m for m in checks.run_checks() if m.id == "inspections.W001"]


def test_admin_home_shows_the_warning(client, settings, django_user_model):
    admin = django_user_model.objects.create_superuser("root-cal", password="x")
    client.force_login(admin)
    assert "calendar-warning" not in client.get("/admin/").content.decode()
    settings.TRACKER_TODAY = date(2031, 3, 1)
    page = client.get("/admin/").content.decode()
    assert 'data-testid="calendar-warning"' in page and "2031年" in page


def test_a_letter_without_a_typed_deadline_gets_ten_working_days(world):
    from rectification import services

    # given a 督办函 issued on 2020-01-22, before the (extended) Spring Festival holiday
    with clock.travel(clock.at(date(2020, 1, 22))):
        letter = services.supervision_notice_create(
            actor=world.office, kind="LETTER", title="督办函", target_unit=world.dc_gov
        )
        reminder = services.supervision_notice_create(
            actor=world.office, kind="REMINDER", title="提醒函", target_unit=world.dc_gov
        )
    # then its reply is due ten working days later; a 提醒函 has no deadline of its own
    assert letter.reply_due == date(2020, 2, 13)
    assert reminder.reply_due is None


def test_a_letter_in_a_year_missing_from_the_calendar_is_refused(world, settings):
    from rectification import services
    from rectification.models import SupervisionNotice

    settings.TRACKER_TODAY = date(2031, 3, 3)
    with pytest.raises(workdays.CalendarMissing, match="2031年"):
        services.supervision_notice_create(
            actor=world.office, kind="LETTER", title="督办函", target_unit=world.dc_gov
        )
    assert not SupervisionNotice.objects.exists()
