"""The customer archive card (客户档案卡): four sections, contacts, credit incidents, history
and per-field provenance. Cards are archived, never deleted."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.roles import is_manager, is_sales
from classification.models import VisitFrequency
from customers.validators import validate_credit_code

# The longest free text a card, a contact or a credit incident keeps (a page of notes): the
# page, the API, the admin and imports refuse more, so no card grows to megabytes.
NOTE_MAX_LENGTH = 2000


class Channel(models.TextChoices):
    """How a change reached the card (SPEC 2.3)."""

    MANUAL = "manual", _("Manual edit")
    ADMIN = "admin", _("Admin")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    VISIT = "visit", _("Visit report")
    CUSTOMER_FORM = "customer_form", _("Customer form")
    INVESTIGATION = "investigation", _("Investigation")
    REGRADE = "regrade", _("Regrade")


class HistoricalCardChange(models.Model):
    """Extra columns on every historical record: the channel of the change."""

    history_channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.MANUAL
    )

    class Meta:
        abstract = True


class CodeSequence(models.Model):
    """The last number given to an automatically numbered card, per code prefix (see
    `customers.services.customer_code_next`)."""

    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    last_number = models.PositiveBigIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("customer code sequence")
        verbose_name_plural = _("customer code sequences")

    def __str__(self):
        return f"{self.prefix}{self.last_number}"


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CustomerQuerySet":
        """The one scoping rule: managers and admins see every customer, sales staff see the
        customers assigned to them, anybody else sees none. Pages, API, exports and reports
        all start from here."""
        if not user.is_authenticated:
            return self.none()
        if is_manager(user):
            return self
        if is_sales(user):
            return self.filter(salesperson=user)
        return self.none()

    def active(self) -> "CustomerQuerySet":
        return self.filter(status=Customer.Status.ACTIVE)


class Customer(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    class OrganizationForm(models.TextChoices):
        SOLE_PROPRIETORSHIP = "sole", _("Sole proprietorship")
        PARTNERSHIP = "partnership", _("Partnership")
        LIMITED_LIABILITY = "llc", _("Limited liability company")
        JOINT_STOCK = "joint_stock", _("Joint-stock company")
        STATE_OWNED = "state_owned", _("State-owned enterprise")
        COLLECTIVE = "collective", _("Collective enterprise")
        PUBLIC_INSTITUTION = "institution", _("Public institution")
        INDIVIDUAL = "individual", _("Individual")
        OTHER = "other", _("Other")

    class Level(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Scale(models.TextChoices):
        LARGE = "large", _("Large")
        MEDIUM = "medium", _("Medium")
        SMALL = "small", _("Small")
        MICRO = "micro", _("Micro")

    class Attitude(models.TextChoices):
        CLOSE = "close", _("Close partner")
        POSITIVE = "positive", _("Cooperative")
        NEUTRAL = "neutral", _("Neutral")
        RESERVED = "reserved", _("Reserved")
        HOSTILE = "hostile", _("Uncooperative")

    class CreditRating(models.TextChoices):
        AAA = "AAA", "AAA"
        AA = "AA", "AA"
        A = "A", "A"
        BBB = "BBB", "BBB"
        BB = "BB", "BB"
        B = "B", "B"
        C = "C", "C"

    # Identity and assignment
    code = models.CharField(_("customer code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("统一社会信用代码: 18 characters, checked with its check character."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )

    # Classification (reference data lives in `classification`)
    customer_type = models.ForeignKey(
        "classification.CustomerType",
        verbose_name=_("customer type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    ownership = models.ForeignKey(
        "classification.OwnershipForm",
        verbose_name=_("ownership"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    region = models.ForeignKey(
        "classification.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    grade = models.ForeignKey(
        "classification.GradeLevel",
        verbose_name=_("grade"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    route = models.ForeignKey(
        "classification.Route",
        verbose_name=_("route"),
        # Taking a customer off a route is a card change with history: never a side effect.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    route_position = models.PositiveIntegerField(
        _("position on route"), null=True, blank=True, editable=False
    )
    grade_pinned = models.BooleanField(
        _("grade pinned"), default=False, help_text=_("Regrades leave a pinned grade alone.")
    )
    grade_pin_reason = models.CharField(_("reason for pinning"), max_length=200, blank=True)

    # Lifecycle facts, kept current from the sales records (classification.services.lifecycle);
    # the time series and transaction process are derived from them and the policy.
    first_sale_on = models.DateField(_("first sale"), null=True, blank=True, editable=False)
    last_sale_on = models.DateField(_("last sale"), null=True, blank=True, editable=False)
    planned_first_deal_on = models.DateField(
        _("planned first deal"),
        null=True,
        blank=True,
        help_text=_("For a prospect: when the first deal is expected."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    visit_frequency = models.CharField(
        _("visit frequency"),
        max_length=12,
        choices=VisitFrequency.choices,
        blank=True,
        help_text=_("Leave empty to follow the route's frequency."),
    )

    # 1. Basic data (客户基础资料)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    owner_name = models.CharField(_("owner"), max_length=100, blank=True)
    manager_name = models.CharField(_("business manager"), max_length=100, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    trading_since = models.DateField(_("trading with us since"), null=True, blank=True)
    organization_form = models.CharField(
        _("organisation form"), max_length=20, choices=OrganizationForm.choices, blank=True
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    total_assets = models.DecimalField(
        _("total assets"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    # 2. Characteristics (客户特征)
    service_area = models.CharField(_("service area"), max_length=255, blank=True)
    sales_capacity = models.TextField(
        _("sales capacity"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    development_potential = models.CharField(
        _("development potential"), max_length=10, choices=Level.choices, blank=True
    )
    business_philosophy = models.TextField(
        _("business philosophy"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    business_policy = models.TextField(
        _("business policy"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    enterprise_scale = models.CharField(
        _("enterprise scale"), max_length=10, choices=Scale.choices, blank=True
    )
    management_characteristics = models.TextField(
        _("management characteristics"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )

    # 3. Business status (业务状况)
    sales_performance_notes = models.TextField(
        _("sales performance notes"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    staff_quality = models.TextField(
        _("quality of managers and sales staff"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    competitor_relations = models.TextField(
        _("relations with competitors"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    business_ties = models.TextField(
        _("business ties with us"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    cooperation_attitude = models.CharField(
        _("attitude to cooperation"), max_length=10, choices=Attitude.choices, blank=True
    )

    # 4. Transaction status (交易活动现状)
    sales_activity = models.TextField(
        _("sales activity"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    existing_problems = models.TextField(
        _("existing problems"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    advantages = models.TextField(
        _("advantages it keeps"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    future_countermeasures = models.TextField(
        _("future countermeasures"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    reputation = models.TextField(
        _("reputation and image"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    credit_rating = models.CharField(
        _("credit rating"), max_length=3, choices=CreditRating.choices, blank=True
    )
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    payment_terms = models.CharField(_("payment terms"), max_length=200, blank=True)
    discount_rate = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    # Bookkeeping
    version = models.PositiveIntegerField(_("version"), default=1)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        bases=[HistoricalCardChange],
        # Derived or housekeeping values: recorded where they are decided (grade history,
        # sales records, route order), not as card edits.
        excluded_fields=[
            "updated_at",
            "created_at",
            "route_position",
            "first_sale_on",
            "last_sale_on",
        ],
    )
    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="customer_credit_code_unique",
                violation_error_code="credit_code_taken",
                violation_error_message=_("Another customer has this credit code."),
            ),
        ]
        indexes = [
            models.Index(fields=["salesperson", "status"], name="customer_sales_status_idx"),
            models.Index(fields=["first_sale_on"], name="customer_first_sale_idx"),
            models.Index(fields=["last_sale_on"], name="customer_last_sale_idx"),
            models.Index(fields=["route", "route_position"], name="customer_route_order_idx"),
            # The list's sorts with their tie-breaker, for a manager and within one
            # salesperson's customers: a page's keys are read from the index alone, however
            # deep the page (archive_crm.pagination).
            models.Index(fields=["code", "id"], name="customer_code_id_idx"),
            models.Index(fields=["name", "id"], name="customer_name_id_idx"),
            models.Index(fields=["salesperson", "code", "id"], name="customer_sales_code_idx"),
            models.Index(fields=["salesperson", "name", "id"], name="customer_sales_name_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.pk])

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED


# The card's four sections (SPEC 2.2): which fields each holds, in display order.
# Completeness and the card page read this; the update door accepts exactly these fields
# plus the classification links.
CARD_SECTIONS: dict[str, tuple[str, ...]] = {
    "basic": (
        "name",
        "short_name",
        "credit_code",
        "address",
        "phone",
        "email",
        "website",
        "owner_name",
        "manager_name",
        "legal_representative",
        "founded_on",
        "trading_since",
        "organization_form",
        "industry",
        "registered_capital",
        "total_assets",
    ),
    "characteristics": (
        "service_area",
        "sales_capacity",
        "development_potential",
        "business_philosophy",
        "business_policy",
        "enterprise_scale",
        "management_characteristics",
    ),
    "business": (
        "sales_performance_notes",
        "staff_quality",
        "competitor_relations",
        "business_ties",
        "cooperation_attitude",
    ),
    "transactions": (
        "sales_activity",
        "existing_problems",
        "advantages",
        "future_countermeasures",
        "reputation",
        "credit_rating",
        "credit_limit",
        "payment_terms",
        "discount_rate",
    ),
}
SECTION_LABELS = {
    "basic": _("Basic data"),
    "characteristics": _("Characteristics"),
    "business": _("Business status"),
    "transactions": _("Transaction status"),
}
CLASSIFICATION_FIELDS = ("customer_type", "ownership", "region", "route", "salesperson")
# Card fields outside the four sections: set on the card, not counted for completeness.
PLANNING_FIELDS = ("planned_first_deal_on", "latitude", "longitude", "visit_frequency")
CARD_FIELDS = (
    "code",
    *CLASSIFICATION_FIELDS,
    *PLANNING_FIELDS,
    *(field for fields in CARD_SECTIONS.values() for field in fields),
)


class Contact(models.Model):
    """A person at the customer (several per customer, one may be primary)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    notes = models.TextField(
        _("notes"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    # Optimistic locking, as on the card: an edit names the version it was made on.
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords(bases=[HistoricalCardChange])

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_primary=True),
                name="contact_one_primary_per_customer",
                violation_error_message=_("The customer already has a primary contact."),
            ),
        ]

    def __str__(self):
        return self.name


