"""Commissioned credit investigations (委托专业调查机构): a manager commissions an agency to
investigate a customer, typically the credit status of a risky one; when the agency's
report arrives, its findings are recorded and the card changes they call for (credit
rating, credit limit, a past credit problem) go to the review queue as proposals (channel
"investigation", the investigation as source), like every channel's."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from classification.models import ReferenceData
from customers.models import NOTE_MAX_LENGTH, Customer


class Agency(ReferenceData):
    """A professional investigation agency (专业调查机构), reference data that managers keep."""

    contact = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta(ReferenceData.Meta):
        verbose_name = _("investigation agency")
        verbose_name_plural = _("investigation agencies")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


def _report_path(investigation: "Investigation", filename: str) -> str:
    return f"investigations/{investigation.requested_on:%Y/%m}/{investigation.pk}-{filename}"


class Investigation(models.Model):
    """An agency's investigation of one customer: commissioned (requested), its findings
    recorded once the agency delivers, reviewed once none of the card changes it proposed
    is pending."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        DELIVERED = "delivered", _("Delivered")
        REVIEWED = "reviewed", _("Reviewed")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="investigations",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="investigations"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_on = models.DateField(_("requested on"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    cost = models.DecimalField(
        _("cost"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    scope = models.TextField(
        _("scope"),
        blank=True,
        help_text=_("What the agency is asked to find out."),
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    findings = models.TextField(
        _("findings"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    credit_rating = models.CharField(
        _("credit rating"), max_length=3, choices=Customer.CreditRating.choices, blank=True
    )
    risk_level = models.CharField(
        _("risk level"), max_length=6, choices=RiskLevel.choices, blank=True
    )
    recommended_credit_limit = models.DecimalField(
        _("recommended credit limit"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    report = models.FileField(_("agency's report"), upload_to=_report_path, blank=True)
    report_content_type = models.CharField(_("report content type"), max_length=50, blank=True)
    report_size = models.PositiveIntegerField(_("report size (bytes)"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-requested_on", "-pk"]
        verbose_name = _("investigation")
        verbose_name_plural = _("investigations")
        indexes = [
            models.Index(fields=["customer", "requested_on"], name="investigation_customer_idx"),
            models.Index(fields=["requested_on"], name="investigation_requested_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="requested") | models.Q(delivered_on__isnull=False),
                name="investigation_delivered_has_date",
                violation_error_message=_("A delivered investigation has a delivery date."),
            ),
            models.CheckConstraint(
                condition=models.Q(delivered_on__isnull=True)
                | models.Q(delivered_on__gte=models.F("requested_on")),
                name="investigation_delivered_after_requested",
                violation_error_message=_("The report cannot arrive before it was requested."),
            ),
        ]

    def __str__(self):
        return f"{self.requested_on} {self.agency} · {self.customer}"

    def get_absolute_url(self):
        return reverse("investigations:detail", args=[self.pk])

    @property
    def is_requested(self) -> bool:
        return self.status == self.Status.REQUESTED
