"""Reference data the card points to: customer types, ownership forms, the region tree,
grade levels and routes. This is the bottom layer: it imports no other app."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from archive_crm.trees import TreeQuerySet


class ReferenceData(models.Model):
    """A coded entry with a Chinese name and an optional English one."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The English name in an English page when there is one, otherwise the name."""
        language = get_language() or ""
        if self.name_en and not language.startswith("zh"):
            return self.name_en
        return self.name


class CustomerType(ReferenceData):
    """客户性质: government agency, special company, ordinary company, consumer, partner."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("customer type")
        verbose_name_plural = _("customer types")


class OwnershipForm(ReferenceData):
    """所有权: state-owned, collective, private, foreign-invested, ..."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("ownership form")
        verbose_name_plural = _("ownership forms")


class Region(ReferenceData):
    """A node of the region tree: country / province / city, or the company's sales regions."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = TreeQuerySet.as_manager()

    class Meta(ReferenceData.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


# A colour as the pages paint it: the form, the API, the admin and imports all check it here.
COLOR_VALIDATOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # and six hex digits."))


class GradeLevel(ReferenceData):
    """A customer grade (客户等级) and its standard (客户等级标准): a customer whose sales over
    the policy's trailing window reach `min_amount` gets the highest such grade. `order` 1
    is the highest grade."""

    color = models.CharField(
        _("colour"),
        max_length=7,
        default="#616e7c",
        validators=[COLOR_VALIDATOR],
        help_text=_("Hex colour, e.g. #1f6feb"),
    )
    min_amount = models.DecimalField(
        _("minimum sales amount"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Sales over the grading window needed for this grade."),
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("grade level")
        verbose_name_plural = _("grade levels")


class VisitFrequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Fortnightly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Route(ReferenceData):
    """客户路序: a route within a region, visited by one salesperson. Its stops are the
    customers on it, in `Customer.route_position` order; a round starts at the start point
    and is repeated at the visit frequency from the first visit date."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="routes"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="routes",
    )
    start_latitude = models.DecimalField(
        _("start latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    start_longitude = models.DecimalField(
        _("start longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    visit_frequency = models.CharField(
        _("visit frequency"),
        max_length=12,
        choices=VisitFrequency.choices,
        default=VisitFrequency.WEEKLY,
    )
    first_visit_on = models.DateField(
        _("first visit on"),
        null=True,
        blank=True,
        help_text=_("The rounds repeat at the visit frequency from this date."),
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("route")
        verbose_name_plural = _("routes")


class ClassificationPolicy(models.Model):
    """The windows managers set for grading and for the lifecycle (one row)."""

    grade_window_months = models.PositiveSmallIntegerField(
        _("grading window (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Grades compare each customer's sales over this many months."),
    )
    new_customer_months = models.PositiveSmallIntegerField(
        _("new customer window (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("A customer whose first sale is within this many months is new."),
    )
    active_months = models.PositiveSmallIntegerField(
        _("active window (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("A customer whose last sale is within this many months is transacting now."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("classification policy")
        verbose_name_plural = _("classification policy")

    def __str__(self):
        return str(_("Classification policy"))

    @classmethod
    def current(cls) -> "ClassificationPolicy":
        """The policy row (created with the defaults if missing)."""
        return cls.objects.get_or_create(pk=1)[0]
