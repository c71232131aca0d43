"""Every log line says which request and which user it comes from: a request id (the
proxy's X-Request-ID when it sends a sane one, a new one otherwise, sent back in the answer)
and the username, nothing more about the person; and no secret the address carries."""

import contextvars
import logging
import re
import uuid

_request_id = contextvars.ContextVar("request_id", default="-")
_username = contextvars.ContextVar("username", default="-")
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Addresses that carry a secret: a customer's data form link works for whoever has it, so
# a log line names the page, never the link.
SECRET_IN_PATH = re.compile(r"(/forms/f/)[^/\s\"']+")


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `username` to every record (for the formatter)."""

    def filter(self, record):
        record.request_id = _request_id.get()
        record.username = _username.get()
        message = record.getMessage()
        redacted = SECRET_IN_PATH.sub(r"\1…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def log_username(user) -> None:
    """Names the user in the rest of the request's lines: for an API call authenticated by
    its token, which happens inside the view, after the middleware."""
    _username.set(user.get_username())


class RequestContextMiddleware:
    """Sets the request id and the signed-in username for the lines logged while a request
    is answered, the handler's own 4xx/5xx line after the middleware included (so the
    values are set at the start of each request, not reset at its end)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if SANE_ID.match(given) else uuid.uuid4().hex
        _request_id.set(request_id)
        user = getattr(request, "user", None)
        _username.set(user.get_username() if user is not None and user.is_authenticated else "-")
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
