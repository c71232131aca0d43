"""API errors: always a 4xx with a body that names the field and the reason, never a 500
for bad input."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

# The schema's 400 for a write refused by its fields (the body is `{field: [reasons]}`).
BAD_INPUT = OpenApiResponse(
    description=_("The input is refused: the body names each field and why.")
)


class Conflict(exceptions.APIException):
    """409. Keyword arguments become extra members of the body (kept as they are, e.g.
    `current_version=7` stays a number), next to `detail` and `code`."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the resource.")
    default_code = "conflict"

    def __init__(self, detail=None, code=None, **extra):
        super().__init__(detail, code)
        self.extra = extra


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: errors
                for field, errors in exc.message_dict.items()
            }
        else:
            detail = {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, ProtectedError | RestrictedError):
        # A race past the view's own "in use" check still gets a clear answer.
        exc = Conflict(_("This record is in use and cannot be deleted."), code="in_use")
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, Conflict):
        response.data = {"detail": exc.detail, "code": exc.detail.code, **exc.extra}
    return response
