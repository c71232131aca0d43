"""Reference data: readable by every signed-in user (routes: those the user may see, as on
the route pages), written by those whose role has the model permission, through the
services. An entry still in use is never deleted: deactivate it instead."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter, SearchFilter

from archive_crm.api.exceptions import IN_USE, Conflict
from archive_crm.api.filters import FilterBackend
from archive_crm.api.permissions import ModelPermissions
from classification.api.serializers import (
    CustomerTypeSerializer,
    GradeLevelSerializer,
    OwnershipFormSerializer,
    RegionSerializer,
    RouteSerializer,
)
from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route
from classification.services.grading import (
    grade_level_create,
    grade_level_delete,
    grade_level_update,
)
from classification.services.reference import reference_delete
from classification.services.regions import region_create, region_delete, region_update
from classification.services.routes import (
    route_create,
    route_delete,
    route_update,
    routes_visible_to,
)


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: IN_USE}))
class ReferenceViewSet(viewsets.ModelViewSet):
    permission_classes = [ModelPermissions]
    filter_backends = [FilterBackend, SearchFilter, OrderingFilter]
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["order", "code", "name"]
    lookup_value_converter = "int"

    def perform_destroy(self, instance):
        try:
            self.delete_record(instance)
        except ValidationError as error:
            if getattr(error, "code", None) != "in_use":
                raise  # another rule refused it: 400 with the reason
            raise Conflict(" ".join(error.messages), code="in_use") from error

    def delete_record(self, instance):
        reference_delete(instance=instance)


class CustomerTypeViewSet(ReferenceViewSet):
    queryset = CustomerType.objects.all()
    serializer_class = CustomerTypeSerializer
    filterset_fields = ["is_active"]


class OwnershipFormViewSet(ReferenceViewSet):
    queryset = OwnershipForm.objects.all()
    serializer_class = OwnershipFormSerializer
    filterset_fields = ["is_active"]


class RegionViewSet(ReferenceViewSet):
    """Regions are written through the region services (which refuse a cycle)."""

    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    filterset_fields = ["is_active", "parent"]

    def perform_create(self, serializer):
        serializer.instance = region_create(data=serializer.validated_data, actor=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = region_update(
            region=serializer.instance,
            changes=serializer.validated_data,
            actor=self.request.user,
        )

    def delete_record(self, instance):
        region_delete(region=instance, actor=self.request.user)


class GradeLevelViewSet(ReferenceViewSet):
    """Grade levels are written through the grading services, which keep the grade standards
    valid: a change that would break them is a 400 that says why."""

    queryset = GradeLevel.objects.all()
    serializer_class = GradeLevelSerializer
    filterset_fields = ["is_active"]

    def perform_create(self, serializer):
        serializer.instance = grade_level_create(
            data=serializer.validated_data, actor=self.request.user
        )

    def perform_update(self, serializer):
        serializer.instance = grade_level_update(
            level=serializer.instance,
            changes=serializer.validated_data,
            actor=self.request.user,
        )

    def delete_record(self, instance):
        grade_level_delete(level=instance, actor=self.request.user)


class RouteViewSet(ReferenceViewSet):
    """Routes as the route pages scope them (managers all, a salesperson the routes they ride;
    any other route does not exist here), written through the route services (start point,
    salesperson rules)."""

    serializer_class = RouteSerializer
    filterset_fields = ["is_active", "region"]

    def get_queryset(self):
        # Counting stops groups the rows, which drops the model's ordering: give it back.
        return routes_visible_to(self.request.user).order_by(*Route._meta.ordering)

    def perform_create(self, serializer):
        serializer.instance = route_create(data=serializer.validated_data, actor=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = route_update(
            route=serializer.instance, changes=serializer.validated_data, actor=self.request.user
        )

    def delete_record(self, instance):
        route_delete(route=instance, actor=self.request.user)
