"""Reference data as the API shows it. Links between entries are written and read by code,
a route's salesperson by username."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import salespeople
from archive_crm.api.serializers import ModelSerializer, SlugRelatedField
from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route

REFERENCE_FIELDS = ["id", "code", "name", "name_en", "order", "is_active"]


class CustomerTypeSerializer(ModelSerializer):
    class Meta:
        model = CustomerType
        fields = REFERENCE_FIELDS


class OwnershipFormSerializer(ModelSerializer):
    class Meta:
        model = OwnershipForm
        fields = REFERENCE_FIELDS


class GradeLevelSerializer(ModelSerializer):
    class Meta:
        model = GradeLevel
        fields = [*REFERENCE_FIELDS, "color", "min_amount"]


class RegionSerializer(ModelSerializer):
    parent = SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Code of the parent region, null for a top-level region."),
    )

    class Meta:
        model = Region
        fields = [*REFERENCE_FIELDS, "parent"]


class RouteSerializer(ModelSerializer):
    region = SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), help_text=_("Code of the region.")
    )
    salesperson = SlugRelatedField(
        slug_field="username",
        queryset=salespeople(),
        allow_null=True,
        required=False,
        help_text=_("Username of the salesperson who visits the route."),
    )

    class Meta:
        model = Route
        fields = [*REFERENCE_FIELDS, "region", "salesperson"]
