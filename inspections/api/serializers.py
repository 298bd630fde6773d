"""Serializers for rounds, the feedback tree, problems and petitions."""

from rest_framework import serializers

from accounts import clock
from inspections.choices import (
    DeadlineType,
    PetitionOutcome,
    ProblemSource,
    RoundKind,
    RoundLevel,
    RoundStatus,
    VerifyResult,
)
from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Petition, Problem
from inspections.services import ROUND_EDITABLE


class RoundSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = InspectionRound
        fields = [
            "id",
            "region",
            "region_name",
            "parent_round",
            "level_display",
            "kind_display",
            "status_display",
            "created_at",
            *ROUND_EDITABLE,
        ]
        read_only_fields = fields


class RoundWriteInput(serializers.Serializer):
    """Create: region, code and name required. PATCH: any subset (region cannot change)."""

    region = serializers.IntegerField(min_value=1, help_text="被督察地区（仅新建时）")
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    level = serializers.ChoiceField(choices=RoundLevel.choices, required=False)
    kind = serializers.ChoiceField(choices=RoundKind.choices, required=False)
    status = serializers.ChoiceField(choices=RoundStatus.choices, required=False)
    batch_label = serializers.CharField(required=False, allow_blank=True, max_length=64)
    team_name = serializers.CharField(required=False, allow_blank=True, max_length=128)
    stay_start = serializers.DateField(required=False, allow_null=True)
    stay_end = serializers.DateField(required=False, allow_null=True)
    hotline = serializers.CharField(required=False, allow_blank=True, max_length=64)
    mailbox = serializers.CharField(required=False, allow_blank=True, max_length=128)
    feedback_date = serializers.DateField(required=False, allow_null=True)
    feedback_doc_no = serializers.CharField(required=False, allow_blank=True, max_length=64)
    plan_doc_no = serializers.CharField(required=False, allow_blank=True, max_length=64)
    plan_issued_on = serializers.DateField(required=False, allow_null=True)
    report_due = serializers.DateField(required=False, allow_null=True)
    requires_sector_review = serializers.BooleanField(required=False)
    requires_provincial_review = serializers.BooleanField(required=False)
    sort = serializers.IntegerField(required=False, min_value=0, max_value=2147483647)


class AspectSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeedbackAspect
        fields = ["id", "round", "seq", "title"]
        read_only_fields = fields


class AspectWriteInput(serializers.Serializer):
    round = serializers.IntegerField(min_value=1, help_text="督察轮次（仅新建时）")
    seq = serializers.IntegerField(min_value=1, max_value=32767)
    title = serializers.CharField(max_length=300)


class CategorySerializer(serializers.ModelSerializer):
    round = serializers.IntegerField(source="aspect.round_id", read_only=True)

    class Meta:
        model = FeedbackCategory
        fields = ["id", "round", "aspect", "seq", "title"]
        read_only_fields = fields


class CategoryWriteInput(serializers.Serializer):
    aspect = serializers.IntegerField(min_value=1, help_text="反馈方面（仅新建时）")
    seq = serializers.IntegerField(min_value=1, max_value=32767)
    title = serializers.CharField(max_length=300)


class ProblemSerializer(serializers.ModelSerializer):
    round_code = serializers.CharField(source="round.code", read_only=True)
    deadline_type_display = serializers.CharField(
        source="get_deadline_type_display", read_only=True
    )
    source_display = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id",
            "round",
            "round_code",
            "category",
            "seq",
            "code",
            "title",
            "original_text",
            "goal",
            "measures",
            "deadline_type",
            "deadline_type_display",
            "deadline",
            "source",
            "source_display",
            "leader",
            "is_key",
            "created_at",
        ]
        read_only_fields = fields


class ProblemWriteInput(serializers.Serializer):
    round = serializers.IntegerField(min_value=1, help_text="督察轮次（仅新建时）")
    category = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    seq = serializers.IntegerField(min_value=1, max_value=32767)
    code = serializers.CharField(max_length=32)
    title = serializers.CharField(max_length=500)
    original_text = serializers.CharField(required=False, allow_blank=True)
    goal = serializers.CharField(required=False, allow_blank=True)
    measures = serializers.CharField(required=False, allow_blank=True)
    deadline_type = serializers.ChoiceField(choices=DeadlineType.choices, required=False)
    deadline = serializers.DateField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=ProblemSource.choices, required=False)
    is_key = serializers.BooleanField(required=False)


class PetitionSerializer(serializers.ModelSerializer):
    """A petition as the office and its units see it; the petitioner's personal data is never
    part of it."""

    region_name = serializers.CharField(source="region.name", read_only=True)
    handling_unit_name = serializers.CharField(source="handling_unit.display_name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    pollution_types = serializers.ListField(child=serializers.CharField(), read_only=True)
    # Declared, not derived: blank values ("" = not yet verified / not published) must be
    # allowed by the documented schema.
    verify_result = serializers.ChoiceField(
        choices=VerifyResult.choices, allow_blank=True, read_only=True
    )
    publish_url = serializers.CharField(read_only=True)
    outcome = serializers.ChoiceField(
        choices=PetitionOutcome.choices, allow_blank=True, read_only=True
    )
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Petition
        fields = [
            "id",
            "round",
            "batch_no",
            "accept_no",
            "channel",
            "channel_display",
            "is_key",
            "received_at",
            "assigned_at",
            "region",
            "region_name",
            "address",
            "content",
            "pollution_types",
            "handling_unit",
            "handling_unit_name",
            "due_date",
            "verify_result",
            "findings",
            "handling",
            "accountability",
            "complained_object",
            "duplicate_of",
            "cooperating_units",
            "ordered_count",
            "penalty_count",
            "fine_wan",
            "accountable_count",
            "outcome",
            "reported_on",
            "finished_on",
            "is_overdue",
            "status",
            "status_display",
            "published_at",
            "publish_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue(clock.today())


class PetitionAssignInput(serializers.Serializer):
    lead_unit = serializers.IntegerField()
    cooperating_units = serializers.ListField(child=serializers.IntegerField(), required=False)
    assigned_on = serializers.DateField(required=False, allow_null=True)


class PetitionReportInput(serializers.Serializer):
    verify_result = serializers.ChoiceField(choices=VerifyResult.choices)
    findings = serializers.CharField()
    handling = serializers.CharField()
    outcome = serializers.ChoiceField(choices=PetitionOutcome.choices)
    ordered_count = serializers.IntegerField(min_value=0, required=False, default=0)
    penalty_count = serializers.IntegerField(min_value=0, required=False, default=0)
    fine_wan = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, default=0
    )
    accountable_count = serializers.IntegerField(min_value=0, required=False, default=0)
    accountability = serializers.CharField(required=False, allow_blank=True, default="")


class PetitionSelfCheckInput(serializers.Serializer):
    passed = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PetitionReviewInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["finish", "finish_stage", "return"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PetitionReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PetitionPublishInput(serializers.Serializer):
    published_at = serializers.DateField()
    publish_url = serializers.URLField(required=False, allow_blank=True, max_length=500, default="")


class PetitionDetailSerializer(PetitionSerializer):
    """One petition with the moves the caller may make now (the page's forms)."""

    allowed_moves = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(PetitionSerializer.Meta):
        fields = [*PetitionSerializer.Meta.fields, "allowed_moves"]
        read_only_fields = fields
