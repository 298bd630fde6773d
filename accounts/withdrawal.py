"""Official records are withdrawn (撤销（作废）), never deleted (issue 15, item 6).

Rounds, problems, tasks, petitions and evidence carry `withdrawn_at`, `withdrawn_by` and
`withdrawal_reason`. A withdrawn row stays in its table with its events; its model's default
manager (`objects`) leaves it out, so every list, count, job and export that reads through the
ORM skips it, and `all_objects` reaches it (the 已撤销 list, restore, the admin). Related
managers (round.problems, task.attachments) use the default manager and skip it too; a
forward foreign key (attachment.task) uses the base manager and still finds a withdrawn row.
Hand-written SQL adds `withdrawn_at IS NULL` itself (rectification.jobs, the benchmark).
The services that withdraw and restore are in rectification.services.withdraw.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LiveManager(models.Manager):
    """The default manager of a withdrawable model: the rows not withdrawn."""

    def get_queryset(self):
        return super().get_queryset().filter(withdrawn_at__isnull=True)


def live_manager(queryset_class) -> models.Manager:
    """LiveManager with `queryset_class`'s methods (visible_to, open …)."""
    return LiveManager.from_queryset(queryset_class)()


def withdrawal_fields() -> tuple[models.Field, models.Field, models.Field]:
    """The three columns of a withdrawn official record, made fresh for each model (declared
    last in the model's body, so they come after its own columns):
    `withdrawn_at, withdrawn_by, withdrawal_reason = withdrawal_fields()`."""
    return (
        models.DateTimeField(_("撤销时间"), null=True, blank=True, db_index=True),
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            verbose_name=_("撤销人"),
            null=True,
            blank=True,
            on_delete=models.PROTECT,
            related_name="+",
        ),
        models.TextField(_("撤销理由"), blank=True, default="", db_default=""),
    )


class Withdrawable:
    """Mixed into each withdrawable model (with the fields of withdrawal_fields())."""

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class AllRowsAdminMixin:
    """The admin of a withdrawable model lists every row, the withdrawn ones too (its default
    manager would hide them): the admin is where every official record stays visible."""

    def get_queryset(self, request):
        qs = self.model.all_objects.get_queryset()
        ordering = self.get_ordering(request)
        if ordering:
            qs = qs.order_by(*ordering)
        return qs
