"""API views for rounds, the feedback tree (方面/类/项) and petitions.

Reads through `visible_to(user)`; writes through inspections.services (rounds, tree,
problems, petitions). Nothing here imports rectification: the error schema is
accounts.api_errors. Aspects and categories have no scope
of their own: they are visible with their round.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_errors import LIST_ERRORS, READ_ERRORS, errors
from accounts.errors import InvalidInput, NotAllowed
from accounts.models import Region, Unit
from accounts.scope import ScopedViewMixin, is_office
from inspections import petition_services
from inspections import services as inspection_services
from inspections.api import serializers as s
from inspections.choices import RoundKind, RoundLevel
from inspections.filtersets import (
    AspectFilterSet,
    CategoryFilterSet,
    PetitionFilterSet,
    ProblemFilterSet,
    RoundFilterSet,
)
from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Petition, Problem

CREATE_ERRORS = errors(400, 401, 403, 404)
UPDATE_ERRORS = errors(400, 401, 403, 404)


def _schema(name: str, serializer, write_input=None):
    views = {
        "list": extend_schema(
            summary=f"{name}列表", responses={200: serializer(many=True), **LIST_ERRORS}
        ),
        "retrieve": extend_schema(
            summary=f"{name}详情", responses={200: serializer, **READ_ERRORS}
        ),
    }
    if write_input is not None:
        views["create"] = extend_schema(
            summary=f"新建{name}（环督办）",
            request=write_input,
            responses={201: serializer, **CREATE_ERRORS},
        )
        views["partial_update"] = extend_schema(
            summary=f"修改{name}（环督办）",
            request=write_input(partial=True),
            responses={200: serializer, **UPDATE_ERRORS},
        )
    return extend_schema_view(**views)


class _WritableViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    write_input = None

    def _input(self, partial: bool) -> dict:
        # Only the office writes rounds and their feedback tree (the services' _check_office):
        # anyone else is refused (403) before what they sent is read.
        if not is_office(self.request.user):
            raise NotAllowed("只有环督办可以执行此操作")
        serializer = self.write_input(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _created(self, obj) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def _updated(self, obj) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data)


@_schema("督察轮次", s.RoundSerializer, s.RoundWriteInput)
class RoundViewSet(ScopedViewMixin, _WritableViewSet):
    queryset = InspectionRound.objects.select_related("region")
    serializer_class = s.RoundSerializer
    filterset_class = RoundFilterSet
    write_input = s.RoundWriteInput

    def create(self, request, *args, **kwargs):
        data = self._input(partial=False)
        region = Region.objects.filter(pk=data.pop("region")).first()
        if region is None:
            raise InvalidInput("地区不存在", field="region")
        with transaction.atomic():
            obj = inspection_services.round_create(
                actor=request.user,
                region=region,
                code=data.pop("code"),
                name=data.pop("name"),
                kind=data.pop("kind", RoundKind.PROV_ROUTINE),
                level=data.pop("level", RoundLevel.PROVINCIAL),
                plan_issued_on=data.pop("plan_issued_on", None),
            )
            if data:
                obj = inspection_services.round_update(actor=request.user, round_=obj, **data)
        return self._created(obj)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = self._input(partial=True)
        if "region" in data and data.pop("region") != obj.region_id:
            raise InvalidInput("不能修改督察轮次的被督察地区", field="region")
        obj = inspection_services.round_update(actor=request.user, round_=obj.pk, **data)
        return self._updated(obj)


@_schema("反馈方面", s.AspectSerializer, s.AspectWriteInput)
class AspectViewSet(ScopedViewMixin, _WritableViewSet):
    queryset = FeedbackAspect.objects.all()
    serializer_class = s.AspectSerializer
    filterset_class = AspectFilterSet
    write_input = s.AspectWriteInput

    def create(self, request, *args, **kwargs):
        data = self._input(partial=False)
        round_ = InspectionRound.objects.visible_to(request.user).filter(pk=data["round"]).first()
        if round_ is None:
            raise InvalidInput("督察轮次不存在或不在您的权限范围内", field="round")
        obj = inspection_services.aspect_create(
            actor=request.user, round_=round_, seq=data["seq"], title=data["title"]
        )
        return self._created(obj)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = self._input(partial=True)
        if "round" in data and data["round"] != obj.round_id:
            raise InvalidInput("不能把方面移到其他督察轮次", field="round")
        obj = inspection_services.aspect_update(
            actor=request.user, aspect=obj, seq=data.get("seq"), title=data.get("title")
        )
        return self._updated(obj)


@_schema("反馈类别", s.CategorySerializer, s.CategoryWriteInput)
class CategoryViewSet(ScopedViewMixin, _WritableViewSet):
    queryset = FeedbackCategory.objects.select_related("aspect")
    serializer_class = s.CategorySerializer
    filterset_class = CategoryFilterSet
    write_input = s.CategoryWriteInput

    def create(self, request, *args, **kwargs):
        data = self._input(partial=False)
        aspect = (
            FeedbackAspect.objects.visible_to(request.user)
            .filter(pk=data["aspect"])
            .select_related("round__region")
            .first()
        )
        if aspect is None:
            raise InvalidInput("反馈方面不存在或不在您的权限范围内", field="aspect")
        obj = inspection_services.category_create(
            actor=request.user, aspect=aspect, seq=data["seq"], title=data["title"]
        )
        return self._created(obj)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = self._input(partial=True)
        if "aspect" in data and data["aspect"] != obj.aspect_id:
            raise InvalidInput("不能把类别移到其他方面", field="aspect")
        obj = inspection_services.category_update(
            actor=request.user, category=obj, seq=data.get("seq"), title=data.get("title")
        )
        return self._updated(obj)


@_schema("问题（项）", s.ProblemSerializer, s.ProblemWriteInput)
class ProblemViewSet(ScopedViewMixin, _WritableViewSet):
    queryset = Problem.objects.select_related("round")
    serializer_class = s.ProblemSerializer
    filterset_class = ProblemFilterSet
    write_input = s.ProblemWriteInput

    def create(self, request, *args, **kwargs):
        data = self._input(partial=False)
        round_ = (
            InspectionRound.objects.visible_to(request.user)
            .select_related("region")
            .filter(pk=data.pop("round"))
            .first()
        )
        if round_ is None:
            raise InvalidInput("督察轮次不存在或不在您的权限范围内", field="round")
        category = None
        category_id = data.pop("category", None)
        if category_id is not None:
            category = (
                FeedbackCategory.objects.select_related("aspect").filter(pk=category_id).first()
            )
            if category is None:
                raise InvalidInput("类别不存在", field="category")
        is_key = data.pop("is_key", None)
        with transaction.atomic():
            obj = inspection_services.problem_create(
                actor=request.user, round_=round_, category=category, **data
            )
            if is_key:
                obj = inspection_services.problem_update(
                    actor=request.user, problem=obj, is_key=True
                )
        return self._created(obj)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data = self._input(partial=True)
        if "category" in data:
            data["category_id"] = data.pop("category")
        if "round" in data and data.pop("round") != obj.round_id:
            raise InvalidInput("不能把问题移到其他督察轮次", field="round")
        obj = inspection_services.problem_update(actor=request.user, problem=obj.pk, **data)
        return self._updated(obj)


MOVE_ERRORS = errors(400, 401, 403, 404, 409)


def _move_schema(summary: str, request):
    return extend_schema(
        summary=summary, request=request, responses={200: s.PetitionDetailSerializer, **MOVE_ERRORS}
    )


@extend_schema_view(
    list=extend_schema(
        summary="信访件列表", responses={200: s.PetitionSerializer(many=True), **LIST_ERRORS}
    ),
    retrieve=extend_schema(
        summary="信访件详情（含当前可执行的办理操作）",
        responses={200: s.PetitionDetailSerializer, **READ_ERRORS},
    ),
)
class PetitionViewSet(
    ScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Petitions and their workflow (inspections.petition_lifecycle): each move is a POST
    action calling the same service as the petition page."""

    queryset = Petition.objects.select_related("region", "handling_unit").prefetch_related(
        "cooperating_units"
    )
    serializer_class = s.PetitionSerializer
    filterset_class = PetitionFilterSet

    def retrieve(self, request, *args, **kwargs):
        return self._done(self.get_object())

    def _done(self, petition):
        fresh = self.get_queryset().get(pk=petition.pk)
        data = s.PetitionDetailSerializer(fresh).data
        data["allowed_moves"] = sorted(petition_services.allowed_moves(self.request.user, fresh))
        return Response(data)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @_move_schema("交办（环督办）", s.PetitionAssignInput)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        petition = self.get_object()
        data = self._input(s.PetitionAssignInput)
        units = Unit.objects.visible_to(request.user)
        lead = units.filter(pk=data["lead_unit"]).first()
        if lead is None:
            raise InvalidInput("承办单位不存在或不在您的辖区内", field="lead_unit")
        coop = list(units.filter(pk__in=data.get("cooperating_units") or []))
        if len(coop) != len(set(data.get("cooperating_units") or [])):
            raise InvalidInput("配合单位不存在或不在您的辖区内", field="cooperating_units")
        petition_services.petition_assign(
            actor=request.user,
            petition=petition,
            lead_unit=lead,
            cooperating_units=coop,
            assigned_on=data.get("assigned_on"),
        )
        return self._done(petition)

    @_move_schema("签收办理（承办或配合单位）", None)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        petition = self.get_object()
        petition_services.petition_start(actor=request.user, petition=petition)
        return self._done(petition)

    @_move_schema("上报办理结果（承办单位）", s.PetitionReportInput)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        petition = self.get_object()
        data = self._input(s.PetitionReportInput)
        petition_services.petition_report(actor=request.user, petition=petition, **data)
        return self._done(petition)

    @_move_schema("单位审核（承办单位审核人）", s.PetitionSelfCheckInput)
    @action(detail=True, methods=["post"], url_path="self-check")
    def self_check(self, request, pk=None):
        petition = self.get_object()
        data = self._input(s.PetitionSelfCheckInput)
        petition_services.petition_self_check(actor=request.user, petition=petition, **data)
        return self._done(petition)

    @_move_schema("环督办审核：办结、阶段性办结或退回", s.PetitionReviewInput)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        petition = self.get_object()
        data = self._input(s.PetitionReviewInput)
        petition_services.petition_review(actor=request.user, petition=petition, **data)
        return self._done(petition)

    @_move_schema("重新办理（环督办，须填理由）", s.PetitionReasonInput)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        petition = self.get_object()
        data = self._input(s.PetitionReasonInput)
        petition_services.petition_reopen(actor=request.user, petition=petition, **data)
        return self._done(petition)

    @_move_schema("销号（环督办）", None)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        petition = self.get_object()
        petition_services.petition_close(actor=request.user, petition=petition)
        return self._done(petition)

    @_move_schema("登记公开情况（环督办）", s.PetitionPublishInput)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        petition = self.get_object()
        data = self._input(s.PetitionPublishInput)
        petition_services.petition_publish(actor=request.user, petition=petition, **data)
        return self._done(petition)
