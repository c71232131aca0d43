"""Reference data: readable by every signed-in user, written by those whose role has the
model permission. An entry still in use is never deleted: deactivate it instead."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter, SearchFilter

from archive_crm.api.exceptions import Conflict
from archive_crm.api.permissions import ModelPermissions
from classification.api.serializers import (
    CustomerTypeSerializer,
    GradeLevelSerializer,
    OwnershipFormSerializer,
    RegionSerializer,
    RouteSerializer,
)
from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route


def _used_by(instance) -> list[str]:
    """What still points at `instance`, by the plural names of the models that do."""
    return [
        str(relation.related_model._meta.verbose_name_plural)
        for relation in instance._meta.related_objects
        if relation.related_model._base_manager.filter(**{relation.field.name: instance}).exists()
    ]


class ReferenceViewSet(viewsets.ModelViewSet):
    permission_classes = [ModelPermissions]
    filter_backends = [filters.DjangoFilterBackend, SearchFilter, OrderingFilter]
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["order", "code", "name"]
    lookup_value_converter = "int"

    def perform_destroy(self, instance):
        used_by = _used_by(instance)
        if used_by:
            raise Conflict(
                _("“%(name)s” is still used by: %(used_by)s. Deactivate it instead.")
                % {"name": instance, "used_by": ", ".join(used_by)},
                code="in_use",
            )
        instance.delete()


class CustomerTypeViewSet(ReferenceViewSet):
    queryset = CustomerType.objects.all()
    serializer_class = CustomerTypeSerializer
    filterset_fields = ["is_active"]


class OwnershipFormViewSet(ReferenceViewSet):
    queryset = OwnershipForm.objects.all()
    serializer_class = OwnershipFormSerializer
    filterset_fields = ["is_active"]


class RegionViewSet(ReferenceViewSet):
    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    filterset_fields = ["is_active", "parent"]


class GradeLevelViewSet(ReferenceViewSet):
    queryset = GradeLevel.objects.all()
    serializer_class = GradeLevelSerializer
    filterset_fields = ["is_active"]


class RouteViewSet(ReferenceViewSet):
    queryset = Route.objects.select_related("region", "salesperson")
    serializer_class = RouteSerializer
    filterset_fields = ["is_active", "region"]
