"""Interface language: the user's saved choice, else the one picked on the sign-in page, else the browser's
Accept-Language."""
from flask import current_app, has_request_context, request, session
from flask_login import current_user

# The language picked on the sign-in page (before anyone is signed in), kept in this browser's session.
SESSION_KEY = "language"


def select_locale():
    """Locale selector for Flask-Babel."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return languages[0]  # CLI commands and background work speak the default
    user = current_user._get_current_object() if current_user else None
    if user is not None and user.is_authenticated and user.language in languages:
        return user.language
    if session.get(SESSION_KEY) in languages:
        return session[SESSION_KEY]
    return request.accept_languages.best_match(languages) or languages[0]


def choose_language(language):
    """Remember `language` for this browser when it is one the interface speaks; anything else is ignored."""
    if language in current_app.config["LANGUAGES"]:
        session[SESSION_KEY] = language


def init_app(app):
    """Give templates the active language code."""
    from flask_babel import get_locale

    @app.context_processor
    def _locale():
        return {"current_locale": lambda: str(get_locale() or "en")}
