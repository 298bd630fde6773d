"""Leaders (领导) read 督察轮次, 预警 and 督办 — read-only, within their region subtree.

The pages render for a leader without any action button or form, every write behind them
answers 403 to a leader, and a county leader sees only the county's rows.
"""

import re

import pytest
from django.urls import reverse

from accounts.choices import Role
from rectification.choices import SupervisionStatus, WarningLevel
from tests.factories import ProblemFactory, RoundFactory, TaskFactory, UserFactory
from tests.services.factories_extra import SupervisionNoticeFactory, WarningFactory

READ_PAGES = [
    ("round_list", lambda w: []),
    ("round_detail", lambda w: [w.round.pk]),
    ("problem_detail", lambda w: [w.problem.pk]),
    ("warning_list", lambda w: []),
    ("supervision_list", lambda w: []),
]


@pytest.fixture
def leader_world(world):
    """The world with a manual yellow card and a letter on each county's task."""
    for task, unit in ((world.task, world.dc_gov), (world.other_task, world.xc_gov)):
        WarningFactory(
            task=task,
            unit=unit,
            auto=False,
            issued_by=world.office,
            level=WarningLevel.YELLOW,
            note="群众反复投诉",
        )
        notice = SupervisionNoticeFactory(
            target_unit=unit,
            title=f"关于加快{unit.short_name}整改的督办函",
            status=SupervisionStatus.REPLIED,
            issued_by=world.office,
            reply_text="已整改",
        )
        notice.tasks.add(task)
    SupervisionNoticeFactory(
        target_unit=world.dc_gov,
        title="拟发督办函（东城区）",
        status=SupervisionStatus.PROPOSED,
        issued_on=None,
    )
    world.county_leader = UserFactory(
        username="dc_leader", role=Role.LEADER, unit=world.dc_gov, last_name="赵"
    )
    return world


def _post_forms(body: str) -> list[str]:
    """The actions of the POST forms a page renders, but the navigation's 退出 (logout)."""
    actions = []
    for form in re.findall(r"<form\b[^>]*>", body):
        if re.search(r'method="post"', form, re.I):
            action = re.search(r'action="([^"]*)"', form)
            actions.append(action.group(1) if action else "")
    return [a for a in actions if a != reverse("logout")]


@pytest.mark.parametrize(("name", "args"), READ_PAGES, ids=[p[0] for p in READ_PAGES])
def test_leader_reads_the_page_without_any_action(leader_world, login, name, args):
    # given a city leader
    client = login(leader_world.leader)
    # when they open the page
    response = client.get(reverse(name, args=args(leader_world)))
    # then it renders, with no form that writes and no link to one
    assert response.status_code == 200
    body = response.content.decode()
    assert _post_forms(body) == []
    # (the links to the office's forms: 发督办, 新增点位, 调整单位, 签发, the archive panel)
    assert 'href="/supervision/new/' not in body
    assert "/units/" not in body
    assert "/tasks/new/" not in body
    assert "/issue/" not in body
    assert 'hx-get="/rounds/' not in body  # the archive panel is the office's


def test_office_still_sees_its_actions(leader_world, login):
    client = login(leader_world.office)
    warnings = client.get(reverse("warning_list")).content.decode()
    supervision = client.get(reverse("supervision_list")).content.decode()
    problem = client.get(reverse("problem_detail", args=[leader_world.problem.pk])).content.decode()
    assert 'href="/supervision/new/?task=' in warnings
    assert 'href="/supervision/new/"' in supervision
    assert reverse("supervision_close", args=[1]).split("1/")[0] in supervision
    assert "/tasks/new/" in problem


def test_leader_pages_show_the_rows(leader_world, login):
    client = login(leader_world.leader)
    rounds = client.get(reverse("round_list")).content.decode()
    warnings = client.get(reverse("warning_list")).content.decode()
    supervision = client.get(reverse("supervision_list")).content.decode()
    assert leader_world.round.name in rounds
    assert "SD-4-1" in warnings and "SD-4-2" in warnings
    assert "关于加快东城区政府整改的督办函" in supervision
    assert "关于加快西城区政府整改的督办函" in supervision


def test_county_leader_sees_only_the_county(leader_world, login):
    # given a leader of 东城区 and a round of 西城区 only
    w = leader_world
    xc_round = RoundFactory(code="XC2020", name="西城区专项督察", region=w.xicheng)
    xc_problem = ProblemFactory(round=xc_round, seq=1, code="1", title="西城区扬尘")
    TaskFactory(problem=xc_problem, code="XC-1-1", name="西城工地", region=w.xicheng, lead=w.xc_gov)
    client = login(w.county_leader)
    # when they read the pages
    rounds = client.get(reverse("round_list")).content.decode()
    problem = client.get(reverse("problem_detail", args=[w.problem.pk])).content.decode()
    warnings = client.get(reverse("warning_list")).content.decode()
    supervision = client.get(reverse("supervision_list")).content.decode()
    # then only 东城区's rows
    assert w.round.name in rounds and "西城区专项督察" not in rounds
    assert "清溪河东城区段1#排口" in problem and "清溪河西城区段3#排口" not in problem
    assert "SD-4-1" in warnings and "SD-4-2" not in warnings
    assert "东城区政府整改" in supervision and "西城区政府整改" not in supervision
    assert client.get(reverse("round_detail", args=[xc_round.pk])).status_code == 404
    assert client.get(reverse("problem_detail", args=[xc_problem.pk])).status_code == 404


def test_every_write_behind_the_pages_refuses_a_leader(leader_world, login):
    w = leader_world
    client = login(w.leader)
    warning = w.task.warnings.get()
    replied = w.task.supervisions.get()
    proposed = type(replied).objects.get(status=SupervisionStatus.PROPOSED)
    posts = [
        (
            reverse("supervision_create"),
            {"kind": "LETTER", "title": "x", "target_unit": w.dc_gov.pk},
        ),
        (reverse("supervision_create") + f"?task={w.task.pk}", {"title": "x"}),
        (reverse("supervision_issue", args=[proposed.pk]), {"doc_no": "1"}),
        (reverse("supervision_dismiss", args=[proposed.pk]), {"reason": "不需要"}),
        (reverse("supervision_close", args=[replied.pk]), {}),
        (reverse("task_warnings", args=[w.task.pk]), {"level": "RED", "reason": "MEDIA"}),
        (reverse("warning_clear", args=[warning.pk]), {"reason": "已整改"}),
        (reverse("problem_task_create", args=[w.problem.pk]), {"name": "新点位"}),
        (reverse("task_units", args=[w.task.pk]), {"lead_unit": w.dc_gov.pk}),
        (reverse("round_archive_request", args=[w.round.pk]), {}),
    ]
    got = [client.post(url, data).status_code for url, data in posts]
    assert got == [403] * len(posts)
    # and nothing changed
    proposed.refresh_from_db()
    replied.refresh_from_db()
    warning.refresh_from_db()
    assert proposed.status == SupervisionStatus.PROPOSED
    assert replied.status == SupervisionStatus.REPLIED
    assert warning.resolved_at is None


def test_leader_navigation_links_the_read_pages(leader_world, login):
    body = login(leader_world.leader).get(reverse("workbench")).content.decode()
    for name in ("round_list", "warning_list", "supervision_list"):
        assert f'href="{reverse(name)}"' in body
