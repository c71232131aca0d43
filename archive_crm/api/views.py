from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser

from archive_crm.api.parsers import SafeJSONParser


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password (form-encoded or JSON) for the user's API token, to
    send as `Authorization: Token <token>`. Wrong credentials are a 400."""

    # No login needed, and any session is ignored: a signed-in browser would otherwise have
    # to send a CSRF token just to ask for an API token.
    authentication_classes = []
    parser_classes = [FormParser, MultiPartParser, SafeJSONParser]
