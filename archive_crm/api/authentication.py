"""API tokens that expire: a token older than `API_TOKEN_TTL_DAYS` (0: never) no longer
authenticates; asking for a token with the password again, or rotating it, gives a new one."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from archive_crm.logging import log_username


def token_expired(token: Token) -> bool:
    days = settings.API_TOKEN_TTL_DAYS
    return bool(days) and token.created <= timezone.now() - datetime.timedelta(days=days)


def token_for(user, *, rotate: bool = False) -> Token:
    """The user's token: the current one, or a new one (the old one stops working) when it
    has expired or `rotate` asks for it."""
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and (rotate or token_expired(token)):
            token.delete()
            token = Token.objects.create(user=user)
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(
                _("The token has expired: ask for a new one with your password.")
            )
        log_username(user)
        return user, token
