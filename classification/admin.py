"""The admin of the reference data: written through the classification services, whose
refusals are shown on the page (`ServiceWriteAdmin`)."""

from django.contrib import admin

from archive_crm.admin import ServiceWriteAdmin
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

REFERENCE_DISPLAY = ("code", "name", "name_en", "order", "is_active")


class ReferenceDataAdmin(ServiceWriteAdmin):
    """Reference data still in use is never deleted (`delete_entry`), one by one or in bulk
    (all or nothing)."""

    list_display = REFERENCE_DISPLAY
    list_display_links = ("code", "name")
    list_editable = ("order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_en")
    ordering = ("order", "code")

    def delete_entry(self, request, obj) -> None:
        reference_delete(instance=obj)

    def delete_model(self, request, obj):
        with self.refusal_shown():
            self.delete_entry(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            with self.refusal_shown():
                self.delete_entry(request, obj)


class ServiceSavedReferenceAdmin(ReferenceDataAdmin):
    """Reference data with rules of its own, created and changed through its services
    (`create_entry`, `update_entry`): the change form and the list_editable rows alike. A
    change writes only the fields the form changed, onto the saved row."""

    def save_model(self, request, obj, form, change):
        with self.refusal_shown(form):
            if change:
                changes = {name: form.cleaned_data[name] for name in form.changed_data}
                self.update_entry(request, obj, changes)
            else:
                data = {name: form.cleaned_data[name] for name in form.fields}
                self.adopt(obj, self.create_entry(request, data))


@admin.register(CustomerType)
class CustomerTypeAdmin(ReferenceDataAdmin):
    pass


@admin.register(OwnershipForm)
class OwnershipFormAdmin(ReferenceDataAdmin):
    pass


@admin.register(GradeLevel)
class GradeLevelAdmin(ServiceSavedReferenceAdmin):
    """Every change keeps the grade standards valid (`grade_standards_errors`). Rows of the
    list are saved one after the other, each checked with those before it; the grade
    standards page changes several levels at once."""

    list_display = (*REFERENCE_DISPLAY, "min_amount", "color")

    def create_entry(self, request, data):
        return grade_level_create(data=data, actor=request.user)

    def update_entry(self, request, obj, changes):
        grade_level_update(level=obj, changes=changes, actor=request.user)

    def delete_entry(self, request, obj):
        grade_level_delete(level=obj, actor=request.user)


@admin.register(Region)
class RegionAdmin(ServiceSavedReferenceAdmin):
    list_display = ("code", "name", "name_en", "parent", "order", "is_active")
    list_filter = ("is_active", ("parent", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("parent",)
    search_fields = ("code", "name", "name_en", "parent__name")
    autocomplete_fields = ("parent",)

    def create_entry(self, request, data):
        return region_create(data=data, actor=request.user)

    def update_entry(self, request, obj, changes):
        region_update(region=obj, changes=changes, actor=request.user)

    def delete_entry(self, request, obj):
        region_delete(region=obj, actor=request.user)


@admin.register(Route)
class RouteAdmin(ServiceSavedReferenceAdmin):
    list_display = ("code", "name", "region", "salesperson", "order", "is_active")
    list_filter = (
        "is_active",
        ("region", admin.RelatedOnlyFieldListFilter),
        ("salesperson", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("region", "salesperson")
    search_fields = ("code", "name", "name_en", "region__name", "salesperson__username")
    autocomplete_fields = ("region", "salesperson")

    def get_queryset(self, request):
        # As on the route pages: a salesperson made staff sees the routes they ride (also in
        # the route choices of a card), managers all.
        # (Counting stops groups the rows, which drops the model's ordering: give it back.)
        return routes_visible_to(request.user).order_by(*Route._meta.ordering)

    def create_entry(self, request, data):
        return route_create(data=data, actor=request.user)

    def update_entry(self, request, obj, changes):
        # Onto the saved row: route_update writes every column of the route it is given.
        route_update(route=Route.objects.get(pk=obj.pk), changes=changes, actor=request.user)

    def delete_entry(self, request, obj):
        route_delete(route=obj, actor=request.user)
