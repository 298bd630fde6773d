"""Errors raised by services. Each carries a message in Chinese for the user.

Views and API views translate them: NotFound → 404, NotAllowed → 403, InvalidState → 409,
StaleVersion → 409 on pages / 412 on the API, InvalidInput → 400 (form errors).
"""


class ServiceError(Exception):
    """Base class. `message` is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        # A bulk service (…_create_bulk) names the item it refused by its position in the input.
        self.index = index


class NotFound(ServiceError):
    """The object is outside the actor's scope (or does not exist)."""


class NotAllowed(ServiceError):
    """The actor sees the object but its role or unit may not do this."""


class InvalidState(ServiceError):
    """The object is not in a state that allows this move."""


class StaleVersion(ServiceError):
    """Someone else changed the object since the actor loaded it."""


class InvalidInput(ServiceError):
    """The input itself is wrong (missing evidence, a date before the start …)."""


def database_refusal(exc: Exception, *models) -> str:
    """What the database refused, in a sentence for the user: the named constraint of one of
    `models` when the error names one (a CHECK constraint), else the database's own words."""
    text = str(exc).strip()
    for model in models:
        for constraint in model._meta.constraints:
            if constraint.name and constraint.name in text:
                return f"数据库约束“{constraint.name}”不满足"
    first_line = text.splitlines()[0] if text else type(exc).__name__
    return f"数据库错误：{first_line[:200]}"
