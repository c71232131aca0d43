"""The staff's pages of the customer data forms: the card's panel of links, sending a link
(its address to copy, a QR code, an e-mail), revoking and reopening. Every endpoint: the
customer's salesperson and managers work, another salesperson gets 404, anonymous visitors go
to the login page, a wrong method is refused, a salesperson cannot reopen."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customerforms.models import FormLink
from customers.models import Customer
from tests.accounts.factories import UserFactory
from tests.customerforms.factories import FormLinkFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(salesperson):
    return CustomerFactory(
        code="C-MINE", name="苏州百货有限公司", phone="0512-1111", salesperson=salesperson
    )


def html_of(response) -> str:
    return response.content.decode()


def panel_of(response) -> str:
    html = html_of(response)
    start = html.index('data-testid="card-forms"')
    return html[start : html.index("</section>", start)]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def send_url(customer) -> str:
    return f"/forms/customers/{customer.pk}/send/"


# The card's panel --------------------------------------------------------------------------


def test_the_card_lists_the_customers_links_with_their_state(client, manager, customer):
    now = timezone.now()
    FormLinkFactory(customer=customer, created_by=manager)
    FormLinkFactory(customer=customer, opened_at=now)
    FormLinkFactory(customer=customer, opened_at=now, submitted_at=now)
    FormLinkFactory(customer=customer, expires_at=now - datetime.timedelta(days=1))
    FormLinkFactory(customer=customer, revoked_at=now, revoked_by=manager)
    client.force_login(manager)

    panel = panel_of(client.get(customer.get_absolute_url()))

    states = re.findall(r'data-state="(\w+)"', panel)
    assert sorted(states) == ["expired", "opened", "revoked", "sent", "submitted"]
    for label in ("Sent", "Opened", "Submitted", "Expired", "Revoked"):
        assert f">{label}</span>" in panel
    assert "Send the data form" in panel
    assert "/review/?channel=customer_form&amp;q=C-MINE" in panel


def test_a_card_without_links_says_so(client, salesperson, customer):
    client.force_login(salesperson)

    panel = panel_of(client.get(customer.get_absolute_url()))

    assert 'data-testid="card-forms-empty"' in panel
    assert "Send the data form" in panel


def test_the_panel_offers_what_each_link_allows(client, manager, salesperson, customer):
    now = timezone.now()
    sent = FormLinkFactory(customer=customer)
    used = FormLinkFactory(customer=customer, submitted_at=now)
    client.force_login(salesperson)

    panel = panel_of(client.get(customer.get_absolute_url()))

    assert f"/forms/links/{sent.pk}/revoke/" in panel
    assert f"/forms/links/{used.pk}/revoke/" not in panel
    assert f"?replaces={sent.pk}" in panel
    assert "/reopen/" not in panel  # managers only
    client.force_login(manager)
    panel = panel_of(client.get(customer.get_absolute_url()))
    assert f"/forms/links/{used.pk}/reopen/" in panel
    assert f"/forms/links/{sent.pk}/reopen/" not in panel


def test_an_archived_card_offers_no_sending(client, manager, customer):
    FormLinkFactory(customer=customer)
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ARCHIVED)
    client.force_login(manager)

    panel = panel_of(client.get(customer.get_absolute_url()))

    assert "Send the data form" not in panel
    assert "?replaces=" not in panel
    response = client.get(send_url(customer))
    assert response.status_code == 302
    assert "An archived card cannot be sent the data form; restore it first." in messages_of(
        response
    )


def test_the_panels_queries_do_not_grow_with_the_links(
    client, manager, customer, django_assert_num_queries
):
    FormLinkFactory(customer=customer)
    client.force_login(manager)
    client.get(customer.get_absolute_url())  # content types cached
    with CaptureQueriesContext(connection) as one_link:
        client.get(customer.get_absolute_url())
    for index in range(8):
        FormLinkFactory(
            customer=customer,
            created_by=UserFactory(role="sales"),
            opened_at=timezone.now() if index % 2 else None,
            submitted_at=timezone.now() if index % 3 == 0 else None,
        )

    with django_assert_num_queries(len(one_link.captured_queries)):
        response = client.get(customer.get_absolute_url())

    assert panel_of(response).count('data-testid="form-link"') == 9


# Sending -----------------------------------------------------------------------------------


def test_the_send_page_offers_the_fields_with_the_cards_values(client, salesperson, customer):
    client.force_login(salesperson)

    response = client.get(send_url(customer))

    assert response.status_code == 200
    html = html_of(response)
    assert 'name="shared_fields" value="phone"' in html
    assert "Phone: 0512-1111" in html
    assert 'value="credit_limit"' not in html and 'value="trading_since"' not in html
    assert 'name="expires_in_days"' in html and 'value="14"' in html
    assert "checked" not in html  # nothing shared unless ticked


def test_a_salesperson_sends_their_customer_the_form_and_sees_the_link_once(
    client, salesperson, customer
):
    client.force_login(salesperson)

    response = client.post(
        send_url(customer),
        {"expires_in_days": "7", "note": "请核对", "shared_fields": ["name", "phone"]},
    )

    assert response.status_code == 200
    link = FormLink.objects.get()
    assert (link.created_by, link.shared_fields, link.note) == (
        salesperson,
        ["name", "phone"],
        "请核对",
    )
    html = html_of(response)
    url = re.search(r'id="form-link-url" value="([^"]+)" readonly', html).group(1)
    assert url.startswith("http://testserver/forms/f/")
    assert "no-store" in response["Cache-Control"]
    qr = html[html.index('data-testid="form-link-qr"') :]
    assert "<svg" in qr and 'class="qr-code"' in qr and "viewBox" in qr
    assert "customerform-copy.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    assert len(mail.outbox) == 0
    client.logout()
    assert client.get(url).status_code == 200


def test_the_link_is_emailed_when_an_address_is_given(client, manager, customer):
    client.force_login(manager)

    response = client.post(
        send_url(customer), {"expires_in_days": "14", "email": "info@example.com"}
    )

    url = re.search(r'id="form-link-url" value="([^"]+)"', html_of(response)).group(1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["info@example.com"]
    assert url in mail.outbox[0].body
    assert "The link was e-mailed to info@example.com." in messages_of(response)


def test_bad_input_comes_back_with_messages_and_nothing_is_made(client, manager, customer):
    client.force_login(manager)

    response = client.post(
        send_url(customer),
        {
            "expires_in_days": "400",
            "email": "nobody",
            "shared_fields": ["credit_limit"],
            "note": "请核对",
        },
    )

    assert response.status_code == 200
    html = html_of(response)
    assert "Ensure this value is less than or equal to 90." in html
    assert "Enter a valid email address." in html
    assert "Select a valid choice. credit_limit is not one of the available choices." in html
    assert "请核对" in html
    assert not FormLink.objects.exists()
    assert len(mail.outbox) == 0


def test_a_new_link_replaces_the_old_one(client, salesperson, customer):
    old = FormLinkFactory(customer=customer, note="旧的说明", shared_fields=["phone"])
    client.force_login(salesperson)

    page = client.get(f"{send_url(customer)}?replaces={old.pk}")
    assert 'data-testid="replacing"' in html_of(page)
    assert "旧的说明" in html_of(page)
    assert re.search(r'value="phone"[^>]*checked', html_of(page))
    client.post(
        send_url(customer),
        {"expires_in_days": "14", "replaces": str(old.pk), "shared_fields": ["phone"]},
    )

    old.refresh_from_db()
    assert old.state == FormLink.State.REVOKED
    assert FormLink.objects.get(replaces=old).state == FormLink.State.SENT


def test_another_salesperson_cannot_send_the_form(client, other_salesperson, customer):
    client.force_login(other_salesperson)

    assert client.get(send_url(customer)).status_code == 404
    assert client.post(send_url(customer), {"expires_in_days": "14"}).status_code == 404
    assert client.get(customer.get_absolute_url()).status_code == 404
    assert not FormLink.objects.exists()


def test_anonymous_visitors_go_to_the_login_page(client, customer):
    link = FormLinkFactory(customer=customer)

    for url in (
        send_url(customer),
        f"/forms/links/{link.pk}/revoke/",
        f"/forms/links/{link.pk}/reopen/",
    ):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    link.refresh_from_db()
    assert link.state == FormLink.State.SENT


def test_a_user_without_a_role_cannot_send(client, customer):
    client.force_login(UserFactory(username="nobody"))

    assert client.get(send_url(customer)).status_code == 403


# Revoking and reopening --------------------------------------------------------------------


def test_the_salesperson_revokes_a_link(client, salesperson, customer):
    link = FormLinkFactory(customer=customer)
    client.force_login(salesperson)

    response = client.post(f"/forms/links/{link.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#customer-forms"
    link.refresh_from_db()
    assert link.state == FormLink.State.REVOKED
    assert "The link was revoked: it no longer opens the form." in messages_of(response)


def test_revoking_a_used_link_is_refused_with_the_reason(client, salesperson, customer):
    link = FormLinkFactory(customer=customer, submitted_at=timezone.now())
    client.force_login(salesperson)

    response = client.post(f"/forms/links/{link.pk}/revoke/")

    assert "This link was used already: the customer sent the form." in messages_of(response)
    link.refresh_from_db()
    assert link.state == FormLink.State.SUBMITTED


def test_another_salesperson_cannot_revoke_or_reopen(client, other_salesperson, customer):
    link = FormLinkFactory(customer=customer)
    client.force_login(other_salesperson)

    assert client.post(f"/forms/links/{link.pk}/revoke/").status_code == 404
    assert client.post(f"/forms/links/{link.pk}/reopen/").status_code == 403
    link.refresh_from_db()
    assert link.state == FormLink.State.SENT


def test_a_manager_reopens_a_used_link(client, manager, customer):
    link = FormLinkFactory(customer=customer, submitted_at=timezone.now())
    client.force_login(manager)

    response = client.post(f"/forms/links/{link.pk}/reopen/", {"expires_in_days": "5"})

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.state == FormLink.State.SENT
    assert link.expires_at > timezone.now() + datetime.timedelta(days=4)
    [message] = messages_of(response)
    assert message.startswith("The link works again until")


def test_reopening_needs_a_number_of_days_within_the_bounds(client, manager, customer):
    link = FormLinkFactory(customer=customer, submitted_at=timezone.now())
    client.force_login(manager)

    response = client.post(f"/forms/links/{link.pk}/reopen/", {"expires_in_days": "0"})

    assert "Ensure this value is greater than or equal to 1." in messages_of(response)
    link.refresh_from_db()
    assert link.state == FormLink.State.SUBMITTED


def test_a_salesperson_cannot_reopen(client, salesperson, customer):
    link = FormLinkFactory(customer=customer, submitted_at=timezone.now())
    client.force_login(salesperson)

    response = client.post(f"/forms/links/{link.pk}/reopen/", {"expires_in_days": "5"})

    assert response.status_code == 403
    link.refresh_from_db()
    assert link.state == FormLink.State.SUBMITTED


def test_the_actions_refuse_a_get(client, manager, customer):
    link = FormLinkFactory(customer=customer)
    client.force_login(manager)

    assert client.get(f"/forms/links/{link.pk}/revoke/").status_code == 405
    assert client.get(f"/forms/links/{link.pk}/reopen/").status_code == 405
    assert client.put(send_url(customer)).status_code == 405
