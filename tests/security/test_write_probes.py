"""Leader writes and cross-unit writes (issue 15): every mutating API action and every page
form, as a leader (read-only everywhere) and as a unit reporter of another county (the
objects are outside its scope), is refused with a 403 or a 404 and changes nothing.

The body of each write is plausible: every field of every form (rectification.forms) and the
API's usual keys, filled with valid values, so that a refusal comes from who is writing, not
from a malformed request. The whole content of every scoped table is compared before and
after (a refused write may not leave an event, a notification or a half-made row behind).
"""

import json

import pytest
from django import forms as djforms
from django.apps import apps
from django.test import Client

from accounts.scope import SCOPE
from config.api import router
from rectification import forms as rect_forms
from rectification.services import CLOSEOUT_CHECKLIST
from rectification.views.petitions import MOVE_FORMS

pytestmark = pytest.mark.django_db


def _dump() -> dict:
    out = {}
    for label in sorted(SCOPE):
        model = apps.get_model(label)
        out[label] = list(model.objects.order_by("pk").values_list())
    return out


def _targets(pw) -> dict:
    """東城区 side objects: in a leader's scope, outside the 西城区 reporter's."""
    w = pw.world
    on_task = [o for o in pw.objects["closeout"] if o.task_id == w.task.pk]
    return {
        "task": w.task,
        "closeout": on_task[0],
        "extension": next(e for e in pw.objects["extension"] if e.task.region_id == w.dongcheng.pk),
        "report": next(r for r in pw.objects["report"] if r.task_id == w.task.pk),
        "warning": next(x for x in pw.objects["warning"] if x.task_id == w.task.pk),
        "notice": next(n for n in pw.objects["notice"] if n.target_unit_id == w.dc_gov.pk),
        "proposed": next(
            n
            for n in pw.objects["notice"]
            if n.target_unit_id == w.dc_gov.pk and n.status == "PROPOSED"
        ),
        "petition": next(p for p in pw.objects["petition"] if p.accept_no == "XF-001"),
        "problem": w.problem,
        "round": w.round,
    }


def _value(name, field, t):
    if isinstance(field, djforms.ModelMultipleChoiceField):
        return [str(t["task"].pk)] if "task" in name else [str(t["task"].lead_unit_id)]
    if isinstance(field, djforms.ModelChoiceField):
        return str(t["task"].lead_unit_id)
    if isinstance(field, djforms.MultipleChoiceField):
        return [str(field.choices[0][0])] if field.choices else []
    if isinstance(field, djforms.ChoiceField):
        choices = [c for c, _ in field.choices if c != ""]
        return str(choices[0]) if choices else ""
    if isinstance(field, djforms.BooleanField):
        return "on"
    if isinstance(field, djforms.DateField):
        return "2020-02-20"
    if isinstance(field, (djforms.IntegerField, djforms.DecimalField)):
        return "50"
    if isinstance(field, djforms.FileField):
        return None
    return "现场核查，整改已完成"


def _form_body(t) -> dict:
    body = {}
    classes = [
        c for c in vars(rect_forms).values() if isinstance(c, type) and issubclass(c, djforms.Form)
    ]
    classes += [spec.form for spec in MOVE_FORMS.values()]
    for cls in classes:
        for name, field in getattr(cls, "base_fields", {}).items():
            value = _value(name, field, t)
            if value is not None:
                body.setdefault(name, value)
    body.update(
        version=str(t["task"].version),
        ids=[str(t["closeout"].pk), str(t["extension"].pk), str(t["task"].pk)],
        **dict.fromkeys(CLOSEOUT_CHECKLIST, "on"),
    )
    return body


def _api_body(t) -> dict:
    return {
        "progress_text": "推进中", "progress_pct": 80, "reason": "疫情", "opinion": "合格",
        "summary": "已完成", "checklist": dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        "requested_deadline": "2020-12-31", "new_deadline": "2020-12-31", "approve": True,
        "passed": True, "level": "YELLOW", "note": "上级批评", "message": "请加快",
        "units": [{"unit": t["task"].lead_unit_id, "role": "LEAD"}], "ids": [t["closeout"].pk],
        "check_date": "2020-02-15", "method": "ONSITE", "result": "CONSOLIDATED",
        "notice_start": "2020-02-17", "notice_end": "2020-02-21", "contact_phone": "0999-12369",
        "problem": t["problem"].pk, "code": "SD-4-99", "name": "新点位", "deadline": "2020-12-31",
        "region": t["task"].region_id, "channel": "PHONE", "content": "夜间排污",
        "received_on": "2020-02-14", "upheld": False, "handling": "核查", "reply_text": "已整改",
    }  # fmt: skip


