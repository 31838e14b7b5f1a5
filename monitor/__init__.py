"""Tally CRM: the application factory."""
import os
import secrets

from flask import Flask

from monitor.config import DefaultConfig


def create_app(test_config=None):
    """Build the Flask app: defaults, instance/config.py, FLASK_* variables, then test_config."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault(
        "DATABASE_URL", "sqlite:///" + os.path.join(app.instance_path, "tally.sqlite3")
    )
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", os.path.join(os.path.dirname(app.root_path), "translations")
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)

    register_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_workers(app)
    return app


def _instance_secret_key(instance_path):
    """Read the generated secret key, generating it once on first use."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    except FileNotFoundError:
        pass
    os.makedirs(instance_path, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        # O_EXCL: when two workers race, the loser reads the winner's key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def register_proxies(app):
    """Read the client's address from X-Forwarded-For only behind the configured proxies."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    trusted = int(app.config["TRUSTED_PROXIES"])
    if trusted:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)


def register_extensions(app):
    """Bind the extension objects and the database to this app."""
    from monitor import i18n, security
    from monitor.db import db
    from monitor.extensions import babel, csrf, login_manager, mail

    db.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)


def register_blueprints(app):
    """Mount every area of the product."""
    from monitor.api import bp as api_bp
    from monitor.auth import bp as auth_bp
    from monitor.crm import bp as crm_bp
    from monitor.notifications import bp as notifications_bp
    from monitor.ops import bp as ops_bp
    from monitor.settings import bp as settings_bp
    from monitor.tasks import bp as tasks_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(crm_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(tasks_bp)


def register_errorhandlers(app):
    """HTML error pages for the browser, problem+json under /api (activity's refusals too)."""
    from monitor import activity, errors

    errors.init_app(app)
    activity.init_app(app)


def register_commands(app):
    """Add the `flask` CLI commands."""
    from monitor.commands import init_app

    init_app(app)


def register_workers(app):
    """Each server process's background thread (outbox e-mail, pruning), started on its first request."""
    from monitor.activity import worker

    worker.init_app(app)
