"""The cell parsers on the phrases offices actually write."""

from datetime import date, datetime

import pytest

from exchange.plan_import.cells import (
    format_deadline,
    parse_deadline,
    parse_numbering,
    parse_units,
)
from inspections.choices import DeadlineType

DT, IM, ON = DeadlineType.DATED, DeadlineType.IMMEDIATE, DeadlineType.ONGOING


@pytest.mark.parametrize(
    ("cell", "kind", "deadline", "ongoing"),
    [
        (datetime(2020, 6, 30, 0, 0), DT, date(2020, 6, 30), False),
        (date(2019, 12, 31), DT, date(2019, 12, 31), False),
        ("2020年12月底前", DT, date(2020, 12, 31), False),
        ("2020年6月", DT, date(2020, 6, 30), False),
        ("2020年2月底", DT, date(2020, 2, 29), False),
        ("2020年底前", DT, date(2020, 12, 31), False),
        ("2020年年底前完成", DT, date(2020, 12, 31), False),
        ("2020年6月30日", DT, date(2020, 6, 30), False),
        ("2020年6月30日前", DT, date(2020, 6, 30), False),
        ("2020.6.30", DT, date(2020, 6, 30), False),
        ("2020-06-30", DT, date(2020, 6, 30), False),
        ("2020/6/30", DT, date(2020, 6, 30), False),
        ("2020.6", DT, date(2020, 6, 30), False),
        ("2020年上半年", DT, date(2020, 6, 30), False),
        ("2020年第三季度", DT, date(2020, 9, 30), False),
        (" 2020 年 12 月 底前 ", DT, date(2020, 12, 31), False),
        ("立行立改", IM, None, False),
        ("长期坚持", ON, None, True),
        ("立行立改，长期坚持", IM, None, True),
        ("立行立改、长期坚持", IM, None, True),
        ("2020年12月底前完成，长期坚持", DT, date(2020, 12, 31), True),
        ("2019-12-31，长期坚持", DT, date(2019, 12, 31), True),
        ("立行立改（2019-10-31）", IM, date(2019, 10, 31), False),
        ("长期坚持（2019-12-31）", ON, date(2019, 12, 31), True),
    ],
)
def test_deadline_phrases(cell, kind, deadline, ongoing):
    # when
    parsed = parse_deadline(cell)
    # then
    assert (parsed.deadline_type, parsed.deadline, parsed.is_ongoing) == (kind, deadline, ongoing)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("尽快", "无法识别"),
        ("明年", "无法识别"),
        ("2020年13月", "月份"),
        ("2020年2月30日", "不存在"),
        ("1900年底前", "年份"),
        (12345, "无法识别"),
        (None, "为空"),
        ("  ", "为空"),
    ],
)
def test_unreadable_deadlines_say_why(cell, reason):
    with pytest.raises(ValueError, match=reason):
        parse_deadline(cell)


@pytest.mark.parametrize(
    ("kind", "deadline", "ongoing"),
    [
        (DT, date(2020, 6, 30), False),
        (DT, date(2019, 12, 31), True),
        (IM, None, False),
        (IM, None, True),
        (IM, date(2019, 10, 31), True),
        (ON, None, True),
        (ON, date(2019, 12, 31), True),
    ],
)
def test_exported_deadline_reads_back_the_same(kind, deadline, ongoing):
    parsed = parse_deadline(format_deadline(kind, deadline, ongoing))
    assert (parsed.deadline_type, parsed.deadline, parsed.is_ongoing) == (kind, deadline, ongoing)


@pytest.mark.parametrize(
    ("cell", "lead", "coop", "territorial"),
    [
        (
            "市生态环境局牵头，市发改委、市经信局配合",
            ["市生态环境局"],
            ["市发改委", "市经信局"],
            [],
        ),
        (
            "牵头单位：市住建局；配合单位：市城管执法局、东城区政府",
            ["市住建局"],
            ["市城管执法局", "东城区政府"],
            [],
        ),
        ("（责任单位：市生态环境局、市水务局）", ["市生态环境局"], ["市水务局"], []),
        ("市住建局", ["市住建局"], [], []),
        ("市住建局、市城管执法局", ["市住建局"], ["市城管执法局"], []),
        ("市住建局\n市城管执法局", ["市住建局"], ["市城管执法局"], []),
        ("市住建局/市城管执法局；东城区政府", ["市住建局"], ["市城管执法局", "东城区政府"], []),
        ("牵头单位：市住建局 责任单位：东城区政府", ["市住建局"], [], ["东城区政府"]),
        (
            "市发改委、市经信局等配合，市生态环境局牵头",
            ["市生态环境局"],
            ["市发改委", "市经信局"],
            [],
        ),
    ],
)
def test_units_packed_in_one_cell(cell, lead, coop, territorial):
    parsed = parse_units(cell)
    assert (list(parsed.lead), list(parsed.coop), list(parsed.territorial)) == (
        lead,
        coop,
        territorial,
    )


@pytest.mark.parametrize(
    ("cell", "number", "seq", "title"),
    [
        ("一、贯彻落实生态环境保护决策部署不到位", "1", 1, "贯彻落实生态环境保护决策部署不到位"),
        ("（三）水环境", "3", 3, "水环境"),
        ("(十二)化工园区", "12", 12, "化工园区"),
        ("1.思想认识和责任落实不到位", "1", 1, "思想认识和责任落实不到位"),
        ("12、交通噪声", "12", 12, "交通噪声"),
        ("3-2 南江县第二污水处理厂", "3-2", 2, "南江县第二污水处理厂"),
        ("第一方面 贯彻落实不到位", "1", 1, "贯彻落实不到位"),
        ("第二十三项：某问题", "23", 23, "某问题"),
        ("4 城区沿河排口", "4", 4, "城区沿河排口"),
        ("城区沿河排口", "", None, "城区沿河排口"),
        ("2020年工作", "", None, "2020年工作"),
    ],
)
def test_numbering(cell, number, seq, title):
    parsed = parse_numbering(cell)
    assert (parsed.number, parsed.seq, parsed.title) == (number, seq, title)
