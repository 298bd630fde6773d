"""A big plan in a real Chromium: the office confirms the preview, lands on the job's page,
and htmx refreshes the progress until the background job has committed the plan."""

import pytest
from playwright.sync_api import Page, expect

from accounts.choices import UnitKind
from exchange.models import ImportJob
from exchange.plan_import import jobs
from rectification.models import Task
from tests.browser.test_journeys import _login
from tests.excel.test_background_import import big_plan
from tests.factories import UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_job_page_follows_the_background_import(
    page: Page, live_server, world, tmp_path, settings, shoot
):
    settings.IMPORT_BACKGROUND_ROWS = 5
    UnitFactory(
        name="示范市生态环境局", short_name="市生态环境局", kind=UnitKind.DEPT, region=world.city
    )
    plan = tmp_path / "big.xlsx"
    plan.write_bytes(big_plan(world, rows=30))
    # given the office's preview of a 30-row plan (above the threshold of 5)
    _login(page, live_server, "office", "pass-1234")
    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("#id_file", str(plan))
    page.select_option("#id_round", str(world.round.pk))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("import-background")).to_be_visible()
    # when it confirms, it lands on the job's page, queued, with a progress bar
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_test_id("import-job-status")).to_have_text("排队中")
    expect(page.get_by_role("progressbar")).to_be_visible()
    shoot(page, "import-job-queued")
    # and when the worker runs the queue, the page shows the result without a reload
    assert jobs.run_queued().done == 1
    expect(page.get_by_test_id("import-job-status")).to_have_text("已完成")
    expect(page.get_by_test_id("import-job-result")).to_contain_text("新建任务 30 个")
    expect(page.get_by_role("progressbar")).to_have_count(0)
    shoot(page, "import-job-done")
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    assert Task.objects.filter(round=world.round).count() == 2 + 30
