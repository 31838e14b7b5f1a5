"""Activity monitoring settings, their preview, current usage and history."""
from zoneinfo import available_timezones

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from monitor.activity import preview, usage
from monitor.activity import settings as activity_settings
from monitor.db import db
from monitor.forms import show_errors
from monitor.inputs import InvalidValue, parse_id
from monitor.models import User
from monitor.services.errors import ValidationError
from monitor.settings import bp
from monitor.settings.forms import ActivityForm

TIMEZONES = sorted(available_timezones())


@bp.route("/activity", methods=["GET", "POST"])
def activity():
    """Limits on card views and list elements, the action, the time zone; `preview` replays them."""
    saved = activity_settings.get_settings()
    form = ActivityForm(
        card_limit=saved.card_limit or "", card_period=saved.card_period, list_limit=saved.list_limit or "",
        list_period=saved.list_period, action=saved.action, timezone=saved.timezone,
        warn_percent="" if saved.warn_percent is None else str(saved.warn_percent), warn_admins=saved.warn_admins,
    )
    plan_ok = activity_settings.plan_allows_monitoring()
    result = None
    if plan_ok and form.validate_on_submit():
        values = (form.card_limit.data, form.card_period.data, form.list_limit.data, form.list_period.data,
                  form.action.data, form.timezone.data)
        try:
            if "preview" in request.form:
                limits, days = activity_settings.parse_preview(*values, form.preview_days.data)
                result = _preview(limits, days)
            else:
                activity_settings.save_settings(*values, warn_percent=form.warn_percent.data,
                                                warn_admins=form.warn_admins.data, by=current_user)
        except ValidationError as invalid:
            show_errors(form, invalid.errors)
        else:
            if result is None:
                flash(_("Activity monitoring settings have been saved."), "success")
                return redirect(url_for("settings.activity"))
    return render_template("settings/activity.html", form=form, plan_ok=plan_ok, timezones=TIMEZONES,
                           result=result)


def _preview(limits, days):
    """The preview with what the page shows around it: the limits, the days, the last administrator."""
    result = preview.run(limits, days)
    active_admins = db.session.scalars(select(User.id).where(User.is_admin.is_(True), User.active.is_(True))).all()
    return {"preview": result, "limits": limits, "days": days,
            "last_admin_id": active_admins[0] if len(active_admins) == 1 else None}


@bp.route("/activity/usage")
def activity_usage():
    """Every user's counts in the current windows against each limit."""
    return render_template(
        "settings/activity_usage.html", rows=usage.current_usage(), windows=usage.current_windows(),
        settings=activity_settings.get_settings(), plan_ok=activity_settings.plan_allows_monitoring(),
    )


@bp.route("/activity/history")
def activity_history():
    """Deactivations, reactivations and notify-only alerts, newest first. `?event=<id>` (an alert e-mail's
    link) opens the page showing that event, whose row is `#event-<id>`; an unknown or bad id: page 1."""
    page = request.args.get("page", 1, type=int)
    if "page" not in request.args:
        try:
            event_id = parse_id(request.args.get("event", ""))
        except InvalidValue:
            event_id = None
        page = (usage.page_of_event(event_id) if event_id is not None else None) or 1
    events, page, pages = usage.history_page(page)
    return render_template("settings/activity_history.html", events=events, page=page, pages=pages)
