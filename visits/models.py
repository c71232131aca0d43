"""The daily visit report (客户访问日报): one report per salesperson per day, with any number
of visits; each visit may propose card changes (`review.Proposal`, channel "visit", the visit
as source), which reach the card only when a manager accepts them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.models import NOTE_MAX_LENGTH


class VisitReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        REVIEWED = "reviewed", _("Reviewed")

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="visit_reports",
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    late = models.BooleanField(
        _("late"), default=False, help_text=_("Submitted after the reporting deadline.")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-date", "salesperson_id"]
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")
        constraints = [
            models.UniqueConstraint(
                fields=["salesperson", "date"],
                name="visit_report_one_per_day",
                violation_error_message=_("There is already a report for this day."),
            ),
        ]
        indexes = [models.Index(fields=["date", "status"], name="visit_report_day_idx")]

    def __str__(self):
        return f"{self.date} {self.salesperson}"

    def get_absolute_url(self):
        return reverse("visits:report", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Visit(models.Model):
    """A contact with a customer on the report's day: what it was for, what was learned,
    what comes next; where the salesperson checked in, when the browser gave its location."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        PHONE = "phone", _("Phone call")
        DELIVERY = "delivery", _("Delivery")
        COMPLAINT = "complaint", _("Complaint handling")
        OTHER = "other", _("Other")

    report = models.ForeignKey(
        VisitReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="visits"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    time = models.TimeField(_("time"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VISIT)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    summary = models.TextField(
        _("what was learned"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    situation = models.TextField(
        _("the customer's situation"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    next_steps = models.TextField(
        _("next steps"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    latitude = models.DecimalField(
        _("check-in latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("check-in longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["report", "time", "pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["customer", "report"], name="visit_customer_idx")]

    def __str__(self):
        return f"{self.report.date} {self.get_kind_display()} · {self.customer}"

    def get_absolute_url(self):
        return f"{self.report.get_absolute_url()}#visit-{self.pk}"


def _photo_path(photo: "VisitPhoto", filename: str) -> str:
    return f"visits/{photo.visit.report.date:%Y/%m}/{photo.visit_id}-{filename}"


class VisitPhoto(models.Model):
    """A photo or scan taken at a visit, stored through Django's storage API."""

    class Kind(models.TextChoices):
        STOREFRONT = "storefront", _("Storefront")
        SHELF = "shelf", _("Shelf")
        DOCUMENT = "document", _("Signed document")
        OTHER = "other", _("Other")

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to=_photo_path)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self):
        return self.file.name
