"""OAuth 2.0 state of the emulated org: connected apps, users, issued tokens, and the grants."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import jwt

from salesforce_emulator.exceptions import OAuthError, SalesforceApiError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ORG_ID = "00D5g000004DEMOEAA"


@dataclass
class ConnectedApp:
    """A connected app: consumer key/secret, JWT certificate, client-credentials run-as user."""

    client_id: str
    client_secret: str | None = None
    public_key_pem: str | None = None
    run_as_username: str | None = None


@dataclass
class UserLogin:
    """Credentials of an org user."""

    username: str
    password: str
    security_token: str
    user_id: str


@dataclass
class Session:
    """An issued access token and when it stops working."""

    token: str
    username: str
    user_id: str
    issued_at: float
    expires_at: float | None = None
    calls_left: int | None = None


@dataclass
class AuthState:
    """Everything the token endpoint and bearer checks need; thread-safe."""

    apps: dict[str, ConnectedApp] = field(default_factory=dict)
    users: dict[str, UserLogin] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    token_ttl_seconds: float | None = None
    token_ttl_calls: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- set-up -------------------------------------------------------------------------

    def add_user(self, username: str, password: str, security_token: str, user_id: str) -> None:
        """Register a user who can log in."""
        self.users[username.lower()] = UserLogin(username, password, security_token, user_id)

    def add_app(self, app: ConnectedApp) -> None:
        """Register a connected app."""
        self.apps[app.client_id] = app

    def issue_refresh_token(self, client_id: str, username: str) -> str:
        """Create a refresh token for a user of an app (as the web-server flow would)."""
        token = "5Aep861" + secrets.token_urlsafe(40)
        self.refresh_tokens[token] = (client_id, username.lower())
        return token

    # --- token endpoint -----------------------------------------------------------------

    def grant(self, form: Mapping[str, str], audience_hosts: tuple[str, ...]) -> Session:
        """Run one token-endpoint grant; raises OAuthError like Salesforce.

        Returns:
            The new session (none of the emulated grants issues a refresh token).
        """
        grant_type = form.get("grant_type", "")
        handlers = {
            "password": self._password,
            "client_credentials": self._client_credentials,
            "refresh_token": self._refresh,
            JWT_GRANT: lambda f: self._jwt(f, audience_hosts),
        }
        handler = handlers.get(grant_type)
        if handler is None:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        return self._issue(handler(form))

    def _app(
        self, client_id: str | None, client_secret: str | None, *, secret_required: bool
    ) -> ConnectedApp | None:
        if not client_id:
            if secret_required:
                raise OAuthError("invalid_client_id", "client identifier invalid")
            return None
        app = self.apps.get(client_id)
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if (secret_required or client_secret) and (
            not app.client_secret or client_secret != app.client_secret
        ):
            raise OAuthError("invalid_client", "invalid client credentials")
        return app

    def _password(self, form: Mapping[str, str]) -> UserLogin:
        self._app(form.get("client_id"), form.get("client_secret"), secret_required=False)
        user = self.users.get(form.get("username", "").lower())
        if user is None or form.get("password") != user.password + user.security_token:
            raise OAuthError("invalid_grant", "authentication failure")
        return user

    def _client_credentials(self, form: Mapping[str, str]) -> UserLogin:
        app = self._app(form.get("client_id"), form.get("client_secret"), secret_required=True)
        assert app is not None
        user = self.users.get((app.run_as_username or "").lower())
        if user is None:
            raise OAuthError("invalid_grant", "no client credentials user enabled")
        return user

    def _refresh(self, form: Mapping[str, str]) -> UserLogin:
        app = self._app(form.get("client_id"), form.get("client_secret"), secret_required=False)
        owner = self.refresh_tokens.get(form.get("refresh_token", ""))
        if owner is None or app is None or owner[0] != app.client_id:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        return self.users[owner[1]]

    def _jwt(self, form: Mapping[str, str], audience_hosts: tuple[str, ...]) -> UserLogin:
        assertion = form.get("assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_grant", "invalid assertion") from exc
        app = self.apps.get(str(unverified.get("iss", "")))
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if not app.public_key_pem:
            raise OAuthError("invalid_client", "invalid client credentials")
        try:
            claims = jwt.decode(
                assertion,
                app.public_key_pem,
                algorithms=["RS256"],
                audience=list(audience_hosts),
                options={"require": ["iss", "sub", "aud", "exp"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OAuthError("invalid_grant", "expired authorization code") from exc
        except jwt.InvalidAudienceError as exc:
            raise OAuthError("invalid_grant", "audience is invalid") from exc
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_grant", "invalid assertion") from exc
        user = self.users.get(str(claims.get("sub", "")).lower())
        if user is None:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        return user

    def _issue(self, user: UserLogin) -> Session:
        """A new access token for ``user``, expiring as the TTL settings say."""
        now = time.time()
        token = f"{ORG_ID[:15]}!" + secrets.token_urlsafe(48)
        session = Session(
            token=token,
            username=user.username,
            user_id=user.user_id,
            issued_at=now,
            expires_at=now + self.token_ttl_seconds if self.token_ttl_seconds else None,
            calls_left=self.token_ttl_calls,
        )
        with self._lock:
            self.sessions[token] = session
        return session

    def login_session(self, username: str, password: str) -> Session:
        """SOAP ``login()``: password plus security token; returns a new session."""
        user = self.users.get(username.lower())
        if user is None or password != user.password + user.security_token:
            raise OAuthError(
                "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
            )
        return self._issue(user)

    # --- bearer checks ------------------------------------------------------------------

    def check_bearer(self, authorization: str | None) -> Session:
        """Validate an ``Authorization: Bearer`` header; 401 INVALID_SESSION_ID otherwise."""
        token = ""
        if authorization:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() in ("bearer", "oauth"):
                token = value.strip()
        with self._lock:
            session = self.sessions.get(token)
            if (
                session is not None
                and session.expires_at is not None
                and time.time() >= session.expires_at
            ):
                del self.sessions[token]
                session = None
            left = session.calls_left if session is not None else None
            if session is not None and left is not None:
                if left <= 0:
                    del self.sessions[token]
                    session = None
                else:
                    session.calls_left = left - 1
        if session is None:
            raise SalesforceApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return session

    def expire_all(self) -> int:
        """Invalidate every issued access token (refresh tokens stay valid)."""
        with self._lock:
            count = len(self.sessions)
            self.sessions.clear()
        return count

    def add_static_token(self, token: str, username: str) -> None:
        """Accept a fixed access token for a user (for access-token-only clients)."""
        user = self.users[username.lower()]
        self.sessions[token] = Session(token, user.username, user.user_id, time.time())
