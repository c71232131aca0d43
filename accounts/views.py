from django.shortcuts import render
from django.utils import timezone
from django.views.generic import TemplateView

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
