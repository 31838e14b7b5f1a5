"""Search in names, phones and e-mails: SQLite FTS5 (trigram index), ILIKE on other databases.

Migration 0002 creates one FTS5 table per entity (`search_<entity>`: `search_leads`, ...) holding each
record's name, phone, e-mail and phone digits under the record's id, kept in sync
by triggers. A query is split into words and every word must occur somewhere
(substring, case-insensitive); a query that looks like a phone number also
matches by digits alone, so "9161234567" and "123-45" find "+7 916 123-45-67".

A short query — no word of 3 characters or more, e.g. "a" or "iv" — is too short for
the trigram index, and a substring scan of every record is slow, so it finds the
names, phones and e-mails that *start* with it, case-insensitively, read as ranges
of the plain indexes on those columns (migration 0005): "iv" finds "Ivan Petrov".
"""
import re

from sqlalchemy import and_, column, func, literal_column, or_, select, table

from monitor.db import FOLD_FUNCTION, db, fold
from monitor.inputs import CONTROL_CHARACTERS

PHONE_PUNCTUATION = (" ", "-", "(", ")", "+", ".", "/")
PHONE_LIKE = re.compile(r"^[\d\s()+\-./]+$")
# The trigram index finds substrings of three characters or more; shorter words
# are checked with LIKE over the rows the longer words found, or alone (a short query)
# as a prefix of the column.
MIN_INDEXED_LENGTH = 3
# A short query's index ranges come from its first characters in every mix of upper and
# lower case (2 characters: at most 4 ranges); LIKE checks the rest of it.
PREFIX_RANGE_LENGTH = 2
MAX_QUERY_LENGTH = 200
MAX_CODE_POINT = 0x10FFFF
SURROGATES = (0xD800, 0xDFFF)


def phone_digits(expression):
    """SQL for `expression` without phone punctuation (same rule as migration 0002's index)."""
    result = func.coalesce(expression, "")
    for char in PHONE_PUNCTUATION:
        result = func.replace(result, char, "")
    return result


def words(query):
    """The words of a search query, at most MAX_QUERY_LENGTH characters in all (control characters dropped)."""
    # Every control character separates words: the others become spaces, and split() already
    # splits at tab, newline and carriage return, the ones CONTROL_CHARACTERS leaves to text.
    return CONTROL_CHARACTERS.sub(" ", (query or "")[:MAX_QUERY_LENGTH]).split()


def digits_of(query):
    """The digits of a phone-like query ("+7 (916) 123-45" -> "791612345"), else ""."""
    query = " ".join(words(query))
    if not PHONE_LIKE.match(query):
        return ""
    digits = re.sub(r"\D", "", query)
    return digits if len(digits) >= MIN_INDEXED_LENGTH else ""


def is_short(query):
    """True for a query no word of which is long enough for the trigram index (and no phone number)."""
    found = words(query)
    return bool(found) and not digits_of(query) and all(len(word) < MIN_INDEXED_LENGTH for word in found)


def matching_ids(entity, model, columns, query, use_index=None):
    """A SELECT of the ids of `entity` records whose `columns` match the search `query`.

    `model` is the record class and `columns` the names of its searchable columns
    (a subset of name, phone, email). `use_index` picks the FTS5 index (default:
    on SQLite) or ILIKE. Returns None for an empty query. A short query (is_short)
    matches the columns that start with it.
    """
    if not words(query):
        return None
    if use_index is None:
        use_index = db.session.get_bind().dialect.name == "sqlite"
    if is_short(query):
        return _prefix_ids(model, columns, " ".join(words(query)), use_index)
    if use_index:
        return _fts_ids(entity, columns, query)
    return _ilike_ids(model, columns, query)


def row_matches(model, columns, query):
    """A WHERE clause true for a row of `model` that matching_ids finds for `query`, tested on the row itself
    (None for an empty query).

    For walking a list in its own order when the matches are too many to gather first: the walk
    stops after its page, whatever the number of matches. On SQLite the index's own rules, case folded
    as it folds it (SQL function tally_fold); elsewhere the ILIKE test the search makes anyway.
    """
    found = words(query)
    if not found:
        return None
    if db.session.get_bind().dialect.name != "sqlite":
        if is_short(query):
            return _starts(model, columns, " ".join(found))
        return _ilike_condition(model, columns, query)
    folded = [_folded(getattr(model, name)) for name in columns]
    if is_short(query):  # as _prefix_ids: the first characters in any case, the rest by LIKE
        text = " ".join(found)
        head = fold(text[:PREFIX_RANGE_LENGTH])
        pattern = f"{_escaped(text)}%"
        return or_(*(and_(func.substr(column, 1, len(head)) == head, getattr(model, name).like(pattern, escape="\\"))
                     for name, column in zip(columns, folded, strict=True)))
    digits = digits_of(query)
    if digits:
        # As the index's two phrases: the query as typed or its digits, in any column, or in the phone's digits.
        texts = {fold(" ".join(found)), digits}
        condition = or_(*(column.contains(text, autoescape=True) for column in folded for text in sorted(texts)))
        if "phone" in columns:
            condition = or_(condition, phone_digits(model.phone).contains(digits, autoescape=True))
        return condition
    return and_(*(or_(*(column.contains(fold(word), autoescape=True) for column in folded)) for word in found))


