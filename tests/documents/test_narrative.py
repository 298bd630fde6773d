"""The 月调度通报's prose is a pure function of the stored figures."""

import pytest

from exchange.documents.narrative import LIST_AT_MOST, dispatch_narrative


def unit(uid, name, rank, rate, closed, total, overdue=0, red=0, yellow=0):
    return {
        "unit_id": uid,
        "name": name,
        "rank": rank,
        "completion_rate": rate,
        "closed": closed,
        "total": total,
        "overdue": overdue,
        "red": red,
        "yellow": yellow,
    }


def figures(**headline):
    h = {
        "total": 20,
        "closed": 5,
        "completion_rate": 25.0,
        "publicizing": 2,
        "in_review": 1,
        "in_progress": 9,
        "overdue": 3,
        "behind": 2,
        "on_schedule_rate": 75.0,
        "red": 4,
        "yellow": 1,
    }
    h.update(headline)
    return {
        "region": {"name": "示范市"},
        "month": "2020-01",
        "as_of": "2020-01-31",
        "headline": h,
        "rounds": [],
        "units": [
            unit(1, "东城区", 1, 50.0, 2, 4),
            unit(2, "西城区", 2, 40.0, 2, 5),
            unit(3, "南江县", 3, 20.0, 1, 5, overdue=2, red=2),
            unit(4, "北山县", 4, 0.0, 0, 6, overdue=1),
        ],
        "overdue_tasks": [
            {
                "code": f"SD-{i}",
                "name": f"任务{i}",
                "lead_unit": "南江县",
                "overdue_days": 10 + i,
                "extended": i == 1,
            }
            for i in range(1, 4)
        ],
        "red_tasks": [
            {"code": "SD-9", "name": "红灯任务", "lead_unit": "南江县", "reasons": "逾期"}
        ],
        "previous": None,
    }


def test_four_sections_in_order_with_the_headline_figures():
    sections = dispatch_narrative(figures())
    assert [s.title for s in sections] == [
        "一、总体进展",
        "二、先进与后进单位",
        "三、逾期与红黄牌情况",
        "四、下步要求",
    ]
    overall = sections[0].paragraphs[0]
    assert "截至2020年1月31日，示范市共有整改任务20个，已销号5个，完成率25%" in overall
    assert "逾期3个" in overall and "序时进度达标率75%" in overall


def test_leaders_and_laggards_come_from_the_ranking():
    text = "\n".join(dispatch_narrative(figures())[1].paragraphs)
    praised, criticised = text.split("整改进度靠后的是")
    assert "东城区（完成率50%，已销号2/4个）" in praised
    assert "北山县" in criticised and "南江县" in criticised
    assert "北山县" not in praised and "东城区" not in criticised


def test_all_units_equal_are_named_as_tied():
    f = figures()
    f["units"] = [unit(1, "东城区", 1, 0.0, 0, 2), unit(2, "西城区", 1, 0.0, 0, 3)]
    assert dispatch_narrative(f)[1].paragraphs == ("2个牵头单位整改进度相同，并列第1名。",)


def test_overdue_and_red_tasks_are_listed_with_days_and_reasons():
    text = "\n".join(dispatch_narrative(figures())[2].paragraphs)
    assert "逾期未完成整改任务3个" in text
    assert "SD-1任务1（南江县，逾期11天，已延期）" in text
    assert "本月亮红灯任务4个、黄牌任务1个" in text and "SD-9红灯任务（南江县，逾期）" in text


def test_a_long_overdue_list_is_cut_with_a_count():
    f = figures(overdue=8)
    f["overdue_tasks"] = [
        {"code": f"T{i}", "name": "n", "lead_unit": "", "overdue_days": 1} for i in range(8)
    ]
    text = dispatch_narrative(f)[2].paragraphs[0]
    assert text.count("逾期1天") == LIST_AT_MOST and text.endswith("等8个。")


def test_a_clean_month_says_so_and_asks_only_for_the_routine():
    f = figures(overdue=0, red=0, yellow=0, behind=0, publicizing=0, in_review=0)
    f["overdue_tasks"], f["red_tasks"] = [], []
    warnings, requirements = dispatch_narrative(f)[2:]
    assert warnings.paragraphs == ("截至月底，无逾期未完成整改任务。", "本月无红灯、黄牌任务。")
    assert len(requirements.paragraphs) == 1
    assert requirements.paragraphs[0].startswith("（一）各责任单位要按月如实报送")


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (2, "已销号任务增加2个，完成率提高10个百分点"),
        (-1, "已销号任务减少1个，完成率下降10个百分点"),
    ],
)
def test_the_change_since_last_month(delta, expected):
    f = figures()
    f["previous"] = {
        "month": "2019-12",
        "headline": {
            "closed": delta,
            "completion_rate": 10.0 * (1 if delta > 0 else -1),
            "overdue": 0,
        },
        "units": {"1": {"rank": 2}, "4": {"rank": -1}},
    }
    sections = dispatch_narrative(f)
    assert expected in sections[0].paragraphs[1] and "逾期任务持平" in sections[0].paragraphs[1]
    ranking = "\n".join(sections[1].paragraphs)
    assert "较上月上升2位" in ranking and "较上月下降1位" in ranking
