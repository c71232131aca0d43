"""Admin pages whose writes are made by the services: what a service refuses is shown on
the page it came from instead of failing the request (`ServiceWriteAdmin`). The customers'
and the reference data's admins are built on it."""

from contextlib import contextmanager

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse

from archive_crm.forms import add_service_error


class WriteRefused(Exception):
    """A service refused a write of the admin. `error` (a ValidationError) says why; `prefix`
    is the prefix of the form whose data was refused (None: the page's main form, or no form
    at all for a delete)."""

    def __init__(self, error: ValidationError, prefix: str | None):
        super().__init__(error)
        self.error = error
        self.prefix = prefix


def _showing_refusal(form_class, request):
    """`form_class`, made to show the refusal of this request's first attempt (if any) on the
    form it belongs to, matched by prefix."""
    refused = getattr(request, "admin_write_refused", None)
    if refused is None:
        return form_class

    class ShowingRefusal(form_class):
        def clean(self):
            cleaned = super().clean()
            if self.prefix == refused.prefix:
                add_service_error(self, refused.error)
            return cleaned

    return ShowingRefusal


class ServiceWriteAdmin(admin.ModelAdmin):
    """A model admin whose writes are made by services.

    Django's admin validates the forms, then saves (`save_model`, `save_formset`,
    `delete_model`, `delete_queryset`) with no way back to the form. The rules are the
    services', checked as they write, most under a row lock (versions, the card's rules, the
    region tree, the grade standards). Checking them again in the forms' `clean` would write
    each rule twice and still leave a gap between check and write in which another writer
    makes the service refuse. So the admin writes once, through the service, inside
    `refusal_shown`; a refusal (a ValidationError, or one of `refusals`) rolls the whole
    request back, and the page is answered again from the same POST with the error added to
    the form it belongs to (`_showing_refusal`); a refused delete comes back as a message.
    """

    # Exceptions of the services, besides ValidationError, whose text is the reason.
    refusals: tuple[type[Exception], ...] = ()

    @contextmanager
    def refusal_shown(self, form=None):
        """Turn a service's refusal inside the block into `WriteRefused` for `form`."""
        prefix = form.prefix if form is not None else None
        try:
            yield
        except ValidationError as error:
            raise WriteRefused(error, prefix) from error
        except self.refusals as error:
            raise WriteRefused(ValidationError(str(error)), prefix) from error

    @staticmethod
    def adopt(obj, saved) -> None:
        """The admin goes on with `obj` (inlines, log entry, redirect): make it the row that
        a create service saved."""
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db

    def get_form(self, request, obj=None, change=False, **kwargs):
        return _showing_refusal(super().get_form(request, obj, change, **kwargs), request)

    def get_changelist_form(self, request, **kwargs):
        return _showing_refusal(super().get_changelist_form(request, **kwargs), request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            # Django runs the view in a transaction: a refusal leaves nothing written.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WriteRefused as refused:
            request.admin_write_refused = refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        try:
            # Actions (a bulk delete and its log entries) are all or nothing, like the
            # list_editable saves that Django already runs in a transaction.
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changelist_view(request, extra_context)
        except WriteRefused as refused:
            if "_save" in request.POST:  # the list_editable rows, shown again with the error
                request.admin_write_refused = refused
                return super().changelist_view(request, extra_context)
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except WriteRefused as refused:
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            opts = self.opts
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=(object_id,),
                    current_app=self.admin_site.name,
                )
            )


class ServiceWriteInline(admin.options.InlineModelAdmin):
    """An inline of a `ServiceWriteAdmin`: its rows show the refusals that belong to them."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _showing_refusal(formset.form, request)
        return formset


class ReadOnlyAdminMixin:
    """No add, change or delete in the admin, whoever asks: the services write."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
