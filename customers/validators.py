"""The unified social credit code (统一社会信用代码, GB 32100-2015)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The 31 characters the standard allows (no I, O, Z, S, V), in value order.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    """The 18th character for the first 17 (weighted sum modulo 31)."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    """A credit code as stored: without surrounding spaces, in upper case (people type it in
    lower case too; the standard's letters are capitals)."""
    return value.strip().upper()


def validate_credit_code(value: str) -> None:
    """Whether `value` is a valid credit code once normalised (`normalize_credit_code`); the
    card's services store it normalised."""
    value = normalize_credit_code(value or "")
    if not value:
        return
    if len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters, not %(length)d."),
            code="credit_code_length",
            params={"length": len(value)},
        )
    bad = sorted({char for char in value if char not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("Character(s) %(chars)s are not allowed in a unified social credit code."),
            code="credit_code_chars",
            params={"chars": "".join(bad)},
        )
    expected = credit_code_check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("The check character of this credit code should be %(expected)s."),
            code="credit_code_check",
            params={"expected": expected},
        )
