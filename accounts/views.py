from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.forms import TruthfulPasswordResetForm
from accounts.home import home_panels
from accounts.roles import is_sales


class HomeView(TemplateView):
    """A salesperson's day and what needs a manager's attention: the panels that the apps
    register for the user's roles (`accounts.home`)."""

    template_name = "accounts/home.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "today": timezone.localdate(),
            "is_sales": is_sales(self.request.user),
            "panels": home_panels(self.request),
        }


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token, most often one left open across a sign-in, a
    sign-out or an expired session: the product's page, in the user's language, with the
    way out. The technical reason is already logged by the CSRF middleware; it would mean
    nothing to the person."""
    return render(request, "403_csrf.html", status=403)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, which says when the e-mail could not be sent instead of
    claiming it was."""

    form_class = TruthfulPasswordResetForm

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.send_failed:
            form.add_error(
                None,
                _(
                    "The e-mail could not be sent just now. Try again later, or ask an "
                    "administrator to set a new password for you."
                ),
            )
            return self.form_invalid(form)
        return response
