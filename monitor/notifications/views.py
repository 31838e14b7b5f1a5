"""The notifications page and marking as read."""
from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from monitor.notifications import bp
from monitor.notifications.reactivations import reactivations_after
from monitor.services import notifications


@bp.route("")
@login_required
def index():
    """The user's notifications, newest first; a deactivation's says who reactivated the user since."""
    items = notifications.newest(current_user.id)
    reactivations = reactivations_after([item.event for item in items])
    return render_template("notifications/list.html", items=items, reactivations=reactivations)


@bp.route("/<id:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id):
    """Mark one notification read."""
    notifications.mark_read(current_user.id, notification_id)
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every notification read."""
    notifications.mark_read(current_user.id)
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def bell():
    """The header's unread count, for signed-in users."""
    if not getattr(current_user, "is_authenticated", False):  # also outside requests (e-mail)
        return {}
    return {"unread_notifications": notifications.unread_count(current_user.id)}
