"""The admin of the customer data forms: read-only. Links are made, revoked and reopened
through `customerforms.services` (the scope, the token shown once, the states), and
submissions come only from the customers' forms; an admin form saving them would pass all of
that by. The one write here, revoking the selected links, calls the service. Staff see the
links of the customers in their scope; the token is never stored, so never shown."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from archive_crm.admin import ReadOnlyAdminMixin
from customerforms.models import FormLink, FormSubmission
from customerforms.services import LinkStateConflict, link_revoke
from customers.models import Customer


class SubmissionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FormSubmission
    fields = ("submitted_at", "changed_fields", "client_address", "user_agent")
    readonly_fields = fields
    show_change_link = True
    extra = 0


@admin.register(FormLink)
class FormLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "customer",
        "state_display",
        "created_by",
        "created_at",
        "expires_at",
        "opened_at",
        "submitted_at",
    )
    list_select_related = ("customer", "created_by")
    list_filter = ("created_at", "expires_at")
    search_fields = ("customer__code", "customer__name", "email")
    fields = (
        "customer",
        "state_display",
        "created_by",
        "created_at",
        "expires_at",
        "note",
        "shared_fields",
        "email",
        "emailed_at",
        "opened_at",
        "submitted_at",
        "revoked_at",
        "revoked_by",
        "reopened_at",
        "reopened_by",
        "replaces",
    )
    readonly_fields = fields
    inlines = (SubmissionInline,)
    actions = ("revoke",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(customer__in=Customer.objects.visible_to(request.user))
        )

    @admin.display(description=_("state"))
    def state_display(self, link):
        return link.get_state_display()

    def has_revoke_permission(self, request):
        return request.user.has_perm("customerforms.change_formlink")

    @admin.action(description=_("Revoke the selected links"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = 0
        for link in queryset:
            try:
                link_revoke(link=link, actor=request.user)
            except LinkStateConflict:
                continue
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)s link revoked.", "%(count)s links revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )


@admin.register(FormSubmission)
class FormSubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "submitted_at", "changed_count", "client_address")
    list_select_related = ("link__customer",)
    list_filter = ("submitted_at",)
    search_fields = ("link__customer__code", "link__customer__name")
    fields = (
        "link",
        "submitted_at",
        "values",
        "changed_fields",
        "client_address",
        "user_agent",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(link__customer__in=Customer.objects.visible_to(request.user))
        )

    @admin.display(description=_("customer"), ordering="link__customer__name")
    def customer(self, submission):
        return submission.link.customer

    @admin.display(description=_("changes proposed"))
    def changed_count(self, submission):
        return len(submission.changed_fields)