def page_writes(t) -> list[str]:
    task, app = t["task"].pk, t["closeout"].pk
    urls = [
        f"/tasks/{task}/{path}/"
        for path in (
            "report", "extension", "recheck", "closeout", "evidence", "milestones", "lookback",
            "units", "warnings", "extension/overdue",
        )
    ]  # fmt: skip
    urls += [
        f"/closeouts/{app}/{path}/"
        for path in (
            "self-check",
            "accept",
            "return",
            "close",
            "review",
            "objection",
            "sector-review",
        )
    ]
    urls += [
        f"/extensions/{t['extension'].pk}/decide/",
        "/extensions/batch/",
        "/self-check/batch/",
        f"/reports/{t['report'].pk}/review/",
        "/warnings/batch-remind/",
        f"/warnings/{t['warning'].pk}/clear/",
        "/supervision/new/",
        f"/supervision/{t['proposed'].pk}/issue/",
        f"/supervision/{t['proposed'].pk}/dismiss/",
        f"/supervision/{t['notice'].pk}/close/",
        f"/supervision/{t['notice'].pk}/reply/",
        f"/problems/{t['problem'].pk}/tasks/new/",
        f"/rounds/{t['round'].pk}/archives/new/",
    ]
    urls += [f"/petitions/{t['petition'].pk}/{verb}/" for verb in MOVE_FORMS]
    return urls


def api_writes(t) -> list[str]:
    ids = {
        "tasks": t["task"].pk, "petitions": t["petition"].pk, "closeouts": t["closeout"].pk,
        "extensions": t["extension"].pk, "progress-reports": t["report"].pk,
        "warnings": t["warning"].pk, "supervision-notices": t["proposed"].pk,
        "rounds": t["round"].pk, "problems": t["problem"].pk,
    }  # fmt: skip
    urls = []
    for prefix, viewset, _ in router.registry:
        if prefix == "notifications":
            continue  # one's own notifications: read state only, nothing else to refuse
        if hasattr(viewset, "create"):
            urls.append(("post", f"/api/v1/{prefix}/"))
        if prefix in ids and hasattr(viewset, "update"):
            urls.append(("patch", f"/api/v1/{prefix}/{ids[prefix]}/"))
        if prefix in ids and hasattr(viewset, "destroy"):
            urls.append(("delete", f"/api/v1/{prefix}/{ids[prefix]}/"))
        for action in viewset.get_extra_actions():
            if "post" not in action.mapping:
                continue
            if action.detail:
                if prefix in ids:
                    urls.append(("post", f"/api/v1/{prefix}/{ids[prefix]}/{action.url_path}/"))
            else:
                urls.append(("post", f"/api/v1/{prefix}/{action.url_path}/"))
    urls.append(("post", f"/api/v1/petitions/{t['petition'].pk}/convert/"))
    urls.append(("post", f"/api/v1/petitions/{t['petition'].pk}/evidence/"))
    return urls


def _refused(response) -> bool:
    if response.status_code in (403, 404):
        return True
    # a batch reports every item it could not touch and does none
    if response.status_code == 200 and response["Content-Type"].startswith("application/json"):
        body = response.json()
        return body.get("done") == 0
    return False


@pytest.mark.parametrize("persona", ["city_leader", "county_leader", "outsider"])
def test_every_page_write_is_refused_and_changes_nothing(probe_world, persona):
    t = _targets(probe_world)
    client = Client()
    client.force_login(probe_world.users[persona])
    body = _form_body(t)
    urls = page_writes(t)
    assert len(urls) >= 35
    before = _dump()
    wrong = []
    for url in urls:
        response = client.post(url, body)
        if response.status_code not in (403, 404):
            wrong.append((url, response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))
    assert _dump() == before


@pytest.mark.parametrize("persona", ["city_leader", "county_leader", "outsider"])
def test_every_api_write_is_refused_and_changes_nothing(probe_world, persona):
    t = _targets(probe_world)
    client = Client()
    client.force_login(probe_world.users[persona])
    body = json.dumps(_api_body(t))
    urls = api_writes(t)
    assert len(urls) >= 30
    before = _dump()
    wrong = []
    for method, url in urls:
        response = getattr(client, method)(url, data=body, content_type="application/json")
        if not _refused(response):
            wrong.append((method, url, response.status_code, response.content[:160]))
    assert wrong == [], "\n".join(map(str, wrong))
    assert _dump() == before
