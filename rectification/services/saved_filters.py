"""保存的筛选: a user's named filters of the task list (rectification.models.SavedFilter)."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import QueryDict

from accounts.errors import InvalidInput, NotAllowed, NotFound
from rectification.choices import SavedFilterPage
from rectification.filtersets import (
    TaskFilterSet,
    encode_filter_data,
    filter_errors_message,
    task_filter_data,
)
from rectification.models import SavedFilter

NAME_MAX = 40
PER_USER_MAX = 30


def _task_list_query(query: str) -> str:
    """The filters of a task list query string in the list's one encoding; refused when the
    list would refuse them (the message names the filters in Chinese)."""
    data = task_filter_data(QueryDict(query.lstrip("?")))
    filterset = TaskFilterSet(data or None)
    if filterset.is_bound and not filterset.is_valid():
        raise InvalidInput(filter_errors_message(filterset), field="query")
    return encode_filter_data(data)


def saved_filter_create(
    *, user, name: str, query: str, page: str = SavedFilterPage.TASK_LIST
) -> SavedFilter:
    """Save the list's current filters under `name`. The query is only filters (blank ones,
    the page number and anything unknown dropped); scope is never part of it."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed("请先登录")
    if page not in SavedFilterPage.values:
        raise InvalidInput("不能保存这个页面的筛选条件", field="page")
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("请填写筛选名称", field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"筛选名称最多 {NAME_MAX} 个字", field="name")
    encoded = _task_list_query(query or "")
    if not encoded:
        raise InvalidInput("当前没有筛选条件，无需保存", field="query")
    if len(encoded) > SavedFilter._meta.get_field("query").max_length:
        raise InvalidInput("筛选条件太长，无法保存", field="query")
    with transaction.atomic():
        # Lock the user's row: two saves at once cannot both pass the cap.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
        mine = SavedFilter.objects.filter(user=user, page=page)
        if mine.filter(name=name).exists():
            raise InvalidInput(f"已有名为“{name}”的筛选，请换一个名称", field="name")
        if mine.count() >= PER_USER_MAX:
            raise InvalidInput(f"每人最多保存 {PER_USER_MAX} 个筛选，请先删除不用的", field="name")
        try:
            with transaction.atomic():
                return SavedFilter.objects.create(user=user, page=page, name=name, query=encoded)
        except IntegrityError as exc:  # the same name saved at the same moment
            raise InvalidInput(f"已有名为“{name}”的筛选，请换一个名称", field="name") from exc


def saved_filter_delete(*, user, pk: int) -> None:
    """Delete one of the user's own saved filters; anyone else's is not found."""
    deleted, _ = SavedFilter.objects.visible_to(user).filter(pk=pk).delete()
    if not deleted:
        raise NotFound("没有这个保存的筛选")
