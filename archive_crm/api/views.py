from collections.abc import Mapping

from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from archive_crm.api.authentication import token_for
from archive_crm.api.parsers import SafeJSONParser
from archive_crm.lockout import lockout_response

TOKEN_ANSWER = inline_serializer(
    name="TokenAnswer",
    fields={"token": serializers.CharField(help_text=_("Send as `Authorization: Token <token>`"))},
)
LOCKED_OUT = OpenApiResponse(
    description=_(
        "Too many failed sign-ins for this username from this address: locked out for a while "
        "(`code` locked_out)."
    )
)


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password (form-encoded or JSON) for the user's API token, to
    send as `Authorization: Token <token>`. Wrong credentials are a 400. An expired token is
    replaced by a new one."""

    # No login needed, and any session is ignored: a signed-in browser would otherwise have
    # to send a CSRF token just to ask for an API token.
    authentication_classes = []
    parser_classes = [FormParser, MultiPartParser, SafeJSONParser]

    @extend_schema(request=AuthTokenSerializer, responses={200: TOKEN_ANSWER, 429: LOCKED_OUT})
    def post(self, request, *args, **kwargs):
        if not isinstance(request.data, Mapping):
            raise ParseError(_("Send an object with a username and a password."))
        # Repeated wrong passwords lock the username out here as on the login page (see
        # AUTHENTICATION_BACKENDS); the lockout is checked on the Django request, which the
        # axes middleware never sees answered for an API view.
        credentials = {"username": str(request.data.get("username", ""))}
        if AxesProxyHandler.is_locked(request._request, credentials):
            return lockout_response(request._request, None, credentials)
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if AxesProxyHandler.is_locked(request._request, credentials):
                return lockout_response(request._request, None, credentials)
            raise ValidationError(serializer.errors)
        return Response({"token": token_for(serializer.validated_data["user"]).key})


class RotateTokenView(APIView):
    """Replace the caller's API token with a new one: the old one stops working at once."""

    @extend_schema(request=None, responses={200: TOKEN_ANSWER})
    def post(self, request):
        return Response({"token": token_for(request.user, rotate=True).key})
