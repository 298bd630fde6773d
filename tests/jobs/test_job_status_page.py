"""定时任务运行情况: the office (and the admin) see each job's last completed run, overdue ones
flagged, from the dispatch list's link; the admin's ledger shows the same table."""

from datetime import date, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import clock
from rectification.jobs import runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def test_the_office_follows_the_link_and_sees_the_overdue_job_flagged(jobs_world, login, settings):
    # given: at 10:00 the day's warnings, reminders and audit have run, yesterday's chase has not
    settings.TRACKER_NOW = timezone.make_aware(datetime(2020, 2, 15, 10, 0))
    with clock.travel(timezone.make_aware(datetime(2020, 2, 15, 9, 0))):
        runs.run_once("warnings", date(2020, 2, 15))
        runs.run_once("reminders", date(2020, 2, 15))
        runs.run_once("dispatch", date(2020, 2, 15))
        runs.run_once("audit", date(2020, 2, 15))
    client = login(jobs_world.office)

    # when: the office opens the dispatch list and follows its link
    listing = client.get(reverse("dispatch_list")).content.decode()
    url = reverse("job_status")
    assert f'href="{url}"' in listing
    page = client.get(url).content.decode()

    # then: each job, its last completed period and time, and the chase flagged overdue
    assert "预警研判" in page and "2020-02-15 09:00" in page
    assert '<span class="badge text-bg-danger">逾期未运行</span>' in page
    assert page.count("逾期未运行") == 1
    assert "进展催报逾期未完成运行" in page
    assert "units=" not in page and "unit_rows" not in page  # no deployment-wide figures

    # and once the catch-up ran it, nothing is flagged
    runs.catch_up()
    assert "逾期未运行" not in client.get(url).content.decode()


def test_the_leader_and_the_units_have_no_link(jobs_world, login):
    listing = login(jobs_world.leader).get(reverse("dispatch_list")).content.decode()
    assert reverse("job_status") not in listing


def test_the_admins_ledger_lists_runs_and_the_status_table(jobs_world, login, settings):
    settings.TRACKER_NOW = timezone.make_aware(datetime(2020, 2, 15, 10, 0))
    runs.catch_up()
    response = login(jobs_world.admin).get(reverse("admin:rectification_jobrun_changelist"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="job-status"' in page and "预警研判（warnings）" in page
    assert page.count("已完成") >= 4
    assert "逾期未运行" not in page
