"""API views for rounds, the feedback tree (方面/类/项) and petitions.

Reads through `visible_to(user)`; writes through inspections.services (rounds, tree,
problems, petitions). Nothing here imports rectification: the error schema is
accounts.api_errors. Aspects and categories have no scope
of their own: they are visible with their round.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts.api_errors import LIST_ERRORS, READ_ERRORS, errors
from accounts.errors import InvalidInput
from accounts.models import Region
from accounts.scope import ScopedViewMixin
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


@extend_schema_view(
    list=extend_schema(
        summary="信访件列表", responses={200: s.PetitionSerializer(many=True), **LIST_ERRORS}
    ),
    retrieve=extend_schema(
        summary="信访件详情", responses={200: s.PetitionSerializer, **READ_ERRORS}
    ),
    partial_update=extend_schema(
        summary="登记信访件核实、办理和公开情况（环督办）",
        request=s.PetitionUpdateInput,
        responses={200: s.PetitionSerializer, **UPDATE_ERRORS},
    ),
)
class PetitionViewSet(
    ScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Petition.objects.select_related("region", "handling_unit")
    serializer_class = s.PetitionSerializer
    filterset_class = PetitionFilterSet

    def partial_update(self, request, *args, **kwargs):
        petition = self.get_object()
        serializer = s.PetitionUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {
            "verify_result": petition.verify_result,
            "findings": petition.findings,
            "handling": petition.handling,
            "status": petition.status,
            "published_at": petition.published_at,
            "publish_url": petition.publish_url,
        }
        inspection_services.petition_update(
            petition=petition.pk, actor=request.user, **{**current, **serializer.validated_data}
        )
        fresh = self.get_queryset().get(pk=petition.pk)
        return Response(s.PetitionSerializer(fresh).data)
