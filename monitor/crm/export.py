"""CSV export of a list: every matching row, streamed, in UTF-8 with a BOM for Excel."""
import csv
import io

from flask import Response, stream_with_context

from monitor.clock import utcnow
from monitor.crm.display import plain
from monitor.services import records, search

ROWS_PER_CHUNK = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_response(entity, filters, user=None):
    """A streamed CSV download of every record of `entity` matching `filters` (its viewer: the rows `user` may
    view); a linked company or contact `user` may not view is not named in a cell (display.plain)."""
    filename = f"{entity.name}-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(csv_chunks(entity, filters, user)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_chunks(entity, filters, user=None):
    """The CSV text in chunks: a BOM and the header row first, then ROWS_PER_CHUNK rows at a time."""
    rows = ([spreadsheet_safe(plain(record, column, user)) for column in entity.export_columns]
            for record in records.iter_records(entity.name, filters))
    return csv_text([str(column.label) for column in entity.export_columns], rows, prefix="\ufeff")


def csv_text(header, rows, prefix="", lineterminator="\r\n"):
    """CSV in chunks: `prefix` and the header row first, then ROWS_PER_CHUNK rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(header)
    yield prefix + _drain(buffer)
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer):
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def spreadsheet_safe(text):
    """Keep spreadsheets from running a cell as a formula; phone numbers stay as they are."""
    if text.startswith(FORMULA_STARTS) and not search.PHONE_LIKE.match(text):
        return "'" + text
    return text
