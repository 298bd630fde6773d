"""Writes to petitions (信访件): receipt, 交办, the unit's 办理 and the reviews, 办结, reopening,
销号 and 公开, used by the pages, the API, the batch import, the jobs and the demo.

Every status move is one of inspections.petition_lifecycle.MOVES, checked for the actor
(refusal → NotAllowed, 403) and the status (InvalidState, 409), carried out as a conditional
update on the old status, and written as one InspectionEvent whose verb is the move's.
"""

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from accounts import clock, events
from accounts.errors import InvalidInput, InvalidState, NotAllowed, NotFound, StaleVersion
from accounts.events import EventVerb
from accounts.models import Region, Unit, User
from accounts.scope import is_office, sees_region
from inspections import petition_lifecycle as lifecycle
from inspections import workdays
from inspections.choices import (
    PetitionChannel,
    PetitionOutcome,
    PetitionStatus,
    PollutionType,
    VerifyResult,
)
from inspections.models import InspectionEvent, InspectionRound, Petition


def petition_due_date(assigned_on: date) -> date:
    """办理期限: PETITION_DUE_WORKING_DAYS working days after the day of 交办 (DOMAIN §1.3:
    办理结果上报 within 10 days; a city may set a shorter internal limit)."""
    return workdays.add(assigned_on, settings.PETITION_DUE_WORKING_DAYS)


def _norm(text: str) -> str:
    return "".join(text.split())


def first_of_repeats(*, region_id: int, complained_object: str, exclude: int | None = None):
    """重复件: the first petition (earliest received, then lowest 受理编号) about the same
    complained object in the same region; None when this is the first."""
    key = _norm(complained_object)
    if not key:
        return None
    candidates = Petition.objects.filter(region_id=region_id, duplicate_of__isnull=True)
    if exclude:
        candidates = candidates.exclude(pk=exclude)
    for pet in candidates.order_by("received_at", "accept_no"):
        if _norm(pet.complained_object) == key:
            return pet
    return None


@transaction.atomic
def petition_receive(
    *,
    actor: User,
    round_: InspectionRound,
    accept_no: str,
    batch_no: int,
    channel: str,
    region: Region,
    content: str,
    received_at: date,
    pollution_types: Iterable[str] = (),
    is_key: bool = False,
    complained_object: str = "",
    address: str = "",
    petitioner_name: str = "",
    petitioner_phone: str = "",
) -> Petition:
    """受理: the office records a petition as the inspection team transferred it (待交办). A
    petition about the same object at the same place as an earlier one is a 重复件 linked to
    the first."""
    if not is_office(actor) or not sees_region(actor, round_.region_id):
        raise NotAllowed("只有环督办可以登记信访件")
    if not sees_region(actor, region.pk):
        raise InvalidInput(f"行政区域“{region.name}”不在您的管辖范围内", field="region")
    accept_no = accept_no.strip()
    if not accept_no:
        raise InvalidInput("请填写受理编号", field="accept_no")
    if batch_no < 1:
        raise InvalidInput("交办批次应为正整数（第N批）", field="batch_no")
    if channel not in PetitionChannel.values:
        raise InvalidInput("来源方式应为来电、来信、来访或其他", field="channel")
    types = list(dict.fromkeys(pollution_types))
    unknown = [t for t in types if t not in PollutionType.values]
    if unknown:
        raise InvalidInput(f"未知的污染类型：{'、'.join(unknown)}", field="pollution_types")
    if not content.strip():
        raise InvalidInput("请填写信访内容", field="content")
    if Petition.objects.filter(accept_no=accept_no).exists():
        raise InvalidInput(f"受理编号“{accept_no}”已存在", field="accept_no")
    first = first_of_repeats(region_id=region.pk, complained_object=complained_object)
    pet = Petition.objects.create(
        round=round_,
        batch_no=batch_no,
        accept_no=accept_no,
        channel=channel,
        is_key=is_key,
        received_at=received_at,
        region=region,
        address=address.strip(),
        content=content.strip(),
        pollution_types=types,
        complained_object=complained_object.strip(),
        petitioner_name=petitioner_name.strip(),
        petitioner_phone=petitioner_phone.strip(),
        duplicate_of=first,
        status=PetitionStatus.RECEIVED,
    )
    note = f"第{batch_no}批 {pet.get_channel_display()}"
    if first is not None:
        note += f"；重复件，首件 {first.accept_no}"
    events.record(
        InspectionEvent,
        target=pet,
        verb=EventVerb.PETITION_RECEIVE,
        actor=actor,
        to_status=PetitionStatus.RECEIVED,
        note=note,
    )
    return pet


