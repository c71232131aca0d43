"""API tokens in the admin: an admin lists each user's token with its age and expiry and
revokes it (deletes it); nobody reads a token's secret here or makes one for somebody
else: a token is given to its owner, for the password, by the token endpoint."""

import datetime

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(TokenAdmin):
    list_display = ("user", "created", "expires", "key_hint")
    list_select_related = ("user",)

    @admin.display(description=_("expires"))
    def expires(self, token):
        days = settings.API_TOKEN_TTL_DAYS
        return token.created + datetime.timedelta(days=days) if days else _("when rotated")

    @admin.display(description=_("key"))
    def key_hint(self, token):
        return f"{token.key[:4]}…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
