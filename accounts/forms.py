"""The password reset form, truthful: Django's logs a failed e-mail and says "sent" anyway;
this one remembers that sending failed, so that the page can say so."""

import logging

from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class TruthfulPasswordResetForm(PasswordResetForm):
    send_failed = False

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        html = (
            render_to_string(html_email_template_name, context)
            if html_email_template_name
            else None
        )
        try:
            send_mail(subject, body, from_email, [to_email], html_message=html)
        except Exception:  # whatever the backend raises: refused, unreachable, timed out
            logger.exception("A password reset e-mail to user %s failed.", context["user"].pk)
            self.send_failed = True
