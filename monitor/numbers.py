"""Whole numbers typed by people or sent in URLs: ASCII digits only, and not too many of them.

`str.isdigit()` alone also accepts "²" (which `int()` refuses) and Arabic-Indic
digits (which `int()` reads as numbers nobody typed as such), and `int()` refuses
strings of thousands of digits, so every parser of input checks with `is_digits`
before calling `int()`.
"""

# More digits than any id, amount, page or limit can have (a 64-bit integer has 19).
MAX_DIGITS = 18


def is_digits(text, max_digits=MAX_DIGITS):
    """True when `text` is 1 to `max_digits` of the ASCII digits 0-9 and nothing else."""
    return isinstance(text, str) and 0 < len(text) <= max_digits and text.isascii() and text.isdigit()