def _load(petition: Petition | int, actor: User) -> Petition:
    pet_id = petition.pk if isinstance(petition, Petition) else petition
    pet = (
        Petition.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("handling_unit")
        .filter(pk=pet_id)
        .first()
    )
    if pet is None:
        raise NotFound("信访件不存在或不在您的权限范围内")
    return pet


def standing_of(user: User, pet: Petition) -> lifecycle.Standing:
    coop = (
        set(pet.cooperating_units.values_list("pk", flat=True))
        if getattr(user, "unit_id", None)
        else set()
    )
    return lifecycle.standing(user, pet, coop)


def allowed_moves(user: User, pet: Petition) -> frozenset[str]:
    """What `user` may do on the visible petition now (the page's forms, the API's list)."""
    return lifecycle.allowed_moves(user, pet.status, standing_of(user, pet))


def check_actor(pet: Petition, actor: User, verb: str) -> lifecycle.Move:
    """Refuse (NotAllowed) an actor who may never make `verb` on this petition, whatever its
    status and whatever they send: pages call it before reading the form."""
    move = lifecycle.MOVES[verb]
    reason = lifecycle.refusal(actor, move, standing_of(actor, pet))
    if reason:
        raise NotAllowed(reason)
    return move


def _check(pet: Petition, actor: User, verb: str) -> lifecycle.Move:
    move = check_actor(pet, actor, verb)
    if pet.status not in move.sources:
        raise InvalidState(f"信访件当前为“{pet.get_status_display()}”，不能执行“{move.label}”")
    return move


def _apply(
    pet: Petition,
    actor: User,
    move: lifecycle.Move,
    fields: dict,
    note: str = "",
    changes: dict | None = None,
) -> Petition:
    """Carry out `move` (fields and the new status) with a conditional update on the old
    status, and write its event (with an edit's old and new values, `changes`)."""
    from_status = pet.status
    to_status = move.target or from_status
    changed = Petition.objects.filter(pk=pet.pk, status=from_status).update(
        status=to_status, **fields
    )
    if changed != 1:
        raise StaleVersion("该信访件刚刚被他人处理，请刷新页面后重试（您的修改未保存）")
    pet.refresh_from_db()
    events.record(
        InspectionEvent,
        target=pet,
        verb=EventVerb(move.verb),
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
        changes=changes or {},
    )
    return pet


def _reason(reason: str, move: lifecycle.Move) -> str:
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise InvalidInput(f"{move.label}须填写理由", field="reason")
    return reason


# Who hears of a 交办: inspections knows no notifications (docs/adr/0004-app-layers.md), so
# the app that owns them registers here (rectification.apps) and is called inside the
# assign's transaction, so the rows commit or roll back with the move itself.
AssignListener = Callable[[Petition, User], None]
_assign_listeners: list[AssignListener] = []


def on_petition_assigned(listener: AssignListener) -> AssignListener:
    """Register `listener(petition, actor)` to run after each 交办 (once per listener)."""
    if listener not in _assign_listeners:
        _assign_listeners.append(listener)
    return listener


@transaction.atomic
def petition_assign(
    *,
    actor: User,
    petition: Petition | int,
    lead_unit: Unit,
    cooperating_units: Iterable[Unit] = (),
    assigned_on: date | None = None,
) -> Petition:
    """交办: the office hands the petition to a lead unit (and cooperating units); it is due
    PETITION_DUE_WORKING_DAYS working days later."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_assign")
    assigned_on = assigned_on or clock.today()
    if assigned_on > clock.today():
        raise InvalidInput("交办日期不能晚于今天", field="assigned_on")
    if pet.received_at and assigned_on < pet.received_at:
        raise InvalidInput("交办日期不能早于受理日期", field="assigned_on")
    if lead_unit is None or not sees_region(actor, lead_unit.region_id):
        raise InvalidInput("请选择您辖区内的承办单位", field="lead_unit")
    coop = [u for u in dict.fromkeys(cooperating_units) if u.pk != lead_unit.pk]
    outside = [u.name for u in coop if not sees_region(actor, u.region_id)]
    if outside:
        raise InvalidInput(f"配合单位不在您的辖区内：{'、'.join(outside)}", field="cooperating")
    due = petition_due_date(assigned_on)
    pet = _apply(
        pet,
        actor,
        move,
        {"handling_unit": lead_unit, "assigned_at": assigned_on, "due_date": due},
        note=f"承办：{lead_unit.name}"
        + (f"；配合：{'、'.join(u.name for u in coop)}" if coop else "")
        + f"；办理期限 {due:%Y-%m-%d}",
    )
    pet.cooperating_units.set(coop)
    for listener in _assign_listeners:
        listener(pet, actor)
    return pet


@transaction.atomic
def petition_start(*, actor: User, petition: Petition | int) -> Petition:
    """签收办理: a lead or cooperating unit takes the petition up."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_start")
    return _apply(pet, actor, move, {}, note=f"{actor.unit.name} 签收")


