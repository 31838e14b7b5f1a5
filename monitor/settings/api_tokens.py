"""API tokens: an administrator makes long-lived tokens for users, sees each secret once, revokes them."""
from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from monitor.clock import utcnow
from monitor.forms import show_errors
from monitor.services import tokens, users
from monitor.services.errors import ValidationError
from monitor.settings import bp
from monitor.settings.forms import ApiTokenForm


@bp.route("/api-tokens", methods=["GET", "POST"])
def api_tokens():
    """Every token; POST makes one and answers with its secret, the only time it is shown."""
    people = users.list_users()
    form = _token_form(people)
    created = secret = None
    if form.validate_on_submit():
        try:
            created, secret = tokens.create_token(form.user_id.data, form.name.data, form.days.data,
                                                  created_by=current_user)
        except ValidationError as invalid:
            show_errors(form, invalid.errors)
        else:
            # The secret is shown once, below; the form starts empty for the next token. (A redirect
            # would have to keep the secret somewhere until the next request.)
            form = _token_form(people, formdata=None)
    _list_deactivated(form, people)
    listed = tokens.list_tokens()
    page = render_template("settings/api_tokens.html", form=form, tokens=listed,
                           by_monitoring=tokens.revoked_by_monitoring(listed),
                           created=created, secret=secret, now=utcnow())
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


def _token_form(people, **kwargs):
    """The form whose choices are the active users: only they can be given a token."""
    form = ApiTokenForm(**kwargs)
    form.user_id.choices = [(user.id, _label(user)) for user in people if user.active]
    return form


def _list_deactivated(form, people):
    """Deactivated users are shown too, marked and not selectable, after validation (which refuses them)."""
    form.user_id.choices += [
        (user.id, _("%(user)s (deactivated)", user=_label(user)), {"disabled": True})
        for user in people if not user.active
    ]


def _label(user):
    return f"{user.name} <{user.email}>"


@bp.post("/api-tokens/<id:token_id>/revoke")
def api_token_revoke(token_id):
    """Revoke a token: every request with it gets 401 from now on."""
    token = tokens.revoke(token_id, by=current_user)
    flash(_("The token %(name)s has been revoked.", name=token.name), "success")
    return redirect(url_for("settings.api_tokens"))