def _folded(expression):
    """SQLite: `expression` with its case folded as the index folds it (db.fold, as SQL function FOLD_FUNCTION)."""
    return getattr(func, FOLD_FUNCTION)(expression)


def _phrase(text):
    return '"' + text.replace('"', '""') + '"'


def _escaped(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_pattern(text):
    return f"%{_escaped(text)}%"


def _prefix_ids(model, columns, text, use_ranges):
    """Ids of records with a column starting with `text` (case-insensitive)."""
    if not use_ranges:
        return select(model.id).where(_starts(model, columns, text))
    pattern = f"{_escaped(text)}%"
    head = text[:PREFIX_RANGE_LENGTH]
    conditions = []
    for name in columns:
        column = getattr(model, name)
        # Binary ranges on the column's own index: one per upper/lower-case spelling of the head.
        starts = or_(*(_range(column, spelling) for spelling in case_spellings(head)))
        conditions.append(starts if text == head else and_(starts, column.like(pattern, escape="\\")))
    return select(model.id).where(or_(*conditions))


def _starts(model, columns, text):
    """ILIKE: some column starts with `text`."""
    pattern = f"{_escaped(text)}%"
    return or_(*(getattr(model, name).ilike(pattern, escape="\\") for name in columns))


def case_spellings(text):
    """Every spelling of `text` in upper and lower case letters: "iv" -> ["IV", "Iv", "iV", "iv"]."""
    spellings = [""]
    for char in text:
        forms = sorted({form for form in (char, char.lower(), char.upper()) if len(form) == 1})
        spellings = [spelling + form for spelling in spellings for form in forms]
    return spellings


def _range(column, prefix):
    """`column` starts with `prefix` as an index range: prefix <= column < the first string after them all."""
    end = prefix_end(prefix)
    return column >= prefix if end is None else and_(column >= prefix, column < end)


def prefix_end(prefix):
    """The least string greater than every string starting with `prefix`; None when there is none.

    Text compares by code point (UTF-8 bytes), so that is `prefix` with its last character
    raised by one. Surrogates (U+D800..U+DFFF) are no characters: U+D7FF is followed by
    U+E000, and a lone surrogate could not even be sent to the database. U+10FFFF has no
    successor, so it is dropped and the character before it raised instead.
    """
    head = prefix.rstrip(chr(MAX_CODE_POINT))
    if not head:
        return None
    following = ord(head[-1]) + 1
    if SURROGATES[0] <= following <= SURROGATES[1]:
        following = SURROGATES[1] + 1
    return head[:-1] + chr(following)


def _fts_ids(entity, columns, query):
    if not (entity.isascii() and entity.isalpha()):  # a kind's name, never text that could reach the SQL
        raise ValueError(f"unknown entity {entity!r}")
    name = f"search_{entity}"  # migration 0002's index of the entity
    indexed = (*columns, "digits") if "phone" in columns else columns
    fts = table(name, column("rowid"), *(column(field) for field in indexed))
    matches = literal_column(name).op("MATCH", is_comparison=True)
    digits = digits_of(query)
    if digits:
        whole = " ".join(words(query))
        phrases = _phrase(digits) if whole == digits else f"{_phrase(whole)} OR {_phrase(digits)}"
        return select(fts.c.rowid).where(matches(phrases))
    long_words = [word for word in words(query) if len(word) >= MIN_INDEXED_LENGTH]
    conditions = [matches(" AND ".join(map(_phrase, long_words)))] if long_words else []
    conditions += [
        or_(*(_folded(fts.c[field]).like(_like_pattern(fold(word)), escape="\\") for field in columns))
        for word in words(query) if len(word) < MIN_INDEXED_LENGTH
    ]
    return select(fts.c.rowid).where(and_(*conditions))


def _ilike_ids(model, columns, query):
    return select(model.id).where(_ilike_condition(model, columns, query))


def _ilike_condition(model, columns, query):
    digits = digits_of(query)
    if digits:
        whole = _like_pattern(" ".join(words(query)))
        condition = or_(*(getattr(model, name).ilike(whole, escape="\\") for name in columns))
        if "phone" in columns:
            condition = or_(condition, phone_digits(model.phone).like(_like_pattern(digits), escape="\\"))
        return condition
    return and_(*(
        or_(*(getattr(model, name).ilike(_like_pattern(word), escape="\\") for name in columns))
        for word in words(query)
    ))