def _count(value, field: str, label: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise InvalidInput(f"{label}应为非负整数", field=field) from None
    if number < 0:
        raise InvalidInput(f"{label}应为非负整数", field=field)
    return number


@transaction.atomic
def petition_report(
    *,
    actor: User,
    petition: Petition | int,
    verify_result: str,
    findings: str,
    handling: str,
    outcome: str,
    ordered_count: int = 0,
    penalty_count: int = 0,
    fine_wan: Decimal | str | int = 0,
    accountable_count: int = 0,
    accountability: str = "",
) -> Petition:
    """办理结果上报: the lead unit reports its 调查核实 result, what it did (处理整改情况), the
    责令整改 / 立案处罚 / 问责 figures and whether it proposes 办结 or 阶段性办结."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_report")
    if verify_result not in VerifyResult.values:
        raise InvalidInput(
            "请选择调查核实结果（属实、基本属实、部分属实或不属实）", field="verify_result"
        )
    if not findings.strip():
        raise InvalidInput("请填写调查核实情况", field="findings")
    if not handling.strip():
        raise InvalidInput("请填写处理和整改情况", field="handling")
    if outcome not in PetitionOutcome.values:
        raise InvalidInput("请选择办结或阶段性办结", field="outcome")
    try:
        fine = Decimal(str(fine_wan or 0))
    except InvalidOperation:
        raise InvalidInput("罚款金额应为数字（万元）", field="fine_wan") from None
    if fine < 0 or not fine.is_finite():
        raise InvalidInput("罚款金额应为非负数（万元）", field="fine_wan")
    fields = {
        "verify_result": verify_result,
        "findings": findings.strip(),
        "handling": handling.strip(),
        "outcome": outcome,
        "ordered_count": _count(ordered_count, "ordered_count", "责令整改家数"),
        "penalty_count": _count(penalty_count, "penalty_count", "立案处罚件数"),
        "fine_wan": fine,
        "accountable_count": _count(accountable_count, "accountable_count", "问责人数"),
        "accountability": accountability.strip(),
        "reported_by": actor,
        "reported_on": clock.today(),
        "self_checked_by": None,
    }
    note = f"{VerifyResult(verify_result).label}；拟{PetitionOutcome(outcome).label}"
    return _apply(pet, actor, move, fields, note=note)


@transaction.atomic
def petition_self_check(
    *, actor: User, petition: Petition | int, passed: bool, reason: str = ""
) -> Petition:
    """单位审核: a head of the lead unit (not the reporter) passes the result up to the office
    or returns it to be handled again (with a reason)."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_check_pass" if passed else "petition_check_return")
    reason = _reason(reason, move)
    fields = {"self_checked_by": actor} if passed else {}
    return _apply(pet, actor, move, fields, note=reason)


REVIEW_DECISIONS = {
    "finish": "petition_finish",
    "finish_stage": "petition_finish_stage",
    "return": "petition_return",
}


@transaction.atomic
def petition_review(
    *, actor: User, petition: Petition | int, decision: str, reason: str = ""
) -> Petition:
    """环督办审核: the office closes the petition (办结 or 阶段性办结) or returns it with a
    reason. 办结 clears the overdue warning's mark; the 办结 date is the day of the decision."""
    if decision not in REVIEW_DECISIONS:
        raise InvalidInput("请选择审核结论", field="decision")
    pet = _load(petition, actor)
    move = _check(pet, actor, REVIEW_DECISIONS[decision])
    reason = _reason(reason, move)
    fields = {"finished_on": clock.today()} if move.target != PetitionStatus.HANDLING else {}
    return _apply(pet, actor, move, fields, note=reason)


@transaction.atomic
def petition_reopen(*, actor: User, petition: Petition | int, reason: str) -> Petition:
    """重新办理: a handled petition goes back to its units, only with a reason on the record
    (a rebound, a repeated complaint, a result found wrong). Its publication stays on record."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_reopen")
    reason = _reason(reason, move)
    return _apply(pet, actor, move, {"finished_on": None, "outcome": ""}, note=reason)


@transaction.atomic
def petition_close(*, actor: User, petition: Petition | int) -> Petition:
    """销号: the office closes out a handled petition (一案一档 complete); final."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_close")
    if not pet.published_at:
        raise InvalidState("信访件办理情况尚未公开，不能销号")
    return _apply(pet, actor, move, {})


