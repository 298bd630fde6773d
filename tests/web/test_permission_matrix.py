"""Every page × persona: anonymous → login, out of scope → 404, not allowed → 403, else 200."""

import pytest
from django.urls import reverse

PERSONAS = ["anonymous", "reporter", "unit_head", "coop_reporter", "outsider", "office", "leader"]

OFFICE_ONLY = [403, 403, 403, 403, 403, 200, 403]
EVERYONE = [200, 200, 200, 200, 200, 200]
# Pages the office acts on and leaders read (tests/web/test_leader_read_only.py).
OFFICE_AND_LEADER = [403, 403, 403, 403, 200, 200]

# page name, url args builder, expected statuses for PERSONAS[1:] (anonymous is always 302).
MATRIX = [
    ("profile", lambda w: [], EVERYONE),
    ("notification_list", lambda w: [], EVERYONE),
    ("task_list", lambda w: [], EVERYONE),
    ("task_export", lambda w: [], EVERYONE),
    ("task_detail", lambda w: [w.task.pk], [200, 200, 200, 404, 200, 200]),
    ("task_report", lambda w: [w.task.pk], [200, 200, 200, 404, 403, 403]),
    ("task_extension", lambda w: [w.task.pk], [200, 200, 403, 404, 403, 403]),
    ("task_closeout", lambda w: [w.task.pk], [200, 200, 403, 404, 403, 403]),
    ("selfcheck_queue", lambda w: [], [403, 200, 403, 403, 403, 403]),
    ("review_queue", lambda w: [], OFFICE_ONLY[1:]),
    ("extension_queue", lambda w: [], OFFICE_ONLY[1:]),
    ("warning_list", lambda w: [], OFFICE_AND_LEADER),
    ("supervision_list", lambda w: [], OFFICE_AND_LEADER),
    ("supervision_create", lambda w: [], OFFICE_ONLY[1:]),
    ("round_list", lambda w: [], OFFICE_AND_LEADER),
    ("round_detail", lambda w: [w.round.pk], OFFICE_AND_LEADER),
    ("problem_detail", lambda w: [w.problem.pk], OFFICE_AND_LEADER),
    ("problem_task_create", lambda w: [w.problem.pk], OFFICE_ONLY[1:]),
    # Everyone's petitions are read through the scope: a unit lists those handed to it.
    ("petition_list", lambda w: [], EVERYONE),
    ("petition_figures", lambda w: [], EVERYONE),
    ("petition_import", lambda w: [], OFFICE_ONLY[1:]),
    ("task_lookback", lambda w: [w.task.pk], OFFICE_ONLY[1:]),
    ("task_units", lambda w: [w.task.pk], OFFICE_ONLY[1:]),
    ("job_status", lambda w: [], OFFICE_ONLY[1:]),
]


@pytest.mark.parametrize(("name", "args", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_page_status_by_persona(world, login, name, args, expected):
    url = reverse(name, args=args(world))
    got = []
    for persona in PERSONAS:
        user = None if persona == "anonymous" else getattr(world, persona)
        got.append(login(user).get(url).status_code)
    assert got == [302, *expected]


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(reverse("task_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_other_county_task_page_is_404_with_friendly_page(world, login):
    response = login(world.outsider).get(reverse("task_detail", args=[world.task.pk]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_forbidden_page_explains_in_chinese(world, login):
    response = login(world.reporter).get(reverse("review_queue"))
    assert response.status_code == 403
    assert "只有环督办可以访问此页面" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("reporter", "/workbench/"),
        ("unit_head", "/workbench/"),
        ("office", "/workbench/"),
        ("leader", "/workbench/"),
        ("admin", "/admin/"),
    ],
)
def test_home_redirects_by_role(world, login, persona, target):
    response = login(getattr(world, persona)).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == target


def test_profile_shows_unit_role_and_region(world, login):
    body = login(world.reporter).get(reverse("profile")).content.decode()
    assert "东城区人民政府" in body
    assert "单位填报员" in body
    assert "东城区" in body
