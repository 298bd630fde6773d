"""Schemathesis against the served OpenAPI schema, once per persona.

The schema is fetched from /api/schema/ through the project's WSGI application, and every
operation of this API (/api/v1/, except the Excel import/ledger endpoints and the document downloads, which their own
tests cover) is called with generated requests under each persona's token. Checks: no 5xx,
only documented status codes and content types, and bodies that match the documented schema.

Schemathesis 4's pytest loader (`schemathesis.pytest.from_fixture`) uses a pytest node
attribute that pytest 9 removed, so each operation's Hypothesis strategy is driven here
directly with `@given`; the checks are schemathesis' own. A handful of examples per operation
keeps the eight personas to a couple of minutes.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import PERSONAS, api_key

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 6


@pytest.fixture
def served_schema(api_world):
    """The schema as served, bound to the WSGI app that runs inside the test transaction."""
    from config.wsgi import application

    # The WSGI handler closes "obsolete" connections around each request; inside the test's
    # transaction that would drop it. Django's test client makes the same disconnect.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
        yield schema.exclude(path_regex=r"^/api/v1/(imports|ledger|documents)")
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_conforms_to_schema(served_schema, api_world, persona):
    headers = {}
    if persona != "anonymous":
        user = getattr(api_world, persona)
        headers["Authorization"] = f"Token {api_key(user)}"
    operations = [result.ok() for result in served_schema.get_all_operations()]
    assert len(operations) >= 50
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
