"""Pages: grading. The classification settings (grade standards and the policy windows), the
regrade preview and its application, and pinning a customer's grade from the card. Managers
only; everything goes through classification.services.grading."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseModelFormSet, modelformset_factory
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.roles import is_manager, manager_required
from classification.models import ClassificationPolicy, GradeLevel
from classification.services.grading import (
    GRADE_STANDARD_FIELDS,
    classification_settings_save,
    customer_grade_history,
    grade_pin,
    grade_standards_errors,
    grade_unpin,
    regrade_preview,
)
from classification.tasks import regrade_task
from customers.selectors import customer_get_for_user
from customers.services import CardArchived, CardConflict
from jobs.models import Job
from jobs.services import job_start

# Classification settings -------------------------------------------------------------------


class GradeLevelForm(forms.ModelForm):
    class Meta:
        model = GradeLevel
        fields = GRADE_STANDARD_FIELDS
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}


class BaseGradeLevelFormSet(BaseModelFormSet):
    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        levels = [form.instance for form in self.forms]
        errors = grade_standards_errors(levels)
        if errors:
            raise ValidationError(errors)


GradeLevelFormSet = modelformset_factory(
    GradeLevel, form=GradeLevelForm, formset=BaseGradeLevelFormSet, extra=0, can_delete=False
)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = ClassificationPolicy
        fields = ("grade_window_months", "new_customer_months", "active_months")


@manager_required
def classification_settings(request):
    levels = GradeLevel.objects.order_by("order", "code")
    policy = ClassificationPolicy.current()
    if request.method == "POST":
        formset = GradeLevelFormSet(request.POST, queryset=levels, prefix="levels")
        policy_form = PolicyForm(request.POST, instance=policy, prefix="policy")
        if formset.is_valid() and policy_form.is_valid():
            try:
                classification_settings_save(
                    levels=[form.instance for form in formset.forms], policy=policy_form.instance
                )
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            else:
                messages.success(
                    request,
                    _("The classification settings were saved. Grades change at the next regrade."),
                )
                return redirect("classification:grade_settings")
    else:
        formset = GradeLevelFormSet(queryset=levels, prefix="levels")
        policy_form = PolicyForm(instance=policy, prefix="policy")
    return render(
        request,
        "classification/grading/settings.html",
        {"formset": formset, "policy_form": policy_form},
    )


# Regrade -----------------------------------------------------------------------------------


@manager_required
def regrade(request):
    """GET: the preview. POST: apply the preview the manager saw (its fingerprint) as a job,
    and show the job's page. If the data changed in between, nothing is applied and the job
    says so, so what is applied is always what was shown."""
    if request.method == "POST":
        job = job_start(
            kind=Job.Kind.REGRADE,
            owner=request.user,
            task=regrade_task,
            fingerprint=request.POST.get("fingerprint", ""),
            today=timezone.localdate().isoformat(),
            actor_id=request.user.pk,
        )
        return redirect(job)
    preview = regrade_preview()
    return render(request, "classification/grading/regrade.html", {"preview": preview})


# Pinning from the card ---------------------------------------------------------------------


class GradePinForm(forms.Form):
    grade = forms.ModelChoiceField(
        label=_("Grade"),
        queryset=GradeLevel.objects.filter(is_active=True).order_by("order"),
        required=False,
        empty_label=_("No grade"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


def card_grade_context(request, customer) -> dict:
    """What the card's grade panel shows: the grade periods, and for managers the forms."""
    manager = is_manager(request.user)
    return {
        "history": customer_grade_history(customer),
        "pin_form": GradePinForm(
            initial={
                "grade": customer.grade_id,
                "reason": customer.grade_pin_reason,
                "version": customer.version,
            },
            auto_id="id_pin_%s",
        )
        if manager
        else None,
        "can_pin": manager and not customer.is_archived,
    }


def _back_to_card(customer):
    return redirect(f"{reverse('customers:detail', args=[customer.pk])}#grade")


@require_POST
@manager_required
def grade_pin_view(request, pk):
    customer = customer_get_for_user(request.user, pk)
    form = GradePinForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return _back_to_card(customer)
    try:
        grade_pin(
            customer=customer,
            grade=form.cleaned_data["grade"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except (CardConflict, CardArchived) as error:
        messages.error(request, str(error))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The grade is pinned; regrades will leave it alone."))
    return _back_to_card(customer)


@require_POST
@manager_required
def grade_unpin_view(request, pk):
    customer = customer_get_for_user(request.user, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was changed."))
        return _back_to_card(customer)
    try:
        grade_unpin(
            customer=customer, actor=request.user, expected_version=form.cleaned_data["version"]
        )
    except (CardConflict, CardArchived) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The grade is no longer pinned; the next regrade recomputes it.")
        )
    return _back_to_card(customer)


urlpatterns = [
    path("grading/settings/", classification_settings, name="grade_settings"),
    path("grading/regrade/", regrade, name="regrade"),
    path("grading/customers/<int:pk>/pin/", grade_pin_view, name="grade_pin"),
    path("grading/customers/<int:pk>/unpin/", grade_unpin_view, name="grade_unpin"),
]
