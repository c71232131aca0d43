import pytest
from django.core.exceptions import ValidationError

from customers.validators import (
    credit_code_check_character,
    normalize_credit_code,
    validate_credit_code,
)


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "911100001000026940", "91110108551385082Q", "91440300708461136T"],
)
def test_real_credit_codes_are_accepted(code):
    validate_credit_code(code)


def test_empty_credit_code_is_allowed():
    validate_credit_code("")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "should be 3"),
        ("91350100M000100Y4", "18 characters, not 17"),
        ("91350100M000100Y4O", "O"),
    ],
)
def test_bad_credit_codes_are_refused_with_the_reason(code, message):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert message in error.value.messages[0]


def test_check_character_wraps_31_to_zero():
    # A weighted sum divisible by 31 gives check value 0, not 31 (out of the alphabet).
    assert credit_code_check_character("00000000000000000") == "0"


def test_a_credit_code_in_lower_case_or_with_spaces_is_the_same_code():
    assert normalize_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    validate_credit_code("91350100m000100y43")  # valid once normalised
