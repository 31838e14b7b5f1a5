"""The one input parser (monitor.inputs): digits, ids, pages and control characters, one error type."""
import pytest

from monitor import inputs
from monitor.inputs import MAX_ID, MAX_PAGE, InvalidValue
from monitor.services import records, search

CONTROLS = [chr(code) for code in (*range(0x20), 0x7F)]


@pytest.mark.parametrize("text", ["0", "7", "2147483647", "9" * inputs.MAX_DIGITS])
def test_ascii_digits_up_to_the_bound_are_digits(text):
    assert inputs.is_digits(text)


@pytest.mark.parametrize("text", [
    "", " 1", "1 ", "-1", "+1", "1.5", "1e5", "0x1", "\u00b2", "\u0661\u0662", "\uff11", "9" * (inputs.MAX_DIGITS + 1),
    1, None,
])
def test_anything_else_is_not_digits(text):
    """"²" and Arabic-Indic or full-width digits pass str.isdigit(); int() of 5,000 digits raises."""
    assert not inputs.is_digits(text)


def test_an_id_is_a_whole_number_an_integer_column_holds():
    assert MAX_ID == 2**31 - 1
    assert inputs.parse_id("12") == 12 and inputs.parse_id(str(MAX_ID)) == MAX_ID
    assert inputs.parse_id("") is None
    assert inputs.is_id(1) and inputs.is_id(MAX_ID) and inputs.is_id(0)  # 0 names no record, as a deleted id
    assert not any(inputs.is_id(value) for value in (MAX_ID + 1, -1, True, "1", 1.0, None))


@pytest.mark.parametrize("text", [str(MAX_ID + 1), "99999999999", "9" * 5000, "\u0661\u0662", "\u00b2", "-1", "1.5",
                                  "#12", " 12"])
def test_anything_else_is_no_id_and_says_so(text):
    with pytest.raises(InvalidValue) as refused:
        inputs.parse_id(text, "Choose a value.")
    assert refused.value.args == ("Choose a value.",)


def test_a_page_runs_from_1_to_max_page():
    assert inputs.parse_page("") == 1 and inputs.parse_page("1") == 1
    assert inputs.parse_page(str(MAX_PAGE)) == MAX_PAGE
    for text in ("0", str(MAX_PAGE + 1), "\u00b2", "1" * 5000, "-1"):
        with pytest.raises(InvalidValue):
            inputs.parse_page(text)


def test_text_keeps_tab_newline_and_carriage_return_and_drops_every_other_control_character():
    kept = {char for char in CONTROLS if inputs.without_control_characters(char)}
    assert kept == {"\t", "\n", "\r"}
    assert inputs.without_control_characters("a\x00b\tc\nd\re\x7ff\x0bg") == "ab\tc\nd\refg"


@pytest.mark.parametrize("char", CONTROLS)
def test_every_control_character_separates_search_words(char):
    assert search.words(f"ivan{char}petrov") == ["ivan", "petrov"]


def test_card_fields_and_list_parameters_raise_the_one_error_type():
    for parse, value in ((records.parse_amount, "12x"), (records.parse_date, "tomorrow"),
                         (records.parse_tag_names, "x" * 1000)):
        with pytest.raises(InvalidValue):
            parse(value)
