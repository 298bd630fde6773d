"""Authentication (session with CSRF, tokens for systems), the OpenAPI schema and its docs."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import hash_key
from tests.api.conftest import api_key


def test_create_api_token_command_gives_a_working_token(world):
    # given a system account; when the command creates its token
    out = io.StringIO()
    call_command("create_api_token", world.office.username, stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    # then the token authenticates API calls as that account, with its scope
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    # only its hash is stored, it is read-only by default and expires in 90 days
    token = ApiToken.objects.get(user=world.office)
    assert key not in (token.key_hash, token.prefix) and token.key_hash == hash_key(key)
    assert token.scope == "READ"
    assert round((token.expires_at - token.created_at).total_seconds() / 86400) == 90
    # running it again makes another token (the first is never shown again); --rotate
    # revokes the account's others
    again = io.StringIO()
    call_command("create_api_token", world.office.username, "--read-write", stdout=again)
    assert again.getvalue().strip() != key
    assert ApiToken.objects.get(key_hash=hash_key(again.getvalue().strip())).scope == "WRITE"
    rotated = io.StringIO()
    call_command(
        "create_api_token", world.office.username, "--rotate", stdout=rotated, stderr=io.StringIO()
    )
    assert rotated.getvalue().strip() != key
    assert client.get("/api/v1/tasks/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {rotated.getvalue().strip()}")
    assert client.get("/api/v1/tasks/").status_code == 200


def test_create_api_token_for_unknown_user_fails(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="用户不存在"):
        call_command("create_api_token", "nobody")


def test_token_writes_need_no_csrf(world, as_persona):
    client = as_persona("reporter", token=True)
    response = client.post(
        f"/api/v1/tasks/{world.task.pk}/report/", {"progress_text": "开工", "progress_pct": 5}
    )
    assert response.status_code == 201


def test_bad_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000")
    assert client.get("/api/v1/tasks/").status_code == 401


def test_anonymous_gets_401_with_challenge(db):
    response = APIClient().get("/api/v1/tasks/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_write_without_csrf_token_is_refused(world):
    # given a browser session (CSRF enforced as in a real browser)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.reporter)
    # when it posts without the CSRF token; then 403 and nothing reported
    response = client.post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {"progress_text": "开工", "progress_pct": 5},
        format="json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert world.task.reports.count() == 0


def test_evidence_upload_and_scoped_download(world, as_persona, png_file):
    # given the reporter uploads a photo (multipart)
    response = as_persona("reporter").post(
        f"/api/v1/tasks/{world.task.pk}/evidence/",
        {"file": png_file("before.png"), "kind": "BEFORE", "title": "整改前"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    attachment = response.json()
    assert attachment["kind"] == "BEFORE"
    # when the office downloads it, the bytes come back as an attachment
    download = as_persona("office").get(f"/api/v1/attachments/{attachment['id']}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    # and someone outside the task's units gets 404
    assert (
        as_persona("outsider").get(f"/api/v1/attachments/{attachment['id']}/download/").status_code
        == 404
    )


def test_hostile_upload_is_400_not_500(world, as_persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script>", "image/png")
    response = as_persona("reporter").post(
        f"/api/v1/tasks/{world.task.pk}/evidence/",
        {"file": fake, "kind": "BEFORE"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_report_with_files_in_multipart(world, as_persona, png_file):
    response = as_persona("reporter").post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {
            "progress_text": "管网铺设过半",
            "progress_pct": 50,
            "files": [png_file("a.png"), png_file("b.png")],
            "file_kind": "DURING",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert world.task.attachments.filter(kind="DURING").count() == 2


def test_schema_validates_without_warnings(tmp_path):
    # the same check CI runs: every operation documented, no warning
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    text = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/v1/tasks/{id}/report/", "/api/v1/closeouts/{id}/accept/"):
        assert path in text


def test_schema_and_docs_are_served_with_local_assets(client, db):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    from config.api import router

    prefixes = tuple(f"/api/v1/{prefix}/" for prefix, _, _ in router.registry)
    paths = schema.json()["paths"]
    operations = [op for p, item in paths.items() if p.startswith(prefixes) for op in item.values()]
    assert len(operations) >= 50
    # every operation of this router lists its error answers
    for op in operations:
        assert "401" in op["responses"], op["operationId"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"drf_spectacular_sidecar/swagger-ui-dist" in docs.content
    assert b"cdn" not in docs.content.lower()
    # Swagger UI's init script is a file of its own (no inline script under the CSP)
    assert b"<script>" not in docs.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content
    # ReDoc is not offered: its page loads its logo from cdn.redoc.ly (no CDN at run time)
    assert client.get("/api/redoc/").status_code == 404


def test_a_wrong_or_disabled_token_is_refused(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/tasks/").status_code == 401
    key = api_key(world.reporter)
    world.reporter.is_active = False
    world.reporter.save(update_fields=["is_active"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/tasks/").status_code == 401


def test_the_user_comes_with_its_unit_and_region(world, django_assert_num_queries):
    """accounts.backends: the session's and the token's user are loaded with their unit and
    region, so the scope of an office or a leader costs no query of its own."""
    from django.contrib.auth import get_user_model

    from accounts.backends import TokenWithUnitAuthentication, UserWithUnitBackend

    key = api_key(world.office)
    with django_assert_num_queries(2):  # one each
        user = UserWithUnitBackend().get_user(world.office.pk)
        assert user.unit.region.path == world.city.path
        token_user, _ = TokenWithUnitAuthentication().authenticate_credentials(key)
    assert token_user.unit.region.path == world.city.path  # cached: no query
    # an inactive user has no session
    get_user_model().objects.filter(pk=world.office.pk).update(is_active=False)
    assert UserWithUnitBackend().get_user(world.office.pk) is None