class CreditIncident(models.Model):
    """以往出现的信用问题: a dated credit problem with its amount and resolution."""

    class Kind(models.TextChoices):
        LATE_PAYMENT = "late_payment", _("Late payment")
        DEFAULT = "default", _("Default")
        BOUNCED_CHEQUE = "bounced", _("Bounced payment")
        DISPUTE = "dispute", _("Dispute")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="credit_incidents",
    )
    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.TextField(
        _("resolution"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    history = HistoricalRecords(bases=[HistoricalCardChange])

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("credit incident")
        verbose_name_plural = _("credit incidents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_on__isnull=True)
                | models.Q(resolved_on__gte=models.F("occurred_on")),
                name="credit_incident_resolved_after_occurred",
                violation_error_message=_("An incident cannot be resolved before it occurred."),
            ),
        ]

    def __str__(self):
        return f"{self.occurred_on} {self.get_kind_display()}"


class FieldProvenance(models.Model):
    """Where a card field's current value came from: channel, source record, when, by whom,
    and whether it was verified."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="provenance"
    )
    field_name = models.CharField(_("field"), max_length=50)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    source_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified = models.BooleanField(_("verified"), default=False)

    class Meta:
        verbose_name = _("field provenance")
        verbose_name_plural = _("field provenance")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "field_name"], name="provenance_one_per_field"
            ),
        ]

    def __str__(self):
        return f"{self.customer_id}.{self.field_name} ← {self.get_channel_display()}"


class GradeHistory(models.Model):
    """Which grade a customer had from which day to which day. A grade change closes the
    open period and starts a new one; the past is never rewritten, so an analysis can ask
    which grade a customer had on the day of a sale."""

    class Source(models.TextChoices):
        REGRADE = "regrade", _("Regrade")
        PIN = "pin", _("Pinned by a manager")
        MANUAL = "manual", _("Manual")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="grade_history",
    )
    grade = models.ForeignKey(
        "classification.GradeLevel",
        verbose_name=_("grade"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Exclusive; empty while current.")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["customer", "-valid_from", "-pk"]
        verbose_name = _("grade history")
        verbose_name_plural = _("grade history")
        indexes = [models.Index(fields=["customer", "valid_from"], name="grade_history_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(valid_to__isnull=True),
                name="grade_history_one_open_period",
            ),
            # The past is never rewritten: a period cannot end before it starts.
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="grade_history_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.customer_id}: {self.grade_id} {self.valid_from}–{self.valid_to or ''}"
