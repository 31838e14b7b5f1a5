"""Built-in defaults; instance/config.py and FLASK_* environment variables override them."""


class DefaultConfig:
    """Settings every deployment starts from."""

    PLAN = "professional"
    LANGUAGES = ("en", "ru")
    BABEL_DEFAULT_LOCALE = "en"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    # Where administrators open Tally, e.g. "https://crm.example.com" (FLASK_BASE_URL): the links
    # in alert e-mails start with it. Unset, they take the host of the request that caused the
    # alert, which a client chooses: set it in production.
    BASE_URL = None
    MAIL_DEFAULT_SENDER = "Tally CRM <noreply@tally.localhost>"
    # Sign-in throttling (the rule: monitor/services/signin.py). Failed sign-ins allowed per
    # e-mail from one address, per address over all e-mails, and per e-mail over all addresses
    # but the owner's known ones; then wait LOGIN_LOCK_SECONDS.
    LOGIN_MAX_FAILURES = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 50
    LOGIN_LOCK_SECONDS = 60
    # An address the account signed in from stays "known" this long after its last success.
    LOGIN_KNOWN_ADDRESS_DAYS = 30
    # Sessions: a session unused this long ends; each user keeps at most this many.
    SESSION_IDLE_DAYS = 30
    SESSIONS_PER_USER = 20
    # Behind a reverse proxy: how many proxies set X-Forwarded-For in front of Tally. 0 trusts
    # none, so sign-in throttling sees the proxy's address; set it to 1 behind one nginx.
    TRUSTED_PROXIES = 0
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a method name, not a password)
    SQLITE_BUSY_TIMEOUT_MS = 30000
    # The largest request body: a bigger one is a 413 before any of it is parsed (no form or
    # API body of this app comes near it; one of megabytes was a way to hold the write lock).
    MAX_CONTENT_LENGTH = 1024 * 1024
    # The outbox: send right after the committing request, and retry in a background
    # thread of every server process.
    OUTBOX_SEND_AFTER_COMMIT = True
    OUTBOX_WORKER = True
    OUTBOX_INTERVAL_SECONDS = 30
    # Activity history (SPEC §8): every view by quarter hour, for the usage charts, the CSV and
    # the preview of limits; `flask prune` drops what is older.
    ACTIVITY_HISTORY_DAYS = 90
    # A callable returning the current UTC time; tests inject a frozen clock.
    CLOCK = None
