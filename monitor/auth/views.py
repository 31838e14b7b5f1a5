"""Sign-in, sign-out and the profile page."""
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from monitor import i18n
from monitor.auth import bp
from monitor.auth import session as _session  # the user loader, and why a session ended
from monitor.auth.forms import LanguageForm, LoginForm, PasswordForm
from monitor.forms import show_errors
from monitor.services import dashboard, records, signin, users
from monitor.services.errors import ValidationError


def safe_next(target):
    """Only a local path may be a redirect target: no scheme, no host, no `//`."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def new_csrf_secret():
    """Forget the CSRF secret (Flask-WTF makes a new one): no token from before a sign-in or out works."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)


@bp.route("/")
@login_required
def index():
    """Home: the user's own use against the limits and the open deals per stage. Names no record, counts nothing."""
    viewer = records.Viewer.of(current_user)  # only the deals the user may view
    return render_template(
        "home.html", usage=dashboard.own_usage(current_user), pipelines=dashboard.open_deals_by_stage(viewer))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password; `?lang=en|ru` switches the page's language before signing in."""
    if request.method == "GET" and "lang" in request.args:
        i18n.choose_language(request.args["lang"])
        return redirect(url_for("auth.login", next=safe_next(request.args.get("next"))))
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("auth.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = signin.authenticate(form.email.data, form.password.data, request.remote_addr)
        except signin.SignInRefused as refused:
            error = str(refused)
        else:
            signin.start_session(user)
            new_csrf_secret()
            _session.forget_deactivation()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("auth.index"))
    elif request.method == "GET":
        error = _session.deactivation_note()  # signed out by a deactivation: said here, in the one error place
    return render_template("auth/login.html", form=form, error=error, next=safe_next(request.args.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST with the CSRF token): this session ends on the server too."""
    if current_user.is_authenticated:
        signin.end_session(current_user)
    logout_user()
    new_csrf_secret()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Change one's own password and interface language."""
    password_form = PasswordForm(prefix="pw")
    language_form = LanguageForm(prefix="lang", language=current_user.language or "")
    if request.method == "POST" and "pw-new_password" in request.form and password_form.validate():
        try:
            users.change_own_password(
                current_user, password_form.current_password.data, password_form.new_password.data
            )
        except ValidationError as invalid:
            show_errors(password_form, invalid.errors)
        else:
            login_user(current_user._get_current_object())  # keep this session, others end
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.profile"))
    elif request.method == "POST" and "lang-language" in request.form and language_form.validate():
        users.set_language(current_user, language_form.language.data or None)
        flash(_("The interface language has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", password_form=password_form, language_form=language_form)
