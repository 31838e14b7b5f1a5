"""Evidence before enforcement (SPEC §8): the hourly usage as CSV, and one user's last 7 days as charts.

Neither counts anything: reading the history is not a CRM view.
"""

from flask import Response, render_template, request, stream_with_context
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from monitor.activity import evidence
from monitor.activity import settings as activity_settings
from monitor.activity.counting import CHANNELS
from monitor.activity.recording import CARD, LIST
from monitor.activity.wording import describe_limit
from monitor.clock import utcnow
from monitor.crm.export import csv_text, spreadsheet_safe
from monitor.inputs import InvalidValue
from monitor.services import users
from monitor.settings import bp, charts

CSV_COLUMNS = ("hour", "user_id", "email", "name", "channel", "card_views", "list_elements")
COUNTER_TITLES = {CARD: _l("Card views"), LIST: _l("List elements")}
CHANNEL_LABELS = {"web": _l("web"), "api": _l("API"), "mobile": _l("mobile")}


@bp.route("/activity/usage.csv")
def activity_usage_csv():
    """Card views and list elements per user, UTC hour and channel over local days `from`..`to`."""
    settings = activity_settings.get_settings()
    try:
        span = evidence.parse_span(request.args.get("from", ""), request.args.get("to", ""),
                                   settings.timezone, utcnow())
    except InvalidValue as invalid:
        return Response(str(invalid), status=400, mimetype="text/plain")
    filename = f"activity-usage-{span.first.isoformat()}-{span.last.isoformat()}.csv"
    return Response(stream_with_context(_csv_chunks(span)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/activity/users/<id:user_id>")
def activity_user(user_id):
    """One user's last 7 local days by hour and by day, drawn against the limits."""
    user = users.get_user(user_id)
    settings = activity_settings.get_settings()
    week = evidence.user_week(user.id, settings.timezone, utcnow())
    return render_template(
        "settings/activity_user.html", user=user, week=week,
        panels=[_panel(week, counter, settings) for counter in (CARD, LIST)], days=_day_rows(week),
        plan_ok=activity_settings.plan_allows_monitoring(),
    )


def _csv_chunks(span):
    """The header row, then the rows in chunks; names and e-mails made safe for spreadsheets."""
    rows = ([f"{row.hour:%Y-%m-%dT%H:%M:%S}Z", row.user_id, spreadsheet_safe(row.email), spreadsheet_safe(row.name),
             row.channel, row.card_views, row.list_elements] for row in evidence.hourly_usage(span))
    return csv_text(CSV_COLUMNS, rows, lineterminator="\n")


def _series():
    return [(channel, CHANNEL_LABELS[channel]) for channel in CHANNELS]


def _day_label(moment):
    """E.g. "Fri 27 Nov" (tooltips and the table)."""
    return format_date(moment.date(), "EEE d MMM")


def _axis_day(moment):
    """E.g. "Fri 27": short enough for a day's width under a chart on a phone."""
    return format_date(moment.date(), "EEE d")


def _panel(week, counter, settings):
    """A counter's hourly and daily charts, the limit drawn on the one matching its period."""
    limit, period = settings.limit(counter), settings.period(counter)
    limit_label = _("Limit %(n)d", n=limit) if limit is not None else None
    what = COUNTER_TITLES[counter]
    hourly = charts.bar_chart(
        [bar.seen[counter] for bar in week.hours], _series(),
        _("%(what)s by hour, last 7 days", what=what),
        limit=limit if period == "hour" else None, limit_label=limit_label,
        x_labels=[(index, _axis_day(bar.start)) for index, bar in enumerate(week.hours)
                  if index == 0 or (bar.start.hour, bar.start.minute) == (0, 0)],
        tips=[f"{_day_label(bar.start)} {bar.start:%H:%M}" for bar in week.hours], centred=False,
    )
    daily = charts.bar_chart(
        [bar.seen[counter] for bar in week.days], _series(), _("%(what)s by day, last 7 days", what=what),
        limit=limit if period == "day" else None, limit_label=limit_label,
        x_labels=[(index, _axis_day(bar.start)) for index, bar in enumerate(week.days)],
        tips=[_day_label(bar.start) for bar in week.days],
    )
    return {
        "counter": counter, "title": what, "hourly": hourly, "daily": daily, "peak": week.peak(counter),
        "limit": describe_limit(counter, limit, period) if limit is not None else None,
        "legend": charts.legend(_series(), limit_label),
    }


def _day_rows(week):
    """The day totals table: a row a local day, per counter its total and its split by channel."""
    return [{"date": bar.start.date(), "label": _day_label(bar.start),
             "counters": {counter: (bar.total(counter), [bar.seen[counter][c] for c in CHANNELS])
                          for counter in (CARD, LIST)}}
            for bar in week.days]
