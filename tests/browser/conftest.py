"""Playwright in Debian's Chromium (docs/recipes.md): never `playwright install`."""

import os
from pathlib import Path

import pytest

from tests.accounts.conftest import next_code
from tests.conftest import skip_or_fail

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} is missing")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shoot():
    """Save a full-page screenshot as var/screenshots/<name>.png (not test-results/, which
    pytest-playwright empties at the start of every session)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _patient_expectations():
    # The CI machine has two cores shared by the live server, Chromium and xdist workers.
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


def log_in(page, live_server, username: str, password: str) -> None:
    """Log in through the real form; for an account with an authenticator (the demo's office
    and administrator), the code page too, with the code its app would show now."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url or "/login/verify/" in url)
    if "/login/verify/" in page.url:
        page.get_by_label("验证码").fill(next_code(username))
        page.get_by_role("button", name="验证").click()
        page.wait_for_url(lambda url: "/login/" not in url)
