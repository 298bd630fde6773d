"""Petitions in any status and each workflow move made with valid inputs, shared by the
petition matrix tests and the event vocabulary test."""

import base64
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from inspections import petition_services
from inspections.choices import PetitionChannel, PetitionStatus, VerifyResult
from inspections.models import Petition
from rectification import services

# The smallest valid PNG (1×1), so the evidence move passes the upload checks.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def make_petition(world, status: str, **extra) -> Petition:
    fields = {
        "round": world.round,
        "batch_no": 1,
        "accept_no": f"SD2019-XF-{Petition.objects.count() + 1:03d}",
        "channel": PetitionChannel.PHONE,
        "region": world.dongcheng,
        "content": "小区楼下烧烤油烟扰民",
        "received_at": date(2020, 2, 3),
        "status": status,
        "handling_unit": None if status == PetitionStatus.RECEIVED else world.dc_gov,
        "assigned_at": None if status == PetitionStatus.RECEIVED else date(2020, 2, 4),
        "due_date": None if status == PetitionStatus.RECEIVED else date(2020, 2, 18),
        "published_at": date(2020, 2, 10) if status == PetitionStatus.DONE else None,
        **extra,
    }
    pet = Petition.objects.create(**fields)
    if status != PetitionStatus.RECEIVED:
        pet.cooperating_units.add(world.housing)
    return pet


def call_move(world, verb: str, petition: Petition, actor):
    """Make `verb` on `petition` as `actor` with valid inputs."""
    match verb:
        case "petition_assign":
            return petition_services.petition_assign(
                actor=actor,
                petition=petition,
                lead_unit=world.dc_gov,
                cooperating_units=[world.housing],
            )
        case "petition_start":
            return petition_services.petition_start(actor=actor, petition=petition)
        case "petition_report":
            return petition_services.petition_report(
                actor=actor,
                petition=petition,
                verify_result=VerifyResult.TRUE,
                findings="烧烤店未安装油烟净化设施",
                handling="责令安装油烟净化设施",
                outcome="DONE",
                ordered_count=1,
            )
        case "petition_check_pass" | "petition_check_return":
            return petition_services.petition_self_check(
                actor=actor,
                petition=petition,
                passed=verb == "petition_check_pass",
                reason="核实材料不全",
            )
        case "petition_finish" | "petition_finish_stage" | "petition_return":
            decision = {"petition_finish": "finish", "petition_finish_stage": "finish_stage"}
            return petition_services.petition_review(
                actor=actor,
                petition=petition,
                decision=decision.get(verb, "return"),
                reason="整改情况说明不充分",
            )
        case "petition_reopen":
            return petition_services.petition_reopen(
                actor=actor, petition=petition, reason="群众再次投诉，油烟反弹"
            )
        case "petition_close":
            return petition_services.petition_close(actor=actor, petition=petition)
        case "petition_publish":
            return petition_services.petition_publish(
                actor=actor, petition=petition, published_at=date(2020, 2, 13)
            )
        case "petition_convert":
            return services.petition_convert_to_task(
                actor=actor,
                petition=petition,
                problem=world.problem,
                code="XF-1",
                name="和平路烧烤店油烟整治",
                deadline=date(2020, 6, 30),
            )
        case "petition_evidence":
            photo = SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")
            return services.petition_add_evidence(actor=actor, petition=petition, files=[photo])
        case "petition_edit":
            return petition_services.petition_edit(
                actor=actor, petition=petition, address="和平路12号"
            )
    raise AssertionError(f"no call for {verb}")


# The persona each move is made by in the status matrix.
MOVER = {
    "petition_start": "coop_reporter",
    "petition_report": "reporter",
    "petition_check_pass": "unit_head",
    "petition_check_return": "unit_head",
}
