"""API tokens (hashed, named, expiring, read-only or read-write, revocable by their owner),
rate limits per token, user and address, and the headers of logged-in and API responses."""

import hashlib
import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import clock, tokens
from accounts.choices import TokenScope
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _issue(user, scope=TokenScope.WRITE, days=None):
    return tokens.api_token_create(user=user, actor=user, name="对接系统", scope=scope, days=days)


# ---------------------------------------------------------------------------------------------
# Tokens


def test_only_the_hash_of_a_key_is_stored(world):
    issued = _issue(world.reporter)
    row = ApiToken.objects.values().get(pk=issued.token.pk)
    assert row["key_hash"] == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key not in {str(v) for v in row.values()}
    assert issued.key.startswith(row["prefix"])


def test_default_expiry_is_configurable(world, settings):
    settings.API_TOKEN_DAYS = 7
    token = _issue(world.reporter).token
    assert timedelta(days=6, hours=23) < token.expires_at - clock.now() <= timedelta(days=7)


def test_an_expired_token_is_refused(world):
    issued = _issue(world.reporter, days=1)
    client = _client(issued.key)
    assert client.get("/api/v1/tasks/").status_code == 200
    with clock.travel(clock.now() + timedelta(days=1, minutes=1)):
        response = client.get("/api/v1/tasks/")
    assert response.status_code == 401
    assert "过期" in response.json()["detail"]


def test_read_only_token_reads_but_cannot_write(world):
    client = _client(_issue(world.reporter, scope=TokenScope.READ).key)
    assert client.get(f"/api/v1/tasks/{world.task.pk}/").status_code == 200
    response = client.post(
        f"/api/v1/tasks/{world.task.pk}/report/", {"progress_text": "开工", "progress_pct": 5}
    )
    assert response.status_code == 403
    assert "只读" in response.json()["detail"]
    assert not world.task.reports.exists()
    # a read-write token of the same user may
    writer = _client(_issue(world.reporter, scope=TokenScope.WRITE).key)
    response = writer.post(
        f"/api/v1/tasks/{world.task.pk}/report/", {"progress_text": "开工", "progress_pct": 5}
    )
    assert response.status_code == 201


def test_bad_input_for_a_token_is_refused_in_chinese(world):
    from accounts.errors import InvalidInput

    for kwargs, message in (
        ({"name": " "}, "名称"),
        ({"name": "x", "scope": "ADMIN"}, "权限"),
        ({"name": "x", "days": 0}, "有效期"),
        ({"name": "x", "days": 10_000}, "有效期"),
    ):
        with pytest.raises(InvalidInput, match=message):
            tokens.api_token_create(user=world.reporter, actor=world.reporter, **kwargs)
    assert not ApiToken.objects.exists()


def test_owner_makes_lists_and_revokes_tokens_on_the_page(world):
    client = Client()
    client.force_login(world.reporter)
    # the profile page links to the tokens page
    profile = client.get(reverse("profile")).content.decode()
    assert reverse("api_tokens") in profile
    # when the owner submits the form the page shows, the key is shown once
    page = client.get(reverse("api_tokens"))
    assert 'data-testid="token-form"' in page.content.decode()
    created = client.post(
        reverse("api_tokens"), {"name": "区数据中台", "scope": "READ", "days": "30"}
    )
    assert created.status_code == 200
    key = created.context["issued"].key
    assert key in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    # and never again
    listed = client.get(reverse("api_tokens")).content.decode()
    assert key not in listed and "区数据中台" in listed and "有效" in listed
    assert _client(key).get("/api/v1/tasks/").status_code == 200
    # revoked with the button of its row
    token = ApiToken.objects.get(user=world.reporter)
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert "已吊销" in client.get(reverse("api_tokens")).content.decode()
    assert _client(key).get("/api/v1/tasks/").status_code == 401


def test_a_token_form_with_bad_input_changes_nothing(world):
    client = Client()
    client.force_login(world.reporter)
    response = client.post(reverse("api_tokens"), {"name": "x", "scope": "READ", "days": "9999"})
    assert response.status_code == 400
    assert "有效期" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_nobody_lists_or_revokes_anothers_token(world):
    issued = _issue(world.office)
    client = Client()
    client.force_login(world.reporter)
    assert issued.token.name not in client.get(reverse("api_tokens")).content.decode()
    client.post(reverse("api_token_revoke", args=[issued.token.pk]))
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None
    assert _client(issued.key).get("/api/v1/tasks/").status_code == 200


