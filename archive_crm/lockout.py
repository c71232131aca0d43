"""How a locked-out sign-in is answered (django-axes calls `lockout_response`): the API
token endpoint gets a JSON 429 that says why, the login pages a page in the reader's
language. Never a 500, never a hint whether the password was right."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        detail = _(
            "Too many failed sign-ins for this username from this address: try again in "
            "%(minutes)s minutes."
        ) % {"minutes": minutes}
        return JsonResponse({"detail": detail, "code": "locked_out"}, status=429)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
