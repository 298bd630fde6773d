"""Suggestions for a unit name the unit table does not know.

Real plans name units by former names (institutional reform of 2018/2019 renamed and merged
many departments), by shortened names and with typos. Three sources of suggestions, in order:

1. known renames (RENAMES, data): 市环保局 → 市生态环境局, 市城市管理局 → 市城管执法局 …;
2. containment: 化工园区 → 示范化工园区管委会 (the written name inside a unit's name);
3. closeness by characters (difflib ratio) over full names, short names and aliases.
"""

import difflib
import re
from dataclasses import dataclass

# Former (or colloquial) name part → the names it became. Longest parts are tried first.
RENAMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("环境保护局", ("生态环境局",)),
    ("环保局", ("生态环境局",)),
    ("环境局", ("生态环境局",)),
    ("国土资源局", ("自然资源和规划局", "自然资源规划局", "自然资源局")),
    ("国土局", ("自然资源和规划局", "自然资源规划局", "自然资源局")),
    ("城乡规划局", ("自然资源和规划局", "自然资源规划局")),
    ("规划局", ("自然资源和规划局", "自然资源规划局")),
    ("城市管理行政执法局", ("城管执法局", "城市管理综合执法局")),
    ("城市管理局", ("城管执法局", "城市管理综合执法局")),
    ("城管局", ("城管执法局", "城市管理综合执法局")),
    ("水务局", ("水利局",)),
    ("水利局", ("水务局",)),
    ("农业委员会", ("农业农村局",)),
    ("农业局", ("农业农村局",)),
    ("农委", ("农业农村局",)),
    ("畜牧局", ("农业农村局",)),
    ("林业局", ("林业局", "林业和草原局", "自然资源局", "自然资源和规划局")),
    ("安全生产监督管理局", ("应急管理局",)),
    ("安监局", ("应急管理局",)),
    ("工商行政管理局", ("市场监督管理局", "市场监管局")),
    ("工商局", ("市场监督管理局", "市场监管局")),
    ("质量技术监督局", ("市场监督管理局", "市场监管局")),
    ("质监局", ("市场监督管理局", "市场监管局")),
    ("食品药品监督管理局", ("市场监督管理局", "市场监管局")),
    ("食药监局", ("市场监督管理局", "市场监管局")),
    ("卫生和计划生育委员会", ("卫生健康委员会", "卫生健康委", "卫健委")),
    ("卫计委", ("卫生健康委员会", "卫生健康委", "卫健委")),
    ("卫生局", ("卫生健康委员会", "卫生健康委", "卫健委")),
    ("发展和改革局", ("发展和改革委员会", "发展改革委", "发改委")),
    ("发展改革局", ("发展和改革委员会", "发展改革委", "发改委")),
    ("发改局", ("发展和改革委员会", "发展改革委", "发改委")),
    ("发改委", ("发展和改革局", "发展改革局", "发改局")),
    ("交通局", ("交通运输局",)),
    ("城乡建设委员会", ("住房和城乡建设局", "住建局")),
    ("城乡建设委", ("住房和城乡建设局", "住建局")),
    ("建设委员会", ("住房和城乡建设局", "住建局")),
    ("住建委", ("住房和城乡建设局", "住建局")),
    ("建委", ("住房和城乡建设局", "住建局")),
    ("建设局", ("住房和城乡建设局", "住建局")),
    ("规划建设局", ("住房和城乡建设局", "住建局")),
    ("经济和信息化委员会", ("经济和信息化局", "经信局")),
    ("经信委", ("经济和信息化局", "经信局")),
    ("海洋与渔业局", ("农业农村局", "自然资源局")),
)
_RENAMES = sorted(RENAMES, key=lambda r: len(r[0]), reverse=True)
MAX_SUGGESTIONS = 3
MIN_RATIO = 0.6


@dataclass(frozen=True)
class Suggestion:
    unit: object  # accounts.models.Unit
    reason: str  # "机构改革后更名" | "名称包含" | "名称相近"

    def as_dict(self) -> dict:
        return {
            "unit": self.unit.pk,
            "name": str(self.unit),
            "full_name": self.unit.name,
            "reason": self.reason,
        }


def _norm(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text).replace("(", "（").replace(")", "）")


class Suggester:
    """Built once per import from the unit index (`by_name`: normalised name → unit ids;
    `units`: id → unit); `prefer` orders units in the round's region subtree first."""

    def __init__(self, by_name: dict[str, set[int]], units: dict, *, prefer=None):
        self.by_name = by_name
        self.units = units
        self.prefer = prefer or (lambda unit: True)
        self._cache: dict[str, list[Suggestion]] = {}

    def suggest(self, name: str) -> list[Suggestion]:
        key = _norm(name)
        if key not in self._cache:
            self._cache[key] = self._suggest(key)
        return self._cache[key]

    def _suggest(self, key: str) -> list[Suggestion]:
        found: dict[int, Suggestion] = {}

        def add(ids, reason):
            for pk in sorted(ids, key=lambda pk: (not self.prefer(self.units[pk]), pk)):
                found.setdefault(pk, Suggestion(self.units[pk], reason))

        # 1. Renames: replace the former name part, look the result up as written.
        for old, news in _RENAMES:
            if old not in key:
                continue
            for new in news:
                candidate = key.replace(old, new, 1)
                if candidate != key:
                    add(self.by_name.get(candidate, ()), "机构改革后更名")
            if found:
                break
        if not found:
            for old, news in _RENAMES:
                if old in key:
                    # Same level (the part before the department), any unit with the new name.
                    prefix = key[: key.index(old)]
                    for name, ids in self.by_name.items():
                        if name.startswith(prefix) and any(name.endswith(n) for n in news):
                            add(ids, "机构改革后更名")
                    break
        # 2. Containment: the written name inside a unit's name.
        if len(key) >= 3:
            add(
                {
                    pk
                    for name, ids in self.by_name.items()
                    if key in name and name != key
                    for pk in ids
                },
                "名称包含",
            )
        # 3. Closeness by characters.
        scored = []
        for name, ids in self.by_name.items():
            matcher = difflib.SequenceMatcher(None, key, name)
            if matcher.real_quick_ratio() < MIN_RATIO or matcher.quick_ratio() < MIN_RATIO:
                continue
            ratio = matcher.ratio()
            if ratio >= MIN_RATIO:
                scored.append((ratio, name, ids))
        scored.sort(key=lambda s: (-s[0], s[1]))
        for _ratio, _name, ids in scored:
            add(ids, "名称相近")
        ordered = (
            sorted(found.values(), key=lambda s: (not self.prefer(s.unit),))
            if len(found) > MAX_SUGGESTIONS
            else list(found.values())
        )
        return ordered[:MAX_SUGGESTIONS]
