"""The plan import page's form: every field labelled, Bootstrap selects, one group per mode
under its own heading (static/js/import_form.js shows only the chosen one)."""

import re

from django.urls import reverse

FIELDS = {
    "id_file": "整改方案 Excel 文件（.xlsx）",
    "id_round": "督察轮次",
    "id_code": "新轮次代码",
    "id_name": "新轮次名称",
    "id_kind": "督察类型",
    "id_level": "层级",
    "id_region": "被督察地区",
}


def _page(world, login) -> str:
    response = login(world.office).get(reverse("plan_import"))
    assert response.status_code == 200
    return response.content.decode()


def test_every_field_has_its_label(world, login):
    body = _page(world, login)
    for field_id, label in FIELDS.items():
        # given the field is on the page, then a <label for> names it
        assert re.search(rf'<(input|select)[^>]*\bid="{field_id}"', body), field_id
        found = re.search(rf'<label[^>]*for="{field_id}"[^>]*>([^<]*)', body)
        assert found, field_id
        assert found.group(1).strip() == label
    for value in ("existing", "new", "file"):
        assert re.search(rf'<label class="form-check-label" for="mode_{value}">', body)


def test_selects_are_bootstrap_selects(world, login):
    body = _page(world, login)
    selects = re.findall(r"<select[^>]*>", body)
    assert len(selects) == 4  # round, kind, level, region
    for select in selects:
        assert 'class="form-select"' in select


def test_each_mode_has_its_group_and_heading(world, login):
    body = _page(world, login)
    groups = dict(
        re.findall(r'data-import-mode="(\w+)"[^>]*>\s*<legend[^>]*>([^<]*)</legend>', body)
    )
    assert groups == {
        "existing": "导入到已有督察轮次（含更新已导入的整改方案）",
        "new": "新建督察轮次",
        "file": "按文件中的“督察轮次”列",
    }
    # the round select is in the first group, the new round's fields in the second
    existing = body.split('data-import-mode="existing"')[1].split("data-import-mode=")[0]
    new = body.split('data-import-mode="new"')[1].split("data-import-mode=")[0]
    assert 'id="id_round"' in existing and 'id="id_code"' not in existing
    for field_id in ("id_code", "id_name", "id_kind", "id_level", "id_region"):
        assert f'id="{field_id}"' in new
    # the switching is a static file, no inline script
    assert "js/import_form.js" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", body.split("</footer>")[0])
