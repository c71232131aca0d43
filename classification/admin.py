from django.contrib import admin

from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route

REFERENCE_DISPLAY = ("code", "name", "name_en", "order", "is_active")


class ReferenceDataAdmin(admin.ModelAdmin):
    list_display = REFERENCE_DISPLAY
    list_display_links = ("code", "name")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_en")
    ordering = ("order", "code")


@admin.register(CustomerType)
class CustomerTypeAdmin(ReferenceDataAdmin):
    pass


@admin.register(OwnershipForm)
class OwnershipFormAdmin(ReferenceDataAdmin):
    pass


@admin.register(GradeLevel)
class GradeLevelAdmin(ReferenceDataAdmin):
    list_display = (*REFERENCE_DISPLAY, "color")


@admin.register(Region)
class RegionAdmin(ReferenceDataAdmin):
    list_display = ("code", "name", "name_en", "parent", "order", "is_active")
    list_filter = ("is_active", ("parent", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("parent",)
    search_fields = ("code", "name", "name_en", "parent__name")
    autocomplete_fields = ("parent",)


@admin.register(Route)
class RouteAdmin(ReferenceDataAdmin):
    list_display = ("code", "name", "region", "salesperson", "order", "is_active")
    list_filter = (
        "is_active",
        ("region", admin.RelatedOnlyFieldListFilter),
        ("salesperson", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("region", "salesperson")
    search_fields = ("code", "name", "name_en", "region__name", "salesperson__username")
    autocomplete_fields = ("region", "salesperson")
