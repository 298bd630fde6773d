"""工作台 in the demo city: every count of every kind of persona is the length of the list its
link opens (the link followed as rendered)."""

import pytest

from tests.web.test_workbench import cards, list_length

# ---------------------------------------------------------------------------------------------
# Every count is the length of the list its link opens (the demo city, every kind of persona)

DEMO_PERSONAS = [
    "dongcheng",
    "dongcheng_head",
    "nanjiang",
    "nanjiang_head",
    "zhujian_head",
    "duban",
    "office",
    "leader",
]


@pytest.fixture
def demo_city(demo_city_shared):
    return demo_city_shared


@pytest.mark.parametrize("username", DEMO_PERSONAS)
def test_every_count_equals_the_list_its_link_opens(demo_city, login, username):
    client = login(demo_city.users[username])
    found = cards(client)
    assert found
    for key, (url, count) in found.items():
        assert list_length(client, key, url) == count, (username, key, url)


def test_the_demo_gives_the_workbench_work_to_show(demo_city, login):
    # Counts that are all zero would make the equality above say nothing.
    totals: dict[str, int] = {}
    for username in DEMO_PERSONAS:
        for key, (_url, count) in cards(login(demo_city.users[username])).items():
            totals[key] = totals.get(key, 0) + count
    assert totals["overdue"] > 0
    assert totals["unreported"] > 0
    assert totals["returned"] > 0
    assert totals["selfcheck"] > 0
    assert totals["red_yellow"] > 0
    assert totals["leader_overdue"] > 0
    assert sum(totals[k] for k in ("review", "expired", "extensions", "proposals", "petitions"))
