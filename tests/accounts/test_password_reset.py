"""Password reset tells the truth: the link is e-mailed and the page says so, or the page
says the e-mail could not be sent; the link sets a new password once."""

import re

import pytest
from django.core import mail

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


class RefusingBackend:
    """An e-mail backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")


@pytest.fixture
def user():
    return UserFactory(username="li", email="li@example.com")


def test_the_login_page_leads_to_the_reset(client):
    assert 'href="/accounts/password_reset/"' in client.get("/accounts/login/").content.decode()


def test_the_link_is_sent_and_sets_a_new_password_once(client, user):
    response = client.post("/accounts/password_reset/", {"email": "li@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    new = "a quite long new password 2026"
    done = client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    again = client.get(link, follow=True)
    assert "has been used already or has expired" in again.content.decode()


def test_a_failed_e_mail_is_said_not_hidden(client, user, settings):
    settings.EMAIL_BACKEND = "tests.accounts.test_password_reset.RefusingBackend"
    response = client.post("/accounts/password_reset/", {"email": "li@example.com"})
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()


def test_an_unknown_address_looks_like_a_known_one(client, user):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
