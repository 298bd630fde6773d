"""Batch actions (批量操作) of the queues: 批量自验通过, 批量批准 / 批量不批准, 批量提醒.

Each posts the ticked ids and one opinion to rectification.services.batch, which calls the
single-item service per item. The summary comes back as a message on the queue; a refused
batch as a whole (no item ticked, no opinion, too many items) re-renders the queue with the
error, the opinion and the ticks kept, and changes nothing.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.errors import InvalidInput
from rectification import services
from rectification.views.closeouts import require_unit_head, selfcheck_context
from rectification.views.common import FORM_INVALID, require_office
from rectification.views.office import extension_context, warning_context


class BatchForm(forms.Form):
    # The ids are checked by services.batch.clean_ids (numbers, at most BATCH_LIMIT).
    opinion = forms.CharField(required=False, max_length=500)
    message = forms.CharField(required=False, max_length=500)
    decision = forms.ChoiceField(
        required=False, choices=[("approve", "批量批准"), ("reject", "批量不批准")]
    )


def _batch(
    request: HttpRequest,
    *,
    run: Callable[[list[str], dict], services.BatchResult],
    template: str,
    context: Callable[[HttpRequest], dict],
    done: str,
) -> HttpResponse:
    ids = request.POST.getlist("ids")
    form = BatchForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput("；".join(m for errors in form.errors.values() for m in errors))
        result = run(ids, form.cleaned_data)
    except InvalidInput as exc:
        page = {
            **context(request),
            "batch_error": exc.message,
            "batch_opinion": request.POST.get("opinion") or request.POST.get("message", ""),
            "batch_checked": set(ids),
        }
        return render(request, template, page, status=FORM_INVALID)
    if result.refused:
        messages.warning(request, result.summary())
    else:
        messages.success(request, result.summary())
    return redirect(done)


@login_required
@require_POST
def selfcheck_batch(request: HttpRequest) -> HttpResponse:
    """批量自验通过 on the 自验队列 (one opinion for all the ticked applications)."""
    require_unit_head(request)
    return _batch(
        request,
        run=lambda ids, data: services.closeouts_self_check_batch(
            actor=request.user, ids=ids, opinion=data["opinion"]
        ),
        template="closeouts/selfcheck_queue.html",
        context=selfcheck_context,
        done="selfcheck_queue",
    )


@login_required
@require_POST
def extension_batch(request: HttpRequest) -> HttpResponse:
    """批量批准 / 批量不批准 on 延期审批 (one opinion, required for both)."""
    require_office(request)

    def run(ids, data):
        if data["decision"] not in ("approve", "reject"):
            raise InvalidInput("请选择批量批准或批量不批准")
        return services.extensions_decide_batch(
            actor=request.user,
            ids=ids,
            approve=data["decision"] == "approve",
            opinion=data["opinion"],
        )

    return _batch(
        request,
        run=run,
        template="office/extension_queue.html",
        context=extension_context,
        done="extension_queue",
    )


@login_required
@require_POST
def warning_batch_remind(request: HttpRequest) -> HttpResponse:
    """批量提醒 on 预警: each ticked task's lead unit is reminded (once a day), one message."""
    require_office(request)
    return _batch(
        request,
        run=lambda ids, data: services.tasks_remind_batch(
            actor=request.user, ids=ids, message=data["message"]
        ),
        template="office/warning_list.html",
        context=warning_context,
        done="warning_list",
    )
