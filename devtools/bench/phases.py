"""Where a request's time goes, phase by phase (issue 16: profile before optimising).

`phase_timer()` times the requests made inside it (through the Django test client, in this
process) and splits each into:

- middleware: everything outside the view function (the middleware stack, the handler, URL
  resolving), less the SQL it runs;
- sql: time spent in the database driver, wherever it runs (middleware, view, template),
  of which `session_auth` is the session, user and second-factor device reads;
- template: rendering Django templates (the outermost render only);
- serialise: DRF serializers turning rows into data, and renderers turning data into bytes;
- view_python: the rest of the view: building querysets and compiling their SQL, the
  product's own logic, model instances.

The split is by wall time on one thread; each phase's time excludes the phases nested in it
(SQL run while a template renders counts as SQL), so the phases add up to the request.
"""

import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from statistics import median
from unittest import mock

from django.core.handlers.base import BaseHandler
from django.db import connections
from django.template.backends.django import Template as BackendTemplate
from rest_framework import renderers, serializers

SESSION_TABLES = ("django_session", "accounts_user", "otp_totp_totpdevice", "otp_static")
# The table a statement reads or writes: the first FROM / UPDATE / INSERT INTO target (the
# navigation's counts select FROM accounts_user too, behind their subqueries: not a login read).
_OWN_TABLE = re.compile(r'^\s*(?:SELECT\b.*?\bFROM|UPDATE|INSERT INTO|DELETE FROM)\s+"(\w+)"', re.S)


def _session_or_user(statement: str) -> bool:
    """A read or write of the session, the user or the second-factor device (not a statement
    that merely joins them, nor one whose subqueries come before its own FROM)."""
    head = (
        statement.split("(SELECT", 1)[0] if statement.lstrip().startswith("SELECT") else statement
    )
    match = _OWN_TABLE.match(head)
    return bool(match) and match.group(1).startswith(SESSION_TABLES)


@dataclass
class Phases:
    requests: list[dict[str, float]] = field(default_factory=list)
    # Exclusive milliseconds per phase of the request being timed; the open phases' stack
    # as [phase, started, time of the phases nested in it].
    _current: dict[str, float] = field(default_factory=dict)
    _stack: list[list] = field(default_factory=list)

    def enter(self, phase: str) -> bool:
        if self._stack and self._stack[-1][0] == phase:
            return False  # nested in itself (a template including another): one phase
        self._stack.append([phase, time.perf_counter(), 0.0])
        return True

    def leave(self) -> float:
        phase, started, nested = self._stack.pop()
        elapsed = time.perf_counter() - started
        self._current[phase] = self._current.get(phase, 0.0) + (elapsed - nested) * 1000
        if self._stack:
            self._stack[-1][2] += elapsed
        return elapsed

    def medians(self) -> dict[str, float]:
        keys = ["total", "middleware", "sql", "session_auth", "template", "serialise"]
        keys.append("view_python")
        return {k: round(median(r.get(k, 0.0) for r in self.requests), 2) for k in keys}


def _timed(phases: Phases, phase: str, original):
    """`original` wrapped so its own time (less nested phases) is added to `phase`."""

    def wrapper(*args, **kwargs):
        if not phases._stack or not phases.enter(phase):
            return original(*args, **kwargs)
        try:
            return original(*args, **kwargs)
        finally:
            phases.leave()

    return wrapper


@contextmanager
def phase_timer() -> Iterator[tuple[Phases, Callable]]:
    """Yields (phases, timed): `timed(request)` runs one request and records its phases."""
    phases = Phases()

    def sql(execute, statement, params, many, context):
        if not phases._stack:
            return execute(statement, params, many, context)
        phases.enter("sql")
        try:
            return execute(statement, params, many, context)
        finally:
            elapsed = phases.leave()
            if _session_or_user(statement):
                phases._current["session_auth"] = (
                    phases._current.get("session_auth", 0.0) + elapsed * 1000
                )

    resolve = BaseHandler.resolve_request

    def resolve_request(handler, request):
        # The view as resolved, timed (the handler's own chain is bound at its first request).
        match = resolve(handler, request)
        match.func = _timed(phases, "view", match.func)
        return match

    stack_patches = [mock.patch.object(BaseHandler, "resolve_request", resolve_request)]
    patches = [
        (BackendTemplate, "render", "template"),
        (serializers.ListSerializer, "to_representation", "serialise"),
        (serializers.Serializer, "to_representation", "serialise"),
        (renderers.JSONRenderer, "render", "serialise"),
    ]
    with ExitStack() as stack:
        for patch in stack_patches:
            stack.enter_context(patch)
        for owner, attr, name in patches:
            wrapped = _timed(phases, name, getattr(owner, attr))
            stack.enter_context(mock.patch.object(owner, attr, wrapped))
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(sql))

        def timed(request: Callable[[], object]) -> None:
            phases._current, phases._stack = {}, []
            phases.enter("middleware")  # the request itself: what no other phase takes
            request()
            total = phases.leave() * 1000
            c = phases._current
            phases.requests.append(
                {
                    "total": total,
                    "middleware": c.get("middleware", 0.0),
                    "sql": c.get("sql", 0.0),
                    "session_auth": c.get("session_auth", 0.0),
                    "template": c.get("template", 0.0),
                    "serialise": c.get("serialise", 0.0),
                    "view_python": c.get("view", 0.0),
                }
            )

        yield phases, timed
