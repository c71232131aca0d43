"""Proposed card changes (待审核的档案更新) from every channel that may not write a card by
itself: salesperson visits, customer-filled forms, commissioned investigations. A manager
accepts or rejects each; an accepted one is written through the card's update door."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProposalQuerySet(models.QuerySet):
    def filed(self) -> "ProposalQuerySet":
        """Proposals whose source was handed in (a submitted report or form): the queue's.
        A draft's proposals are its author's until then."""
        return self.filter(filed_at__isnull=False)

    def pending(self) -> "ProposalQuerySet":
        return self.filed().filter(status=Proposal.Status.PENDING)


class Proposal(models.Model):
    """One proposed change to one card field, or a new contact or credit incident for the card
    (`field` `contact` / `credit_incident`, `value` the record's fields). `value` is what the
    API reads and writes for the field (codes for reference data, ISO dates, decimal
    strings); `base_value` is the card's value when the change was proposed, so that a
    reviewer is told when the card changed since."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    field = models.CharField(_("field"), max_length=50)
    value = models.JSONField(_("proposed value"), null=True, blank=True)
    base_value = models.JSONField(_("value when proposed"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20)
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    filed_at = models.DateTimeField(
        _("filed at"),
        null=True,
        blank=True,
        help_text=_("When its report or form was handed in; empty while a draft."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["filed_at", "pk"]
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        indexes = [
            models.Index(fields=["status", "filed_at"], name="proposal_queue_idx"),
            models.Index(fields=["source_type", "source_id"], name="proposal_source_idx"),
        ]

    def __str__(self):
        return f"{self.customer_id}.{self.field}"
