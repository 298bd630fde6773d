"""The Content-Security-Policy (issue 15, item 5): every answer carries it — pages, the API,
error pages, the public page — with scripts from this site only, and no template holds a
script the policy would refuse (an inline one or an inline event handler). The browser test
(tests/browser/test_csp.py) shows that the pages run under it without a violation."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# <script> elements the browser would run: without src and not a data block.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def _directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.parametrize("path", ["/login/", "/public/", "/no-such-page/", "/api/v1/tasks/"])
def test_every_answer_carries_the_policy(client, path):
    directives = _directives(client.get(path))
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]


def test_a_logged_in_page_carries_it_too(client, demo_city_shared):
    client.force_login(demo_city_shared.users["office"])
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in _directives(response)["script-src"]
    assert "'unsafe-eval'" not in _directives(response)["script-src"]
    # the page's figures travel as a JSON data block, which the policy does not run
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_no_template_holds_a_script_the_policy_refuses():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        offenders += [
            f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)
        ]
        offenders += [
            f"{path.relative_to(TEMPLATES)}: {m.group(0).strip()}"
            for m in EVENT_HANDLER.finditer(text)
        ]
    assert offenders == []
