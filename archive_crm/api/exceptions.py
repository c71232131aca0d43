"""API errors: always a 4xx with a body that names the field and the reason, never a 500
for bad input."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

# The errors the API answers, as the schema documents them. Every operation gets those that
# apply to it from `archive_crm.api.schema.document_errors` (400, 401, 403, 404, 415, 429);
# a view names only what is its own: a 409 (`conflict()`), or a more telling description.

# 400: a body or parameter refused (the body is `{field: [reasons]}`).
BAD_INPUT = OpenApiResponse(
    description=_("The input is refused: the body names each field and why.")
)
UNAUTHENTICATED = OpenApiResponse(
    description=_(
        "No valid credentials: send `Authorization: Token <token>` (the body's `detail` says "
        "what was wrong)."
    )
)
FORBIDDEN = OpenApiResponse(description=_("Your role may not do this."))
NOT_FOUND = OpenApiResponse(
    description=_("No such record among those you may see, or no such page of results.")
)
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    description=_(
        "The body is not in a format this operation reads: send it as its request body says "
        "(JSON, or a multipart form for a file)."
    )
)
THROTTLED = OpenApiResponse(
    description=_("Too many requests: try again after the number of seconds in `Retry-After`.")
)


def conflict(description) -> OpenApiResponse:
    """The schema's 409 of one operation: which states of the record refuse it, and the
    `code` of each (the body has `detail` and `code`, and what the code needs)."""
    return OpenApiResponse(description=description)


# 409 of a DELETE refused because other records still use this one.
IN_USE = conflict(_("The record is still in use (`code` in_use): deactivate it instead."))


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
    elif isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body this large; the API says so in its own format.
        exc = exceptions.ParseError(
            _("The request body is larger than the %(size)s MB this server reads.")
            % {"size": round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20, 1)}
        )
    elif isinstance(exc, ProtectedError | RestrictedError):
        # A race past the view's own "in use" check still gets a clear answer.
        exc = Conflict(_("This record is in use and cannot be deleted."), code="in_use")
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, Conflict):
        response.data = {"detail": exc.detail, "code": exc.detail.code, **exc.extra}
    return response
