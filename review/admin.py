"""The admin of the proposed card changes. A proposal is decided only through
`review.services` (the card's update door, the check that the card has not changed since,
one decision per proposal): the admin shows proposals read-only and decides them with the
actions "Accept" and "Reject", which call the services for each selected proposal and say
which were refused and why. Staff see the proposals on the customers of the one scoping rule
(`Customer.objects.visible_to`); a draft's proposals are its author's until filed, so the
admin lists filed ones only."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.roles import is_manager
from customers.models import Channel, Customer
from customers.services import CardArchived
from review.models import Proposal
from review.selectors import RECORD_MODELS, field_label, record_in_words, value_in_words
from review.services import (
    REVIEWED_CHANNELS,
    ProposalDecided,
    ProposalStale,
    proposal_accept,
    proposal_reject,
)

# What the services refuse a decision with; the text of each says why.
REFUSALS = (ProposalDecided, ProposalStale, CardArchived, PermissionDenied, ValidationError)


def _refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class ChannelFilter(admin.SimpleListFilter):
    """The channels that file proposals, by name (the column holds their codes)."""

    title = _("channel")
    parameter_name = "channel"

    def lookups(self, request, model_admin):
        return [(channel, Channel(channel).label) for channel in REVIEWED_CHANNELS]

    def queryset(self, request, queryset):
        return queryset.filter(channel=self.value()) if self.value() else queryset


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = (
        "customer",
        "field_name",
        "proposed_value",
        "status",
        "channel_name",
        "filed_at",
        "decided_by",
    )
    list_filter = ("status", ChannelFilter, "filed_at", "decided_at")
    list_select_related = ("customer", "decided_by")
    search_fields = ("customer__code", "customer__name")
    ordering = ("-filed_at", "-pk")
    fields = (
        "customer",
        "field_name",
        "proposed_value",
        "base_value_in_words",
        "channel_name",
        "source_name",
        "proposed_by",
        "created_at",
        "filed_at",
        "status",
        "decided_by",
        "decided_at",
        "comment",
    )
    readonly_fields = fields
    actions = ("accept_selected", "reject_selected")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filed()
            .filter(customer__in=Customer.objects.visible_to(request.user))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only: the decision is taken by the actions, through the services.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        """The actions are offered to managers (and superusers) who may change proposals."""
        opts = self.opts
        return is_manager(request.user) and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    @admin.display(description=_("field"), ordering="field")
    def field_name(self, proposal):
        return field_label(proposal.field)

    @admin.display(description=_("proposed value"))
    def proposed_value(self, proposal):
        # In words, as the review queue shows it; reference data by its code (naming it
        # would cost a query per row).
        if proposal.field in RECORD_MODELS:
            return " · ".join(
                f"{label}: {text}"
                for label, text in record_in_words(proposal.field, proposal.value)
            )
        return value_in_words(proposal.field, proposal.value)

    @admin.display(description=_("value when proposed"))
    def base_value_in_words(self, proposal):
        if proposal.field in RECORD_MODELS:
            return "—"
        return value_in_words(proposal.field, proposal.base_value)

    @admin.display(description=_("channel"), ordering="channel")
    def channel_name(self, proposal):
        return dict(Channel.choices).get(proposal.channel, proposal.channel)

    @admin.display(description=_("source"))
    def source_name(self, proposal):
        return proposal.source or "—"

    @admin.action(description=_("Accept the selected changes"), permissions=["decide"])
    def accept_selected(self, request, queryset):
        decided = self._decide(
            request,
            queryset,
            lambda proposal: proposal_accept(proposal=proposal, actor=request.user),
        )
        if decided:
            self.message_user(
                request,
                ngettext(
                    "%(count)d change accepted and written to the card.",
                    "%(count)d changes accepted and written to the cards.",
                    decided,
                )
                % {"count": decided},
                messages.SUCCESS,
            )

    @admin.action(description=_("Reject the selected changes"), permissions=["decide"])
    def reject_selected(self, request, queryset):
        decided = self._decide(
            request,
            queryset,
            lambda proposal: proposal_reject(proposal=proposal, actor=request.user),
        )
        if decided:
            self.message_user(
                request,
                ngettext("%(count)d change rejected.", "%(count)d changes rejected.", decided)
                % {"count": decided},
                messages.SUCCESS,
            )

    def _decide(self, request, queryset, decide) -> int:
        """Decide each proposal on its own (a refusal leaves the others decided), telling
        which were refused and why; returns how many were decided. A proposal whose card
        changed since is not confirmed from here: the review queue shows the card's current
        value to confirm against."""
        decided = 0
        for proposal in queryset.select_related("customer").order_by("pk"):
            try:
                decide(proposal)
            except REFUSALS as error:
                reason = _refusal_text(error)
                if isinstance(error, ProposalStale):
                    reason = _("%(reason)s Open the review queue to confirm it.") % {
                        "reason": reason
                    }
                self.message_user(
                    request,
                    _("Not decided: %(customer)s, %(field)s. %(reason)s")
                    % {
                        "customer": proposal.customer,
                        "field": field_label(proposal.field),
                        "reason": reason,
                    },
                    messages.WARNING,
                )
            else:
                decided += 1
        return decided
