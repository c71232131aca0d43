"""How an investigation shows in the review queue as the source of proposed card changes:
the review sits below the channels (SPEC 3), so this app registers the description from its
`AppConfig.ready()`."""

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from investigations.models import Investigation
from review.describers import SourceDescription, register_source_describer


def describe_investigation(investigation: Investigation, customer: Customer) -> SourceDescription:
    """ "Investigation by <agency>, delivered <date>", linked to the investigation, with what
    the agency found beside it."""
    delivered = (
        formats.date_format(investigation.delivered_on, "DATE_FORMAT")
        if investigation.delivered_on
        else "—"
    )
    notes = [
        (_("Risk level"), investigation.get_risk_level_display()),
        (_("Credit rating"), investigation.get_credit_rating_display()),
        (_("Findings"), investigation.findings),
    ]
    return SourceDescription(
        title=_("Investigation by %(agency)s, delivered %(date)s")
        % {"agency": investigation.agency, "date": delivered},
        url=investigation.get_absolute_url(),
        notes=[(str(label), text) for label, text in notes if text],
    )


def register_review_source() -> None:
    """Let the review queue describe the investigations that proposed card changes (called
    from `InvestigationsConfig.ready`)."""
    register_source_describer(
        Investigation,
        queryset=lambda: Investigation.objects.select_related("agency"),
        describe=describe_investigation,
    )
