from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundLevel(models.TextChoices):
    CENTRAL = "CENTRAL", _("中央")
    PROVINCIAL = "PROVINCIAL", _("省级")
    CITY = "CITY", _("市级")


class RoundKind(models.TextChoices):
    CENTRAL_ROUTINE = "CENTRAL_ROUTINE", _("中央例行督察")
    CENTRAL_LOOKBACK = "CENTRAL_LOOKBACK", _("中央督察回头看")
    CENTRAL_SPECIAL = "CENTRAL_SPECIAL", _("中央专项督察")
    PROV_ROUTINE = "PROV_ROUTINE", _("省级例行督察")
    PROV_LOOKBACK = "PROV_LOOKBACK", _("省级督察回头看")
    PROV_SPECIAL = "PROV_SPECIAL", _("省级专项督察")
    YANGTZE_FILM = "YANGTZE_FILM", _("长江经济带警示片")
    SELF_CHECK = "SELF_CHECK", _("自查自纠")
    OTHER = "OTHER", _("其他交办")


class RoundStatus(models.TextChoices):
    PREPARING = "PREPARING", _("迎检准备")
    STATIONED = "STATIONED", _("督察进驻")
    FEEDBACK = "FEEDBACK", _("督察反馈")
    PLANNING = "PLANNING", _("方案编制")
    RECTIFYING = "RECTIFYING", _("整改实施")
    COMPLETED = "COMPLETED", _("全部销号")
    ARCHIVED = "ARCHIVED", _("立卷归档")


class DeadlineType(models.TextChoices):
    IMMEDIATE = "IMMEDIATE", _("立行立改")
    DATED = "DATED", _("限期整改")
    ONGOING = "ONGOING", _("长期坚持")


class ProblemSource(models.TextChoices):
    FEEDBACK = "FEEDBACK", _("督察反馈")
    PETITION = "PETITION", _("信访转办")
    FILM = "FILM", _("警示片披露")
    SELF_CHECK = "SELF_CHECK", _("自查发现")
    ASSIGNED = "ASSIGNED", _("上级交办")


class PetitionChannel(models.TextChoices):
    PHONE = "PHONE", _("来电")
    LETTER = "LETTER", _("来信")
    VISIT = "VISIT", _("来访")
    OTHER = "OTHER", _("其他")


class VerifyResult(models.TextChoices):
    TRUE = "TRUE", _("属实")
    BASIC = "BASIC", _("基本属实")
    PARTLY = "PARTLY", _("部分属实")
    FALSE = "FALSE", _("不属实")


class PetitionStatus(models.TextChoices):
    RECEIVED = "RECEIVED", _("待交办")
    ASSIGNED = "ASSIGNED", _("已交办")
    HANDLING = "HANDLING", _("正在办理")
    REPORTED = "REPORTED", _("待单位审核")
    CHECKED = "CHECKED", _("待环督办审核")
    STAGE_DONE = "STAGE_DONE", _("阶段性办结")
    DONE = "DONE", _("已办结")
    CLOSED = "CLOSED", _("已销号")


class PetitionOutcome(models.TextChoices):
    """What the unit proposes when it reports its handling result (办理结果上报)."""

    DONE = "DONE", _("办结")
    STAGE_DONE = "STAGE_DONE", _("阶段性办结")


# The statuses in which a petition is still being handled by its units: these are past due
# (逾期) once their due date has gone by.
PETITION_OPEN_STATUSES: tuple[str, ...] = (
    PetitionStatus.ASSIGNED,
    PetitionStatus.HANDLING,
    PetitionStatus.REPORTED,
    PetitionStatus.CHECKED,
)
# Handled (办结 or 阶段性办结, then possibly 销号): what 公开 lists and the 办结 figures count.
PETITION_HANDLED_STATUSES: tuple[str, ...] = (
    PetitionStatus.STAGE_DONE,
    PetitionStatus.DONE,
    PetitionStatus.CLOSED,
)


class PollutionType(models.TextChoices):
    WATER = "WATER", _("水")
    AIR = "AIR", _("大气")
    SOIL = "SOIL", _("土壤")
    ECOLOGY = "ECOLOGY", _("生态")
    NOISE = "NOISE", _("噪声")
    RADIATION = "RADIATION", _("辐射")
    SOLID_WASTE = "SOLID_WASTE", _("固废")
    OTHER = "OTHER", _("其他")
