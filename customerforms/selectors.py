"""Reads of the customer data form links: by whom they may be seen (the customers in their
scope), by their token for the public form, on a card; and how a submission shows in the
review queue as the source of its proposals."""

from django.db.models import Count, Window
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import person_name
from customerforms.models import FormLink, FormSubmission, token_hash
from customers.models import Customer
from review.describers import SourceDescription, register_source_describer

CARD_LINKS_LIMIT = 10


def when_in_words(moment) -> str:
    """A moment as the reader reads it: the date in their language's format and the time
    on a 24-hour clock, in the company's time zone ("Dec. 17, 2026 22:44"), ending without
    a full stop so that it may end a sentence."""
    local = timezone.localtime(moment)
    return f"{formats.date_format(local, 'DATE_FORMAT')} {formats.time_format(local, 'H:i')}"


def links_visible_to(user):
    """The links of the customers `user` may see (the one scoping rule), with their card
    and creator."""
    return FormLink.objects.filter(customer__in=Customer.objects.visible_to(user)).select_related(
        "customer", "created_by"
    )


def link_get_for_user(user, pk) -> FormLink:
    """One link within the user's scope; outside it the link does not exist (404)."""
    return get_object_or_404(links_visible_to(user), pk=pk)


def link_by_token(token: str) -> FormLink | None:
    """The link whose token is `token`, with its card; None for a token no link has."""
    return FormLink.objects.select_related("customer").filter(token_hash=token_hash(token)).first()


def links_of_customer(customer: Customer, *, limit: int = CARD_LINKS_LIMIT):
    """The customer's links for its card, newest first: the latest `limit` and how many
    there are (one query)."""
    latest = list(
        FormLink.objects.filter(customer=customer)
        .select_related("created_by")
        .annotate(total=Window(Count("pk")))
        .order_by("-created_at", "-pk")[:limit]
    )
    return latest, latest[0].total if latest else 0


# How a submission shows in the review queue ------------------------------------------------


def _submission_source(submission: FormSubmission, customer: Customer) -> SourceDescription:
    """A customer's form as the source of proposed card changes: when it was sent, and
    what the customer was asked. It has no author among the staff: the customer's own
    people filled it in."""
    link = submission.link
    when = when_in_words(submission.submitted_at)
    notes = [(str(_("Link created by")), person_name(link.created_by))]
    if link.note:
        notes.append((str(_("Note to the customer")), link.note))
    return SourceDescription(
        title=_("Customer form submitted on %(when)s") % {"when": when},
        url=submission.get_absolute_url(),
        notes=notes,
    )


def register_review_source() -> None:
    """Let the review queue describe the submissions that proposed card changes (called
    from `CustomerFormsConfig.ready`)."""
    register_source_describer(
        FormSubmission,
        queryset=lambda: FormSubmission.objects.select_related(
            "link__customer", "link__created_by"
        ),
        describe=_submission_source,
    )
