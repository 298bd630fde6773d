"""交办 tells the receiving units (issue 14 item 5): one in-app notification per member of the
lead and cooperating units, the source of their mail, shown by the unread badge."""

from collections import Counter

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.errors import ServiceError
from inspections import petition_services
from inspections.choices import PetitionStatus
from rectification.choices import NotificationChannel, NotificationKind
from rectification.models import Notification
from tests.services.petition_flow import make_petition


def _told(channel=NotificationChannel.INAPP) -> Counter:
    rows = Notification.objects.filter(kind=NotificationKind.PETITION_ASSIGNED, channel=channel)
    return Counter(rows.values_list("recipient__username", flat=True))


def test_assign_tells_each_member_of_the_receiving_units_once(world, login):
    # given a petition received by the office
    petition = make_petition(world, PetitionStatus.RECEIVED)
    # when the office hands it to 东城区政府 with 市住建局 cooperating
    petition_services.petition_assign(
        actor=world.office,
        petition=petition,
        lead_unit=world.dc_gov,
        cooperating_units=[world.housing],
    )
    # then each reporter and head of both units has exactly one in-app notification
    assert _told() == {"dc_reporter": 1, "dc_head": 1, "zj_reporter": 1}
    row = Notification.objects.get(
        kind=NotificationKind.PETITION_ASSIGNED, recipient=world.reporter, channel="INAPP"
    )
    assert row.title == (
        f"【信访件交办】{petition.accept_no} 交由东城区政府承办，办理期限 2020-02-28"
    )
    assert row.url == reverse("petition_detail", args=[petition.pk])
    assert "小区楼下烧烤油烟扰民" in row.body
    # the mail rows are the same message, for those with an address
    mailed = _told(NotificationChannel.MAIL)
    assert all(n == 1 for n in mailed.values())
    assert set(mailed) <= {"dc_reporter", "dc_head", "zj_reporter"}
    # and the receiving reporter sees it: the unread badge and the notification list
    client = login(world.reporter)
    workbench = client.get(reverse("workbench")).content.decode()
    assert 'data-testid="unread-badge">1<' in workbench
    listing = client.get(reverse("notification_list")).content.decode()
    assert f"【信访件交办】{petition.accept_no}" in listing


def test_a_hand_over_to_another_unit_tells_the_new_unit(world):
    petition = make_petition(world, PetitionStatus.RECEIVED)
    petition_services.petition_assign(actor=world.office, petition=petition, lead_unit=world.dc_gov)
    # when the office hands it over again, to 西城区政府
    petition_services.petition_assign(actor=world.office, petition=petition, lead_unit=world.xc_gov)
    # then 西城区 hears of it once, and 东城区 is not told twice
    assert _told() == {"dc_reporter": 1, "dc_head": 1, "xc_reporter": 1}


def test_assign_through_the_api_tells_the_unit_too(world):
    petition = make_petition(world, PetitionStatus.RECEIVED)
    client = APIClient()
    client.force_authenticate(world.office)
    response = client.post(
        f"/api/v1/petitions/{petition.pk}/assign/",
        {"lead_unit": world.dc_gov.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert _told() == {"dc_reporter": 1, "dc_head": 1}


def test_a_refused_assign_tells_nobody(world):
    petition = make_petition(world, PetitionStatus.RECEIVED)
    # a reporter may not hand a petition over
    with pytest.raises(ServiceError):
        petition_services.petition_assign(
            actor=world.reporter, petition=petition, lead_unit=world.dc_gov
        )
    assert _told() == Counter()