def test_admin_lists_and_revokes_tokens(world):
    issued = _issue(world.reporter)
    client = Client()
    client.force_login(world.admin)
    changelist = reverse("admin:accounts_apitoken_changelist")
    assert issued.token.prefix in client.get(changelist).content.decode()
    client.post(changelist, {"action": "revoke", "_selected_action": [issued.token.pk]})
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert _client(issued.key).get("/api/v1/tasks/").status_code == 401


def test_migration_hashes_existing_clear_keys(world):
    """Keys of DRF's old authtoken table keep working once hashed; the clear keys are gone."""
    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0003_hash_existing_api_tokens")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, "
            "user_id integer NOT NULL)"
        )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [key, clock.now(), world.office.pk],
            )
        migration.hash_existing_tokens(apps, SimpleNamespace(connection=connection))
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
    token = ApiToken.objects.get(user=world.office)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.scope == TokenScope.WRITE
    assert _client(key).get("/api/v1/tasks/").json()["count"] == 2


# ---------------------------------------------------------------------------------------------
# Rate limits


@pytest.fixture
def rates(settings):
    """Low rates and a fresh, private counter cache (DRF's throttles would cache the rates on
    their class; accounts.throttles reads them at each request)."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    }

    def set_rates(**rates):
        settings.API_THROTTLE_RATES = rates

    yield set_rates
    from django.core.cache import caches

    caches["throttle"].clear()


def test_a_user_over_its_rate_gets_429_in_chinese(world, rates):
    rates(user="3/min")
    client = APIClient()
    client.force_login(world.reporter)
    codes = [client.get("/api/v1/tasks/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/tasks/")
    assert "请求过于频繁" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    # another user is not held back
    other = APIClient()
    other.force_login(world.office)
    assert other.get("/api/v1/tasks/").status_code == 200


def test_the_user_rate_counts_all_its_tokens_together(world, rates):
    rates(user="3/min", token="10/min")
    first = _client(_issue(world.reporter).key)
    second = _client(_issue(world.reporter).key)
    assert [first.get("/api/v1/tasks/").status_code for _ in range(2)] == [200, 200]
    assert [second.get("/api/v1/tasks/").status_code for _ in range(2)] == [200, 429]


def test_the_token_rate_is_per_token(world, rates):
    rates(token="2/min")
    first = _client(_issue(world.reporter).key)
    second = _client(_issue(world.reporter).key)
    assert [first.get("/api/v1/tasks/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/tasks/").status_code == 200


def test_anonymous_calls_are_limited_per_address(world, rates):
    # (an anonymous call to a data endpoint is a 401 before any rate is counted; the schema
    # is open to anybody)
    rates(anon="2/min")
    client = APIClient()
    codes = [client.get("/api/schema/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_no_rate_means_no_limit(world, rates):
    rates(user=None)
    client = APIClient()
    client.force_login(world.reporter)
    assert {client.get("/api/v1/tasks/").status_code for _ in range(5)} == {200}


# ---------------------------------------------------------------------------------------------
# Headers


def test_logged_in_pages_are_never_stored(world):
    client = Client()
    client.force_login(world.reporter)
    for url in (reverse("task_list"), reverse("task_detail", args=[world.task.pk]), "/me/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"


def test_api_responses_are_never_stored(world):
    assert APIClient().get("/api/v1/tasks/")["Cache-Control"] == "no-store"  # 401
    client = _client(_issue(world.reporter).key)
    assert client.get("/api/v1/tasks/")["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/login/", "/api/v1/tasks/", "/healthz"])
def test_permissions_policy_everywhere(db, url):
    policy = Client().get(url)["Permissions-Policy"]
    features = dict(part.strip().split("=") for part in policy.split(","))
    assert features["camera"] == "(self)"
    assert features["geolocation"] == "(self)"
    assert features["microphone"] == "()"
    assert features["payment"] == "()"