@transaction.atomic
def petition_publish(
    *, actor: User, petition: Petition | int, published_at: date, publish_url: str = ""
) -> Petition:
    """公开: the office records where and when the handling was published (边督边改公开)."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_publish")
    if published_at is None:
        raise InvalidInput("请填写公开日期", field="published_at")
    if published_at > clock.today():
        raise InvalidInput("公开日期不能晚于今天", field="published_at")
    if pet.assigned_at and published_at < pet.assigned_at:
        raise InvalidInput("公开日期不能早于交办日期", field="published_at")
    url = publish_url.strip()
    if (pet.published_at, pet.publish_url) == (published_at, url):
        return pet
    return _apply(
        pet,
        actor,
        move,
        {"published_at": published_at, "publish_url": url},
        note=f"{published_at:%Y-%m-%d}" + (f" {url}" if url else ""),
    )


@transaction.atomic
def petition_record_conversion(
    *, actor: User, petition: Petition | int, task_label: str
) -> Petition:
    """The petition's half of 转为整改任务 (rectification.services.petition_convert_to_task
    creates the task and links it; inspections never reads tasks)."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_convert")
    return _apply(pet, actor, move, {}, note=f"转为整改任务 {task_label}")


@transaction.atomic
def petition_record_evidence(*, actor: User, petition: Petition | int, names: str) -> Petition:
    """The petition's half of adding evidence (rectification.services.petition_add_evidence
    stores the files): the move's checks and its event."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_evidence")
    return _apply(pet, actor, move, {}, note=names[:500])


PETITION_EDITABLE = (
    "content",
    "address",
    "complained_object",
    "is_key",
    "pollution_types",
    "petitioner_name",
    "petitioner_phone",
)


@transaction.atomic
def petition_edit(*, actor: User, petition: Petition | int, **changes) -> Petition:
    """The office corrects a petition's intake data (not its handling: that moves only by the
    workflow)."""
    pet = _load(petition, actor)
    move = _check(pet, actor, "petition_edit")
    unknown = set(changes) - set(PETITION_EDITABLE)
    if unknown:
        raise InvalidInput(f"不能修改：{'、'.join(sorted(unknown))}")
    if "content" in changes and not str(changes["content"]).strip():
        raise InvalidInput("请填写信访内容", field="content")
    if "pollution_types" in changes:
        bad = [t for t in changes["pollution_types"] if t not in PollutionType.values]
        if bad:
            raise InvalidInput(f"未知的污染类型：{'、'.join(bad)}", field="pollution_types")
        changes["pollution_types"] = list(dict.fromkeys(changes["pollution_types"]))
    edited = {k: v for k, v in changes.items() if getattr(pet, k) != v}
    if not edited:
        return pet
    labels = "、".join(str(Petition._meta.get_field(f).verbose_name) for f in edited)
    before = {k: getattr(pet, k) for k in edited}
    return _apply(
        pet, actor, move, edited, note=f"修改：{labels}", changes=events.changes(before, edited)
    )


def petition_overdue_sweep(day: date) -> int:
    """The warnings job's petition step: every petition still being handled and past its due
    date gets one 逾期预警 (an event, and the mark that makes it once). Returns how many."""
    due = Petition.objects.filter(overdue_q(day), overdue_warned_on__isnull=True)
    count = 0
    for pet in due.select_related("handling_unit"):
        with transaction.atomic():
            changed = Petition.objects.filter(pk=pet.pk, overdue_warned_on__isnull=True).update(
                overdue_warned_on=day
            )
            if changed != 1:
                continue
            events.record(
                InspectionEvent,
                target=pet,
                verb=EventVerb.PETITION_OVERDUE,
                from_status=pet.status,
                to_status=pet.status,
                note=f"办理期限 {pet.due_date:%Y-%m-%d} 已过，{pet.handling_unit.name} 尚未办结",
            )
            count += 1
    return count


def overdue_q(day: date) -> Q:
    """逾期 on `day`: still with its units past its due date, or reported only after it and
    not yet 办结 (lists, dashboard, the jobs)."""
    return Q(status__in=(PetitionStatus.ASSIGNED, PetitionStatus.HANDLING), due_date__lt=day) | Q(
        status__in=(PetitionStatus.REPORTED, PetitionStatus.CHECKED),
        reported_on__gt=F("due_date"),
    )
