"""The customer data form (客户资料表) sent by a one-time link: a manager or the customer's
salesperson creates a link for one customer; the customer's own staff fill in their company's
basic data and characteristics without an account; what they send is kept as a submission
and reaches the card only through the review queue (`review.Proposal`, channel
"customer_form", the submission as source), because such data may be incomplete or
exaggerated (应加以审核).

A link's token is random and shown once; only its SHA-256 hash is stored, so a copy of the
database opens no form."""

import hashlib

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import CARD_SECTIONS

# What the customer is asked: the card's basic data and characteristics, as named in the
# customers API, without the date the customer began trading with us (our record, not
# theirs). Grade, salesperson, route, credit and the business sections stay internal.
FORM_FIELDS: tuple[str, ...] = tuple(
    name
    for section in ("basic", "characteristics")
    for name in CARD_SECTIONS[section]
    if name != "trading_since"
)
NOTE_MAX_LENGTH = 1000


def token_hash(token: str) -> str:
    """What is stored of a link's token, and looked up by: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


class FormLinkQuerySet(models.QuerySet):
    def in_state(self, state: str, *, now=None) -> "FormLinkQuerySet":
        """The links in `state` (one of `FormLink.State`) at `now`, by the rule of
        `FormLink.state`."""
        return self.filter(FormLink.state_condition(state, now=now or timezone.now()))


class FormLink(models.Model):
    """A one-time link to the data form of one customer. Its state follows from its dates:
    revoked, else submitted, else expired once `expires_at` has passed, else opened after
    the first visit, else sent. A manager may reopen a submitted or expired link (the same
    address works again until a new expiry)."""

    class State(models.TextChoices):
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="form_links",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    note = models.TextField(
        _("note to the customer"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
    )
    shared_fields = models.JSONField(
        _("prefilled fields"),
        default=list,
        blank=True,
        help_text=_("The card fields whose current values the form shows to the customer."),
    )
    email = models.EmailField(_("sent to e-mail"), blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text=_("The earlier link of the customer that this one replaced (and revoked)."),
    )

    objects = FormLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("customer form link")
        verbose_name_plural = _("customer form links")
        indexes = [models.Index(fields=["customer", "created_at"], name="form_link_customer_idx")]

    def __str__(self):
        created = f" · {timezone.localtime(self.created_at):%Y-%m-%d}" if self.created_at else ""
        return f"{self.customer}{created}"

    @property
    def state(self) -> str:
        """Sent, opened, submitted, expired or revoked, now."""
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.submitted_at is not None:
            return self.State.SUBMITTED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        if self.opened_at is not None:
            return self.State.OPENED
        return self.State.SENT

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)

    @property
    def is_open(self) -> bool:
        """Whether the customer can still fill in the form by this link."""
        return self.state in (self.State.SENT, self.State.OPENED)

    @staticmethod
    def state_condition(state: str, *, now) -> Q:
        """The database's reading of `state`, as `state` reads it in Python."""
        live = Q(revoked_at__isnull=True, submitted_at__isnull=True)
        conditions = {
            FormLink.State.REVOKED: Q(revoked_at__isnull=False),
            FormLink.State.SUBMITTED: Q(revoked_at__isnull=True, submitted_at__isnull=False),
            FormLink.State.EXPIRED: live & Q(expires_at__lte=now),
            FormLink.State.OPENED: live & Q(expires_at__gt=now, opened_at__isnull=False),
            FormLink.State.SENT: live & Q(expires_at__gt=now, opened_at__isnull=True),
        }
        return conditions[state]


class FormSubmission(models.Model):
    """What the customer sent through a link: every field of the form as typed (as the
    customers API writes it), which of them differ from the card (each became a proposal),
    and where it came from."""

    link = models.ForeignKey(
        FormLink,
        verbose_name=_("link"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    values = models.JSONField(_("submitted values"), default=dict)
    changed_fields = models.JSONField(
        _("changed fields"),
        default=list,
        help_text=_("The fields whose value differs from the card: each is a proposed change."),
    )
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("customer form submission")
        verbose_name_plural = _("customer form submissions")

    def __str__(self):
        return f"{self.link.customer} · {timezone.localtime(self.submitted_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return f"{self.link.customer.get_absolute_url()}#customer-forms"
