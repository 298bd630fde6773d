"""The office's choices for one file, carried from preview to commit by the page's forms
and the API's fields: how group units become tasks, which unit an unknown name means, and
the fingerprint of what the preview showed (the commit refuses a different plan)."""

import json
from dataclasses import dataclass, field

from exchange.plan_import.errors import ImportRefused
from exchange.plan_import.groups import DEFAULT_MODE, MODES


@dataclass(frozen=True)
class ImportOptions:
    group_mode: str = DEFAULT_MODE  # the batch's default for every row with a county group
    group_overrides: dict[int, str] = field(default_factory=dict)  # row → mode
    unit_map: dict[str, int] = field(default_factory=dict)  # name as written → unit id
    fingerprint: str = ""  # commit only: the preview's plan fingerprint

    def mode_for(self, row: int) -> str:
        return self.group_overrides.get(row, self.group_mode)

    def form_fields(self) -> list[tuple[str, str]]:
        """The hidden inputs that carry these options in a page form."""
        fields = [("group_mode", self.group_mode)]
        fields += [(f"group_row_{row}", mode) for row, mode in sorted(self.group_overrides.items())]
        fields += [("unit_map", f"{pk}:{name}") for name, pk in self.unit_map.items()]
        return fields

    def as_api(self) -> dict:
        """The API's fields for these options (options_from_api reads them back): how a
        background import job keeps the office's choices."""
        return {
            "group_mode": self.group_mode,
            "group_overrides": {str(row): mode for row, mode in self.group_overrides.items()},
            "unit_map": dict(self.unit_map),
            "fingerprint": self.fingerprint,
        }


def _mode(value: object, where: str) -> str:
    mode = str(value or "").strip()
    if mode not in MODES:
        raise ImportRefused(f"{where}无效：“{mode}”（可选：{'、'.join(MODES)}）")
    return mode


def _json(value, what: str):
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else {}
        except ValueError:
            raise ImportRefused(f"{what}不是有效的 JSON") from None
    return value or {}


def options_from_form(post) -> ImportOptions:
    """From a page form: group_mode, group_row_<n> = mode, unit_map = "<id>:<name>" (repeated),
    fingerprint."""
    overrides = {}
    for key in post:
        if key.startswith("group_row_") and key[10:].isdigit() and post.get(key):
            # An empty choice is "the batch's default" (the per-row select's first option).
            overrides[int(key[10:])] = _mode(post.get(key), f"第{key[10:]}行的单位组处理方式")
    unit_map = {}
    for value in post.getlist("unit_map") if hasattr(post, "getlist") else post.get("unit_map", []):
        pk, _, name = str(value).partition(":")
        if pk.isdigit() and name.strip():
            unit_map[name.strip()] = int(pk)
    return ImportOptions(
        group_mode=_mode(post.get("group_mode") or DEFAULT_MODE, "单位组处理方式"),
        group_overrides=overrides,
        unit_map=unit_map,
        fingerprint=str(post.get("fingerprint") or "")[:64],
    )


def options_from_api(data) -> ImportOptions:
    """From the API: group_mode, group_overrides {row: mode}, unit_map {name: unit id} (JSON
    objects, or JSON strings in a multipart upload), fingerprint."""
    overrides = {}
    raw = _json(data.get("group_overrides"), "group_overrides")
    if not isinstance(raw, dict):
        raise ImportRefused("group_overrides 应为 {行号: 处理方式}")
    for row, mode in raw.items():
        if not str(row).isdigit():
            raise ImportRefused(f"group_overrides 的行号无效：“{row}”")
        overrides[int(row)] = _mode(mode, f"第{row}行的单位组处理方式")
    unit_map = {}
    raw = _json(data.get("unit_map"), "unit_map")
    if not isinstance(raw, dict):
        raise ImportRefused("unit_map 应为 {单位名称: 单位id}")
    for name, pk in raw.items():
        if not str(pk).isdigit() or not str(name).strip():
            raise ImportRefused(f"unit_map 中“{name}”对应的单位id无效")
        unit_map[str(name).strip()] = int(pk)
    return ImportOptions(
        group_mode=_mode(data.get("group_mode") or DEFAULT_MODE, "group_mode"),
        group_overrides=overrides,
        unit_map=unit_map,
        fingerprint=str(data.get("fingerprint") or "")[:64],
    )
