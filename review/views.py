"""Pages: the review queue, where managers accept or reject the card changes that every
channel proposed, with the card's current value and the proposed one side by side. Reads go
through `review.selectors`; decisions through `review.services` only."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.roles import manager_required, person_name, salespeople
from customers.models import Channel
from customers.services import CardArchived
from review.models import Proposal
from review.selectors import field_label, proposals_pending, queue_page, queue_summary
from review.services import (
    REVIEWED_CHANNELS,
    ProposalDecided,
    ProposalStale,
    proposal_accept,
    proposal_reject,
)

PAGE_SIZE_DEFAULT = 10
PAGE_SIZES = (10, 25, 50)


class QueueFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels"))]
        + [(value, label) for value, label in Channel.choices if value in REVIEWED_CHANNELS],
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), required=False, queryset=None, empty_label=_("Everybody")
    )
    q = forms.CharField(
        label=_("Customer"),
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": _("Code or name")}),
    )
    page_size = forms.TypedChoiceField(
        label=_("Per page"),
        required=False,
        coerce=int,
        choices=[(size, size) for size in PAGE_SIZES],
        empty_value=PAGE_SIZE_DEFAULT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        salesperson = self.fields["salesperson"]
        salesperson.queryset = salespeople()
        salesperson.label_from_instance = person_name


# The largest id a database integer key holds.
ID_MAX = 2**63 - 1


class ProposalsField(forms.ModelMultipleChoiceField):
    """The proposals a decision names, by id. An id beyond any database integer names no
    proposal; it is refused here, because SQLite fails on it instead of finding nothing."""

    def _check_values(self, value):
        for pk in value:
            try:
                in_range = 0 < int(str(pk)) <= ID_MAX
            except ValueError:
                in_range = False
            if not in_range:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class DecisionForm(forms.Form):
    ACCEPT, REJECT, CONFIRM, ACCEPT_ALL = "accept", "reject", "confirm", "accept_all"

    decision = forms.ChoiceField(
        choices=[(ACCEPT, ACCEPT), (REJECT, REJECT), (CONFIRM, CONFIRM), (ACCEPT_ALL, ACCEPT_ALL)]
    )
    # The proposals the reviewer saw: one, or every one of a visit for "accept all".
    proposal = ProposalsField(queryset=Proposal.objects.filed())
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)
    # What the reviewer saw as the card's current value, when confirming a replacement.
    seen = forms.JSONField(required=False)

    def clean(self):
        cleaned = super().clean()
        proposals = cleaned.get("proposal")
        if (
            proposals is not None
            and cleaned.get("decision") != self.ACCEPT_ALL
            and len(proposals) != 1
        ):
            raise ValidationError(_("Decide one proposed change at a time."))
        return cleaned


def _refusal(error: ValidationError | CardArchived) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _decide_one(request, form: DecisionForm) -> tuple[int, dict[int, str]]:
    """Apply one decision; returns the HTTP status for the page and notes by proposal."""
    proposal = form.cleaned_data["proposal"][0]
    decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
    label = field_label(proposal.field)
    try:
        if decision == DecisionForm.REJECT:
            proposal_reject(proposal=proposal, actor=request.user, comment=comment)
            messages.success(request, _("Rejected: %(field)s.") % {"field": label})
        elif decision == DecisionForm.CONFIRM:
            proposal_accept(
                proposal=proposal,
                actor=request.user,
                confirm=True,
                seen=form.cleaned_data["seen"],
                comment=comment,
            )
            messages.success(request, _("Accepted: %(field)s.") % {"field": label})
        else:
            proposal_accept(proposal=proposal, actor=request.user, comment=comment)
            messages.success(request, _("Accepted: %(field)s.") % {"field": label})
    except ProposalDecided as decided:
        messages.warning(request, str(decided))
        return 409, {}
    except ProposalStale as stale:
        return 409, {proposal.pk: str(stale)}
    except CardArchived as archived:
        return 409, {proposal.pk: _refusal(archived)}
    except ValidationError as refused:
        return 400, {proposal.pk: _refusal(refused)}
    return 200, {}


def _accept_all(request, form: DecisionForm) -> tuple[int, dict[int, str]]:
    """Accept every change of a visit that the reviewer saw. One whose card changed since
    it was proposed is left for the reviewer to confirm, one the card refuses says why;
    the others are accepted, each on its own."""
    accepted, decided, notes = 0, 0, {}
    for proposal in form.cleaned_data["proposal"]:
        try:
            proposal_accept(proposal=proposal, actor=request.user)
        except ProposalDecided:
            decided += 1
        except ProposalStale as stale:
            notes[proposal.pk] = str(stale)
        except (ValidationError, CardArchived) as refused:
            notes[proposal.pk] = _refusal(refused)
        else:
            accepted += 1
    if accepted:
        messages.success(
            request,
            ngettext("%(count)s change accepted.", "%(count)s changes accepted.", accepted)
            % {"count": accepted},
        )
    if decided:
        messages.warning(
            request,
            ngettext(
                "%(count)s change was decided already.",
                "%(count)s changes were decided already.",
                decided,
            )
            % {"count": decided},
        )
    return (409 if notes else 200), notes


@require_http_methods(["GET", "POST"])
@manager_required
def queue(request):
    """The review queue: every filed proposal nobody has decided, grouped by visit (or
    other source), filtered by channel, salesperson and customer. A decision is posted to
    the page itself and comes back to it; a change that cannot be applied as shown (the
    card changed since, or refuses the value) comes back with the reason beside it."""
    status, notes = 200, {}
    if request.method == "POST":
        decision = DecisionForm(request.POST)
        if not decision.is_valid():
            for error in decision.errors.values():
                messages.error(request, " ".join(error))
            status = 400
        elif decision.cleaned_data["decision"] == DecisionForm.ACCEPT_ALL:
            status, notes = _accept_all(request, decision)
        else:
            status, notes = _decide_one(request, decision)
        if status == 200:
            return redirect(request.get_full_path())
    filters = QueueFilterForm(request.GET)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    proposals = proposals_pending(
        channel=cleaned.get("channel", ""),
        salesperson=cleaned.get("salesperson"),
        search=cleaned.get("q", ""),
    )
    if not filters.is_valid():
        proposals = proposals.none()
    page, groups = queue_page(
        proposals,
        page_number=request.GET.get("page"),
        page_size=cleaned.get("page_size") or PAGE_SIZE_DEFAULT,
    )
    for group in groups:
        for item in group.items:
            item.note = notes.pop(item.proposal.pk, "")
    for note in notes.values():  # about a change this page does not show
        messages.warning(request, note)
    return render(
        request,
        "review/queue.html",
        {
            "filters": filters,
            "page_obj": page,
            "groups": groups,
            "filters_open": bool(
                filters.errors
                or any(request.GET.get(name) for name in ("channel", "salesperson", "page_size"))
            ),
        },
        status=status,
    )


def pending_panel(request) -> dict:
    """The manager's home panel: how many changes wait for review, since when (one
    query)."""
    return {"pending": queue_summary()}


urlpatterns = [path("", queue, name="queue")]
