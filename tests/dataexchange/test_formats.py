import pytest

from dataexchange.formats import FileReadError, decode_text, format_for, read_dataset


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffcode,name\n".encode(), None),
        (b"code,name\n", None),
        ("code,name\n".encode("gb18030"), None),
        ("\ufeffcode,name\n".encode(), "utf-8"),
        ("code,name\n".encode("gbk"), "gbk"),
    ],
)
def test_text_is_decoded_and_a_bom_dropped_whatever_the_encoding(data, encoding):
    assert decode_text(data, encoding) == "code,name\n"


def test_chinese_in_gb18030_is_not_mistaken_for_utf8():
    assert decode_text("名称,地址\n广州,天河\n".encode("gb18030")) == "名称,地址\n广州,天河\n"


def test_an_unknown_encoding_is_a_read_error():
    with pytest.raises(FileReadError, match="Unknown encoding"):
        decode_text(b"code\n", "klingon")


def test_headers_are_stripped_and_trailing_blank_rows_dropped_but_middle_ones_kept():
    dataset = read_dataset(
        "\ufeff code , name\nC1,甲\n,\nC2,乙\n,\n,\n".encode(), file_format="csv"
    )

    assert dataset.headers == ["code", "name"]
    assert [list(row) for row in dataset] == [["C1", "甲"], ["", ""], ["C2", "乙"]]


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("a.csv", None, "csv"),
        ("a.XLSX", None, "xlsx"),
        ("a.txt", "csv", "csv"),
        (None, "xlsx", "xlsx"),
    ],
)
def test_the_format_comes_from_the_option_or_the_extension(name, given, expected):
    assert format_for(name, given) == expected


def test_an_unknown_format_is_refused():
    with pytest.raises(FileReadError):
        format_for("customers.txt")
