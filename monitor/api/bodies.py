"""Request bodies of the API, read in one place: reasonable JSON, or a 400 problem+json saying what is wrong.

Reasonable means: UTF-8, valid JSON without NaN or Infinity, nested at most MAX_DEPTH
deep, and its strings (keys too) real text, without lone surrogates ("\\ud800" is valid
JSON, but no database can store it). A body over MAX_CONTENT_LENGTH is a 413 before
any of it is read.
"""
import json
import re

from flask import request

from monitor.api.responses import ApiValidationError

MAX_DEPTH = 32
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse(detail, code="InvalidType"):
    return ApiValidationError.one("body", detail, code=code)


def _no_constants(name):
    raise ValueError(f"{name} is not a number")


def read_json():
    """The request's body as JSON (whatever its Content-Type); ApiValidationError when it is not reasonable."""
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse("The body is not valid UTF-8") from None
    try:
        body = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise _refuse(f"The body nests deeper than {MAX_DEPTH} levels", code="OutOfRange") from None
    except ValueError:
        raise _refuse("The body is not valid JSON") from None
    _check(body)
    return body


def _check(body):
    """Depth and text of every value, walked without recursion."""
    pending = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, (list, dict)):
            if depth > MAX_DEPTH:
                raise _refuse(f"The body nests deeper than {MAX_DEPTH} levels", code="OutOfRange")
            items = value if isinstance(value, list) else [*value.keys(), *value.values()]
            pending.extend((item, depth + 1) for item in items)


def _check_text(text):
    if LONE_SURROGATE.search(text):
        raise _refuse("The body has a string with a lone surrogate (\\ud800-\\udfff): not text")
