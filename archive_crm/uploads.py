"""Uploaded files as the channels take them (visit photos, agency reports): checked by size
and told by their first bytes, never by their name or the browser's word."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MEGABYTE = 1_048_576
# What an upload may be, by its first bytes.
SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"%PDF-": "application/pdf",
}


def upload_content_type(upload, *, field: str, max_bytes: int) -> str | None:
    """The content type of `upload` told by its first bytes (None: none of `SIGNATURES`),
    or a ValidationError on `field` when it is larger than `max_bytes`. Reads the first
    bytes only, and rewinds."""
    if upload.size > max_bytes:
        raise ValidationError(
            {
                field: _("The file is %(size)s MB; at most %(limit)s MB are accepted.")
                % {"size": round(upload.size / MEGABYTE, 1), "limit": max_bytes // MEGABYTE}
            },
            code="too_big",
        )
    head = upload.read(16)
    upload.seek(0)
    return next(
        (kind for signature, kind in SIGNATURES.items() if head.startswith(signature)), None
    )
