"""The plan import form in a real Chromium: choosing a mode shows only that mode's fields."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switching_mode_hides_the_other_modes_fields(page: Page, live_server, world, shoot):
    _login(page, live_server, "office", "pass-1234")
    page.goto(f"{live_server.url}/imports/")
    existing = page.get_by_test_id("mode-existing")
    new = page.get_by_test_id("mode-new")
    by_file = page.get_by_test_id("mode-file")
    # at first (导入到已有督察轮次): only the round select
    expect(page.locator("#id_round")).to_be_visible()
    expect(existing).to_be_visible()
    expect(new).to_be_hidden()
    expect(by_file).to_be_hidden()
    # 新建督察轮次: the new round's fields, not the round select
    page.locator("#mode_new").check()
    expect(new).to_be_visible()
    expect(page.get_by_label("新轮次代码")).to_be_visible()  # labelled (with its * mark)
    expect(page.locator("#id_kind")).to_be_visible()
    expect(existing).to_be_hidden()
    expect(page.locator("#id_round")).to_be_hidden()
    shoot(page, "import-form-new-round")
    # 按文件中的“督察轮次”列: neither
    page.locator("#mode_file").check()
    expect(by_file).to_be_visible()
    expect(existing).to_be_hidden()
    expect(new).to_be_hidden()
    # and back
    page.locator("#mode_existing").check()
    expect(page.locator("#id_round")).to_be_visible()
    expect(new).to_be_hidden()
