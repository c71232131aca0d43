"""The admin of the customer data forms: read-only pages that never show a token, a constant
number of queries per list, the one scoping rule, and revoking through the service."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customerforms.models import FormLink, FormSubmission
from tests.customerforms.factories import FormLinkFactory, FormSubmissionFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def staff_sales_client(client, salesperson):
    salesperson.is_staff = True
    salesperson.save(update_fields=["is_staff"])
    client.force_login(salesperson)
    return client


def test_the_links_pages_show_the_link_but_never_its_token(admin_client):
    submission = FormSubmissionFactory()
    link = submission.link

    listing = admin_client.get(admin_url(FormLink, "changelist"))
    page = admin_client.get(admin_url(FormLink, "change", link.pk))

    assert listing.status_code == page.status_code == 200
    for response in (listing, page):
        html = response.content.decode()
        assert link.token_hash not in html
        assert "test-token" not in html
    assert "Submitted" in page.content.decode()
    assert "203.0.113.7" in page.content.decode()


def test_nothing_is_added_changed_or_deleted_in_the_admin(admin_client):
    link = FormLinkFactory()
    submission = FormSubmissionFactory()

    assert admin_client.get(admin_url(FormLink, "add")).status_code == 403
    assert admin_client.get(admin_url(FormSubmission, "add")).status_code == 403
    assert admin_client.post(admin_url(FormLink, "delete", link.pk)).status_code == 403
    response = admin_client.post(admin_url(FormLink, "change", link.pk), {"note": "x"})
    assert response.status_code == 403
    assert admin_client.post(admin_url(FormSubmission, "delete", submission.pk)).status_code == 403
    link.refresh_from_db()
    assert link.note == ""


def test_the_lists_queries_do_not_grow_with_the_rows(admin_client, django_assert_num_queries):
    FormSubmissionFactory()
    for model in (FormLink, FormSubmission):
        admin_client.get(admin_url(model, "changelist"))
        with CaptureQueriesContext(connection) as one:
            admin_client.get(admin_url(model, "changelist"))
        for _ in range(4):
            FormSubmissionFactory()
        with django_assert_num_queries(len(one.captured_queries)):
            admin_client.get(admin_url(model, "changelist"))


def test_a_salesperson_sees_the_links_of_their_own_customers(staff_sales_client, salesperson):
    mine = FormLinkFactory(customer=CustomerFactory(salesperson=salesperson))
    other = FormLinkFactory()

    html = staff_sales_client.get(admin_url(FormLink, "changelist")).content.decode()

    assert admin_url(FormLink, "change", mine.pk) in html
    assert admin_url(FormLink, "change", other.pk) not in html
    assert staff_sales_client.get(admin_url(FormLink, "change", other.pk)).status_code == 302


def test_revoking_in_the_admin_goes_through_the_service(admin_client, admin_user):
    live = FormLinkFactory()
    used = FormLinkFactory(submitted_at=timezone.now())

    response = admin_client.post(
        admin_url(FormLink, "changelist"),
        {"action": "revoke", "_selected_action": [live.pk, used.pk]},
        follow=True,
    )

    assert "1 link revoked." in response.content.decode()
    live.refresh_from_db()
    used.refresh_from_db()
    assert (live.state, live.revoked_by) == (FormLink.State.REVOKED, admin_user)
    assert used.state == FormLink.State.SUBMITTED
