"""Parsers for the cells offices actually write: deadlines in words, packed unit cells,
Chinese numbering. Pure functions; they raise ValueError with a Chinese reason."""

import re
from dataclasses import dataclass
from datetime import date

# Re-exported: the deadline parser lives in its own module, the importer reads it from here.
from exchange.plan_import.deadlines import Deadline, Stage, parse_deadline  # noqa: F401
from inspections.choices import DeadlineType

# ---------------------------------------------------------------------------------------------
# Deadlines


def format_deadline(deadline_type: str, deadline: date | None, is_ongoing: bool) -> object:
    """The export's 整改时限 cell; parse_deadline reads it back to the same values (an ONGOING
    task with a date is written "长期坚持（2019-12-31）")."""
    suffix = "，长期坚持" if is_ongoing else ""
    if deadline_type == DeadlineType.IMMEDIATE:
        dated = f"（{deadline:%Y-%m-%d}）" if deadline else ""
        return f"立行立改{dated}{suffix}"
    if deadline is None:
        return "长期坚持"
    if deadline_type == DeadlineType.ONGOING:
        return f"长期坚持（{deadline:%Y-%m-%d}）"
    if suffix:
        return f"{deadline:%Y-%m-%d}{suffix}"
    return deadline


# ---------------------------------------------------------------------------------------------
# Units packed in one cell


@dataclass(frozen=True)
class UnitNames:
    lead: tuple[str, ...] = ()
    coop: tuple[str, ...] = ()
    territorial: tuple[str, ...] = ()


_SEPARATORS = re.compile(r"[、，,；;/／\n\r|｜]+")
# One level of brackets inside: "（责任单位：各县（市、区）人民政府）".
_WRAPPER = re.compile(r"[（(]\s*责任单位\s*[:：]\s*((?:[^（）()]|[（(][^（）()]*[）)])*)[）)]")
_LABELLED = re.compile(
    r"(牵头单位|牵头部门|牵头|配合单位|配合部门|配合|责任单位|属地责任单位|属地)\s*[:：]"
)
_SUFFIX_ROLE = re.compile(r"^(.*?)(牵头|配合|负责|参与|协助)$")


def _top_level_parts(text: str) -> list[str]:
    """Split at the separators outside brackets: "各县（市、区）人民政府、市住建局" is two names,
    not four."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(depth - 1, 0)
        elif depth == 0 and _SEPARATORS.fullmatch(ch):
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _strip_unbalanced(part: str) -> str:
    """Drop brackets left over from the text around a name ("（市住建局" → "市住建局"), keep a
    bracket that belongs to it ("各县（市、区）")."""
    while part and part[0] in "（(" and _depth(part) > 0:
        part = part[1:].strip()
    while part and part[-1] in "）)" and _depth(part) < 0:
        part = part[:-1].strip()
    return part.strip("。.：:…")


def _depth(text: str) -> int:
    return sum(ch in "（(" for ch in text) - sum(ch in "）)" for ch in text)


def split_names(text: str) -> list[str]:
    names = []
    for part in _top_level_parts(text):
        part = _strip_unbalanced(part.strip().strip("。.：:…"))
        part = re.sub(r"^(等|及|和)", "", part)
        part = re.sub(r"(等单位|等部门|等)$", "", part)
        if part:
            names.append(part)
    return names


def _role_of_label(label: str) -> str:
    if label.startswith("牵头"):
        return "lead"
    if label.startswith("配合"):
        return "coop"
    return "territorial"


def parse_units(text: object) -> UnitNames:
    """One cell naming units with or without roles.

    "市生态环境局牵头，市发改委、市经信局配合" / "牵头单位：A；配合单位：B、C" /
    "（责任单位：A、B）" / "A、B" (first is the lead, the rest cooperate).
    """
    if text is None:
        return UnitNames()
    raw = str(text).strip()
    if not raw:
        return UnitNames()
    wrapped = _WRAPPER.findall(raw)
    if wrapped:
        raw = "、".join(wrapped)
    roles: dict[str, list[str]] = {"lead": [], "coop": [], "territorial": []}
    labels = list(_LABELLED.finditer(raw))
    if labels:
        for i, m in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(raw)
            roles[_role_of_label(m[1])].extend(split_names(raw[m.end() : end]))
        return UnitNames(tuple(roles["lead"]), tuple(roles["coop"]), tuple(roles["territorial"]))
    # "A牵头，B、C配合": a role word closes the list of names written before it.
    chunks = re.split(r"(牵头|配合|负责|参与|协助)", raw)
    if len(chunks) > 1:
        pending: list[str] = []
        for chunk in chunks:
            if chunk in ("牵头", "负责"):
                roles["lead"].extend(pending)
                pending = []
            elif chunk in ("配合", "参与", "协助"):
                roles["coop"].extend(pending)
                pending = []
            else:
                pending.extend(split_names(chunk))
        roles["coop"].extend(pending)
        if not roles["lead"] and roles["coop"]:
            roles["lead"].append(roles["coop"].pop(0))
        return UnitNames(tuple(roles["lead"]), tuple(roles["coop"]), ())
    names = split_names(raw)
    return UnitNames(tuple(names[:1]), tuple(names[1:]), ())


# ---------------------------------------------------------------------------------------------
# Chinese numbering: "一、" "（三）" "1." "3-2" "第一方面"

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS.update({"七": 7, "八": 8, "九": 9})


def chinese_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23, 12 → 12."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    total = 0
    for ch in text:
        total = total * 10 + _CN_DIGITS[ch]
    return total


_CN = "[一二三四五六七八九十两〇零]+"
_NUMBERING = (
    re.compile(rf"^第\s*({_CN}|\d+)\s*(?:方面|类|项|部分|条)\s*[、.．:：\s]*"),
    re.compile(rf"^[（(]\s*({_CN}|\d+)\s*[）)]\s*[、.．]?\s*"),
    re.compile(rf"^({_CN})\s*[、.．]\s*"),
    re.compile(r"^(\d+(?:\s*[-－—.．]\s*\d+)+)(?=\s|[^\d]|$)\s*[、.．]?\s*"),
    re.compile(r"^(\d+)\s*[、.．]\s*"),
    re.compile(r"^(\d+)\s+"),
)


@dataclass(frozen=True)
class Numbered:
    number: str  # "3", "3-2" (as written, normalized), or "" when unnumbered
    seq: int | None  # the last number: 一 → 1, 3-2 → 2
    title: str


def parse_numbering(text: object) -> Numbered:
    value = str(text or "").strip()
    for pattern in _NUMBERING:
        m = pattern.match(value)
        if m:
            raw = re.sub(r"\s+", "", m[1])
            parts = [p for p in re.split(r"[-－—.．]", raw) if p]
            number = "-".join(str(chinese_number(p)) for p in parts)
            return Numbered(number, chinese_number(parts[-1]), value[m.end() :].strip())
    return Numbered("", None, value)


def is_aspect_heading(text: str) -> bool:
    """ "一、贯彻落实…" or "第一方面 …": a section row in a 公示表."""
    return bool(re.match(rf"^(第\s*{_CN}\s*方面|{_CN}\s*[、.．])", text.strip()))


def is_category_heading(text: str) -> bool:
    return bool(re.match(rf"^[（(]\s*{_CN}\s*[）)]", text.strip()))
