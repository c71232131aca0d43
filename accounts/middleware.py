from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.utils.cache import add_never_cache_headers
from rest_framework.views import APIView


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login, except views marked `login_not_required`.

    REST API views are left to DRF, whose authentication (token or session) and
    IsAuthenticated permission answer 401/403 instead of redirecting to a login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


# What the pages may ask the browser for: the location (the card's "use my current location"
# and the visit check-in), nothing else.
PERMISSIONS_POLICY = (
    "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), "
    "magnetometer=(), gyroscope=(), accelerometer=()"
)


class PrivateResponsesMiddleware:
    """A signed-in user's pages, exports and API answers hold the company's data: no browser
    or proxy keeps a copy (`Cache-Control: no-store`, …). Every response says which browser
    features the pages may use (`Permissions-Policy`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith("/api/"):
            add_never_cache_headers(response)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
