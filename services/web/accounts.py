"""The web app's own data: sign-in accounts, invitation codes and sessions, in SQLite under
`<data dir>/web/accounts.db`. Not an event-sourced domain: who may sign in to the web pages
is the web app's business; what a user may do is still decided by the services.

Passwords are hashed with Argon2id (argon2-cffi); a session id and an invitation code are
random, and only a session id's SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kernel.envelope import Role
from kernel.store.sqlite import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    member_id TEXT NOT NULL DEFAULT '',
    branch_id TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS invitations (
    code TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    member_id TEXT NOT NULL DEFAULT '',
    branch_id TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    used_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts(username),
    expires_at REAL NOT NULL
);
"""

USER_ROLES = (Role.MEMBER, Role.SECRETARY, Role.COMMITTEE)
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    member_id: str  # a member's or secretary's member id; empty for the committee
    branch_id: str  # a secretary's branch (and a member's, for the pages)

    @property
    def subject(self) -> str:
        """Who the services are told acts: the member, else the committee account."""
        return self.member_id or self.username


class AccountError(ValueError):
    """A refused account change: `field` is the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AccountStore:
    def __init__(self, path: Path) -> None:
        self._conn = connect(path)
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._hasher = PasswordHasher()

    def close(self) -> None:
        self._conn.close()

    # -- accounts -----------------------------------------------------------------------

    def create(
        self,
        username: str,
        password: str,
        role: Role,
        *,
        member_id: str = "",
        branch_id: str = "",
        created_by: str = "",
    ) -> Account:
        username = username.strip()
        if not username or len(username) > 64 or not username.isprintable():
            raise AccountError("username", "1–64 printable characters")
        if len(password) < MIN_PASSWORD:
            raise AccountError("password", f"at least {MIN_PASSWORD} characters")
        if role not in USER_ROLES:
            raise AccountError("role", "member, secretary or committee")
        if role in (Role.MEMBER, Role.SECRETARY) and not member_id:
            raise AccountError("member_id", "a member or secretary account names the member")
        if role is Role.SECRETARY and not branch_id:
            raise AccountError("branch_id", "a secretary account names the branch")
        digest = self._hasher.hash(password)
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (username, digest, role.value, member_id, branch_id, created_by, time.time()),
                )
            except sqlite3.IntegrityError:
                raise AccountError("username", "already taken") from None
        return Account(username, role, member_id, branch_id)

    def account(self, username: str) -> Account | None:
        row = self._conn.execute(
            "SELECT username, role, member_id, branch_id FROM accounts WHERE username = ?",
            (username,),
        ).fetchone()
        return None if row is None else Account(row[0], Role(row[1]), row[2], row[3])

    def accounts(self) -> list[Account]:
        rows = self._conn.execute(
            "SELECT username, role, member_id, branch_id FROM accounts ORDER BY username"
        ).fetchall()
        return [Account(r[0], Role(r[1]), r[2], r[3]) for r in rows]

    def check_password(self, username: str, password: str) -> Account | None:
        """The account when the password is right; None otherwise (which of the two was
        wrong is not said). The hash is upgraded when the library's parameters changed."""
        row = self._conn.execute(
            "SELECT password_hash FROM accounts WHERE username = ?", (username,)
        ).fetchone()
        if row is None:
            self._hasher.hash(password)  # about the same time as a wrong password
            return None
        try:
            self._hasher.verify(row[0], password)
        except (VerificationError, InvalidHashError):
            return None
        if self._hasher.check_needs_rehash(row[0]):
            with self._lock:
                self._conn.execute(
                    "UPDATE accounts SET password_hash = ? WHERE username = ?",
                    (self._hasher.hash(password), username),
                )
        return self.account(username)

    # -- invitations --------------------------------------------------------------------

    def invite(self, role: Role, member_id: str, branch_id: str, created_by: str) -> str:
        if role not in USER_ROLES:
            raise AccountError("role", "member, secretary or committee")
        if role in (Role.MEMBER, Role.SECRETARY) and not member_id:
            raise AccountError("member_id", "an invitation for a member names the member")
        if role is Role.SECRETARY and not branch_id:
            raise AccountError("branch_id", "an invitation for a secretary names the branch")
        code = secrets.token_urlsafe(12)
        with self._lock:
            self._conn.execute(
                "INSERT INTO invitations VALUES (?, ?, ?, ?, ?, '')",
                (code, role.value, member_id, branch_id, created_by),
            )
        return code

    def accept(self, code: str, username: str, password: str) -> Account:
        """Create the account an unused invitation code stands for; the code is then used."""
        row = self._conn.execute(
            "SELECT role, member_id, branch_id, created_by FROM invitations "
            "WHERE code = ? AND used_by = ''",
            (code.strip(),),
        ).fetchone()
        if row is None:
            raise AccountError("code", "unknown or already used")
        account = self.create(
            username, password, Role(row[0]), member_id=row[1], branch_id=row[2], created_by=row[3]
        )
        with self._lock:
            self._conn.execute(
                "UPDATE invitations SET used_by = ? WHERE code = ?", (username, code.strip())
            )
        return account

    # -- sessions -----------------------------------------------------------------------

    def open_session(self, account: Account, lifetime_s: float) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._conn.execute("DELETE FROM sessions WHERE expires_at < ?", (time.time(),))
            self._conn.execute(
                "INSERT INTO sessions VALUES (?, ?, ?)",
                (_digest(session_id), account.username, time.time() + lifetime_s),
            )
        return session_id

    def session(self, session_id: str) -> Account | None:
        if not session_id:
            return None
        row = self._conn.execute(
            "SELECT username FROM sessions WHERE digest = ? AND expires_at >= ?",
            (_digest(session_id), time.time()),
        ).fetchone()
        return None if row is None else self.account(row[0])

    def close_session(self, session_id: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM sessions WHERE digest = ?", (_digest(session_id),))


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
