"""Input typed by people or carried by URLs and the API: digits, ids, pages and control characters.

One parser per kind of input and one error type, `InvalidValue`, used by the card forms,
the list parameters and the API alike, so a value means the same wherever it comes in.

`str.isdigit()` alone also accepts "²" (which `int()` refuses) and Arabic-Indic digits
(which `int()` reads as numbers nobody typed as such), and `int()` refuses strings of
thousands of digits, so every whole number is checked with `is_digits` before `int()`.
"""
import re

from flask_babel import lazy_gettext as _l

# More digits than any id, amount, page or limit can have (a 64-bit integer has 19).
MAX_DIGITS = 18
# Ids are INTEGER columns on every database: a bigger number names no record, and the
# database driver would refuse to send it.
MAX_ID = 2**31 - 1
# The deepest page a list or an API call serves.
MAX_PAGE = 1_000_000
# Control characters other than tab, newline and carriage return. Text fields drop them:
# PostgreSQL refuses NUL in text and the others are invisible, while the three whitespace
# ones belong in a multi-line address. A search query also reads the three as spaces, so
# there every control character separates words (search.words).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

NOT_AN_ID = _l("Choose from the list or enter a number (the record's id).")
NOT_A_PAGE = _l("The page is a whole number from 1.")


class InvalidValue(Exception):
    """A value is refused; the message says why (it is shown by the field or parameter)."""


def is_digits(text, max_digits=MAX_DIGITS):
    """True when `text` is 1 to `max_digits` of the ASCII digits 0-9 and nothing else."""
    return isinstance(text, str) and 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def is_id(value):
    """Whether `value` is an int an id column holds: 0 to MAX_ID (0, like any id not in the table, names no record)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def parse_id(text, message=NOT_AN_ID):
    """An id sent as text: "12" -> 12; None when empty; InvalidValue(`message`) for other text or past MAX_ID."""
    if not text:
        return None
    if not is_digits(text) or int(text) > MAX_ID:
        raise InvalidValue(message)
    return int(text)


def parse_page(text):
    """A page number sent as text, 1 to MAX_PAGE; 1 when empty."""
    if not text:
        return 1
    if not is_digits(text) or not 1 <= int(text) <= MAX_PAGE:
        raise InvalidValue(NOT_A_PAGE)
    return int(text)


def without_control_characters(text):
    """`text` without NUL and the other control characters but tab, newline and carriage return."""
    return CONTROL_CHARACTERS.sub("", text)
