"""The account, its users, their sessions and sign-in throttling."""
import hashlib
import json
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from monitor.clock import utcnow
from monitor.db import Base

# Rights per entity (SPEC §10): the record kinds (services.records.KINDS checks it has these) and rights.
RIGHT_KINDS = ("leads", "customers", "contacts", "companies")
RIGHT_NAMES = ("view", "edit", "delete")


def rights_json(view, edit, delete):
    """users.rights with one scope per right for every kind, as compact JSON."""
    scopes = dict(zip(RIGHT_NAMES, (view, edit, delete), strict=True))
    return json.dumps({kind: scopes for kind in RIGHT_KINDS}, separators=(",", ":"), sort_keys=True)


ALL_RIGHTS = rights_json("all", "all", "all")
NEW_USER_RIGHTS = rights_json("all", "all", "own")


class Account(Base):
    """The one account a Tally CRM installation serves."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    subdomain: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who signs in; `active` is the "Activity" checkbox."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    can_export: Mapped[bool] = mapped_column(default=False)
    # Rights per entity (SPEC §10) as JSON {entity: {view|edit|delete: all|own|none}}: read through
    # services.records.rights. New users: view all, edit all, delete own; the migration gave the users
    # who were there all rights.
    rights: Mapped[str] = mapped_column(Text, default=lambda: NEW_USER_RIGHTS, server_default=ALL_RIGHTS)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[Optional[str]] = mapped_column(String(8))
    # Exempt from activity monitoring (SPEC §9): counted and recorded, never refused, deactivated or alerted on.
    monitoring_exempt: Mapped[bool] = mapped_column(default=False, server_default=false())
    exempt_reason: Mapped[Optional[str]] = mapped_column(String(300))
    # Bumped whenever every existing session must end (deactivation, password change).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Flask-Login protocol. The loader only returns users that are active, so a
    # user object in a request is always a live session.
    is_authenticated = True
    is_anonymous = False
    # The token of the session this object was loaded for or signed in with (not stored).
    session_token = None

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        """The session and remember-me cookies' id: `<user id>:<session version>:<session token>`."""
        if self.session_token is None:
            raise RuntimeError("sign in through monitor.services.signin.start_session")
        return f"{self.id}:{self.session_version}:{self.session_token}"

    def set_password(self, password, method="scrypt"):
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def __repr__(self):
        return f"<User {self.email}>"


class UserSession(Base):
    """One signed-in browser. Its cookies carry the token; the row stores only the token's digest.

    Signing out deletes the row, so a copied session or remember-me cookie stops working.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    @staticmethod
    def key_for(token):
        """The stored id of a session token."""
        return hashlib.sha256(token.encode()).hexdigest()


class LoginThrottle(Base):
    """Sign-in attempts per key, kept in the database so every worker sees them.

    `key` is the SHA-256 digest of what it counts (an e-mail and an address, an address, or an
    e-mail), so every row has the same small size whatever was typed. `scope` names which
    (its column keeps its first name, `kind`); "known" rows mark an address the account signed
    in from (see monitor/services/signin.py).
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column("kind", String(8))
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[Optional[datetime]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
