"""The settings of the customer data forms, with their defaults (none is required)."""

from django.conf import settings
from django.utils.translation import gettext


def expiry_days_default() -> int:
    """How long a new link works unless its creator says otherwise:
    `CUSTOMER_FORM_EXPIRY_DAYS` (14)."""
    return getattr(settings, "CUSTOMER_FORM_EXPIRY_DAYS", 14)


def expiry_days_max() -> int:
    """The longest a link may be given: `CUSTOMER_FORM_MAX_EXPIRY_DAYS` (90)."""
    return getattr(settings, "CUSTOMER_FORM_MAX_EXPIRY_DAYS", 90)


def rate_per_address() -> str:
    """How many public form requests one client address may make:
    `CUSTOMER_FORM_RATE_PER_ADDRESS` ("20/10m": 20 in 10 minutes), in django-ratelimit's
    notation."""
    return getattr(settings, "CUSTOMER_FORM_RATE_PER_ADDRESS", "20/10m")


def rate_per_link() -> str:
    """How many requests one link may receive: `CUSTOMER_FORM_RATE_PER_LINK` ("10/10m")."""
    return getattr(settings, "CUSTOMER_FORM_RATE_PER_LINK", "10/10m")


def company_name() -> str:
    """Who asks the customer, as the form and its e-mail name it:
    `CUSTOMER_FORM_COMPANY_NAME`, by default the product's name in the reader's language."""
    return getattr(settings, "CUSTOMER_FORM_COMPANY_NAME", "") or gettext("Archive CRM")
