"""Rights and users: the list, a user's page (rights, Activity, exemption from monitoring), one-click reactivation."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from monitor.activity.events import latest_deactivation
from monitor.auth.views import safe_next
from monitor.forms import show_errors
from monitor.services import users
from monitor.services.errors import Forbidden, ValidationError
from monitor.services.records import rights as record_rights
from monitor.settings import bp
from monitor.settings.forms import RIGHT_COLUMNS, RIGHT_ROWS, UserForm, rights_field

USER_STATUSES = ("active", "deactivated")


@bp.route("/")
def index():
    """The console's first page."""
    return redirect(url_for("settings.user_list"))


@bp.route("/users")
def user_list():
    """Users, optionally only the active or the deactivated ones."""
    status = request.args.get("status")
    if status not in USER_STATUSES:
        status = None
    return render_template("settings/users.html", users=users.list_users(status), status=status)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    """Create a user; a cell of the rights matrix not sent is what a new user starts with."""
    form = UserForm.for_rights(record_rights.NEW_USER)
    if form.validate_on_submit():
        try:
            user = users.create_user(
                form.name.data, form.email.data, form.password.data,
                is_admin=form.is_admin.data, can_export=form.can_export.data, active=form.is_active.data,
                monitoring_exempt=form.monitoring_exempt.data, exempt_reason=form.exempt_reason.data,
                created_by=current_user, rights=form.rights(),
            )
        except ValidationError as invalid:
            show_errors(form, invalid.errors)
        else:
            flash(_("User %(name)s has been created.", name=user.name), "success")
            return redirect(url_for("settings.user_list"))
    return _user_page(form, None)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def user_edit(user_id):
    """Edit a user's name, e-mail, password, rights, Activity and exemption from monitoring.

    A cell of the rights matrix not sent keeps the stored value."""
    user = users.get_user(user_id)
    form = UserForm.for_rights(record_rights.load(user.rights), obj=user, is_active=user.active)
    if form.validate_on_submit():
        try:
            users.update_user(
                user, form.name.data, form.email.data, form.password.data,
                is_admin=form.is_admin.data, can_export=form.can_export.data, active=form.is_active.data,
                acting_user=current_user, monitoring_exempt=form.monitoring_exempt.data,
                exempt_reason=form.exempt_reason.data, rights=form.rights(),
            )
        except ValidationError as invalid:
            show_errors(form, invalid.errors)
        except Forbidden:
            abort(403)  # no longer an administrator
        else:
            if user.id == current_user.id and form.password.data:
                login_user(current_user._get_current_object())  # keep this session, others end
            flash(_("User %(name)s has been saved.", name=user.name), "success")
            return redirect(url_for("settings.user_list"))
    return _user_page(form, user, deactivation=None if user.active else latest_deactivation(user.id))


def _user_page(form, user, **context):
    """A user's page; 400 when a cell of the rights matrix was refused."""
    page = render_template("settings/user_form.html", form=form, user=user, rights_rows=RIGHT_ROWS,
                           rights_columns=RIGHT_COLUMNS, rights_field=rights_field, **context)
    return page, 400 if form.rights_errors() else 200


@bp.post("/users/<id:user_id>/reactivate")
def user_reactivate(user_id):
    """The Reactivate button: the same as ticking Activity; back to `next` (a local path) or the notifications."""
    user = users.get_user(user_id)
    if users.reactivate(user, acting_user=current_user):
        flash(_("%(name)s has been reactivated: they can sign in again, with their counts restarted.",
                name=user.name), "success")
    else:
        flash(_("%(name)s is already active.", name=user.name), "info")
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.index"))
