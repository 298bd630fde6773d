"""The 月调度通报's prose, written from a DispatchReport's stored figures (the JSON of
rectification/jobs/dispatch.py). A pure function: figures in, sections of paragraphs out;
no database, no clock, so the same report always reads the same."""

from dataclasses import dataclass

LIST_AT_MOST = 5  # tasks named one by one in a paragraph; the rest are "等N个"
RANKED_AT_MOST = 3  # units named as 先进 / 后进


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...]


def _date(iso: str) -> str:
    year, month, day = (int(x) for x in iso.split("-"))
    return f"{year}年{month}月{day}日"


def _pct(value) -> str:
    return f"{float(value):g}%"


def _change(delta, unit: str, *, up="增加", down="减少") -> str:
    if delta is None:
        return ""
    if delta > 0:
        return f"{up}{delta:g}{unit}"
    if delta < 0:
        return f"{down}{-delta:g}{unit}"
    return "持平"


def _tasks(rows: list[dict], describe) -> str:
    named = "；".join(describe(t) for t in rows[:LIST_AT_MOST])
    more = f"等{len(rows)}个" if len(rows) > LIST_AT_MOST else ""
    return named + more


def overall(f: dict) -> Section:
    h = f["headline"]
    text = (
        f"截至{_date(f['as_of'])}，{f['region']['name']}共有整改任务{h['total']}个，"
        f"已销号{h['closed']}个，完成率{_pct(h['completion_rate'])}；"
        f"公示中{h['publicizing']}个，验收中{h['in_review']}个，"
        f"整改中{h['in_progress']}个，逾期{h['overdue']}个。"
        f"序时进度达标率{_pct(h['on_schedule_rate'])}。"
    )
    paragraphs = [text]
    previous = f.get("previous") or {}
    deltas = previous.get("headline") or {}
    if deltas:
        closed = _change(deltas.get("closed"), "个")
        rate = _change(deltas.get("completion_rate"), "个百分点", up="提高", down="下降")
        overdue = _change(deltas.get("overdue"), "个")
        paragraphs.append(f"与上月相比，已销号任务{closed}，完成率{rate}，逾期任务{overdue}。")
    rounds = f.get("rounds") or []
    if len(rounds) > 1:
        parts = "；".join(
            f"{r['name']}任务{r['total']}个、已销号{r['closed']}个（{_pct(r['completion_rate'])}）"
            for r in rounds
        )
        paragraphs.append(f"分轮次看，{parts}。")
    return Section("一、总体进展", tuple(paragraphs))


def _unit_text(u: dict, moves: dict) -> str:
    text = f"{u['name']}（完成率{_pct(u['completion_rate'])}，已销号{u['closed']}/{u['total']}个"
    if u["overdue"]:
        text += f"，逾期{u['overdue']}个"
    move = (moves.get(str(u["unit_id"])) or {}).get("rank")
    if move:
        text += f"，较上月{'上升' if move > 0 else '下降'}{abs(move)}位"
    return text + "）"


def ranking(f: dict) -> Section:
    units = sorted(f.get("units") or [], key=lambda u: (u["rank"], u["name"]))
    moves = (f.get("previous") or {}).get("units") or {}
    if not units:
        return Section("二、先进与后进单位", ("本月无牵头单位排名。",))
    if len({u["rank"] for u in units}) == 1:
        return Section(
            "二、先进与后进单位",
            (f"{len(units)}个牵头单位整改进度相同，并列第1名。",),
        )
    best_rank = units[0]["rank"]
    worst_rank = units[-1]["rank"]
    top = [u for u in units if u["rank"] == best_rank]
    # 先进 at most half of the units (ties for first place all count), 后进 the rest's tail.
    room = min(RANKED_AT_MOST, max(1, len(units) // 2)) - len(top)
    if room > 0:
        top += [u for u in units if u not in top and u["rank"] != worst_rank][:room]
    bottom = [u for u in reversed(units) if u not in top][:RANKED_AT_MOST]
    paragraphs = [
        f"在{len(units)}个牵头单位中，整改进度靠前的是："
        + "、".join(_unit_text(u, moves) for u in top)
        + "，予以通报表扬。",
    ]
    if bottom:
        paragraphs.append(
            "整改进度靠后的是："
            + "、".join(_unit_text(u, moves) for u in bottom)
            + "，予以通报批评，请相关单位主要负责同志切实加强调度，加快推进整改。"
        )
    return Section("二、先进与后进单位", tuple(paragraphs))


def _overdue_task(t: dict) -> str:
    text = (
        f"{t['code']}{t['name']}（{t['lead_unit'] or '未明确牵头单位'}，逾期{t['overdue_days']}天"
    )
    if t.get("extended"):
        text += "，已延期"
    return text + "）"


def _red_task(t: dict) -> str:
    return f"{t['code']}{t['name']}（{t['lead_unit'] or '未明确牵头单位'}，{t['reasons']}）"


def warnings(f: dict) -> Section:
    h = f["headline"]
    overdue = f.get("overdue_tasks") or []
    red = f.get("red_tasks") or []
    paragraphs = []
    if h["overdue"]:
        paragraphs.append(
            f"截至月底，逾期未完成整改任务{h['overdue']}个（按原定时限计）："
            + _tasks(overdue, _overdue_task)
            + "。"
        )
    else:
        paragraphs.append("截至月底，无逾期未完成整改任务。")
    if h["red"] or h["yellow"]:
        text = f"本月亮红灯任务{h['red']}个、黄牌任务{h['yellow']}个。"
        if red:
            text += "红灯任务为：" + _tasks(red, _red_task) + "。"
        paragraphs.append(text)
    else:
        paragraphs.append("本月无红灯、黄牌任务。")
    return Section("三、逾期与红黄牌情况", tuple(paragraphs))


def requirements(f: dict) -> Section:
    h = f["headline"]
    paragraphs = []
    if h["overdue"]:
        paragraphs.append(
            f"（一）对{h['overdue']}个逾期任务，牵头单位要逐项分析原因，制定倒排工期计划，"
            "于下月调度前书面报送市环督办；逾期仍未完成的，将按程序启动约谈、问责。"
        )
    if h["red"] or h["yellow"]:
        paragraphs.append(
            f"（{'二' if paragraphs else '一'}）对亮红灯、黄牌的任务，责任单位要立行立改，"
            "消除预警；连续亮牌的，市环督办将发函督办。"
        )
    number = "一二三四五"[len(paragraphs)]
    if h["behind"]:
        paragraphs.append(
            f"（{number}）{h['behind']}个任务未达到序时进度，责任单位要加大推进力度，确保按期完成。"
        )
        number = "一二三四五"[len(paragraphs)]
    if h["publicizing"] or h["in_review"]:
        paragraphs.append(
            f"（{number}）对验收中{h['in_review']}个、公示中{h['publicizing']}个任务，"
            "要严格按照销号标准做好验收和公示，公示期满无异议的及时办理销号。"
        )
        number = "一二三四五"[len(paragraphs)]
    paragraphs.append(
        f"（{number}）各责任单位要按月如实报送整改进展，上传整改佐证材料，"
        "坚决防止表面整改、敷衍整改和问题反弹。"
    )
    return Section("四、下步要求", tuple(paragraphs))


def dispatch_narrative(figures: dict) -> list[Section]:
    """总体进展, 先进与后进单位, 逾期与红黄牌, 下步要求 from a report's figures."""
    return [overall(figures), ranking(figures), warnings(figures), requirements(figures)]
