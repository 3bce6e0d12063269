"""Salesforce auth, HTTP session, retries, API-usage tracking and errors.

The one implementation shared by tap-salesforce-plus and target-salesforce-contacts.
"""

from __future__ import annotations

from salesforce_common.auth import (
    AUTH_SETTING_GROUPS,
    AccessTokenFlow,
    AuthFlow,
    ClientCredentialsFlow,
    JwtBearerFlow,
    PasswordFlow,
    RefreshTokenFlow,
    SalesforceOAuthFlow,
    build_flow,
    select_flow,
)
from salesforce_common.domain import LoginEndpoints, resolve_domain
from salesforce_common.errors import (
    AccessDeniedError,
    ApiQuotaGuardError,
    AuthenticationError,
    ConfigError,
    ForeignHostError,
    InvalidFieldError,
    InvalidQueryLocatorError,
    MalformedQueryError,
    NotFoundError,
    QueryTimeoutError,
    RequestLimitExceededError,
    SalesforceError,
    SessionExpiredError,
    TransientError,
    error_from_response,
)
from salesforce_common.limits import ApiUsage, QuotaGuard, parse_limit_info
from salesforce_common.redaction import Secrets, redact
from salesforce_common.session import SalesforceSession
from salesforce_common.settings import (
    CONNECTION_SETTINGS,
    DEFAULT_API_VERSION,
    QUOTA_SETTINGS,
    SECRET_SETTINGS,
    ConnectionSettings,
    load_settings,
    parse_uri,
    validate_settings,
)

__all__ = [
    "AUTH_SETTING_GROUPS",
    "CONNECTION_SETTINGS",
    "DEFAULT_API_VERSION",
    "QUOTA_SETTINGS",
    "SECRET_SETTINGS",
    "AccessDeniedError",
    "AccessTokenFlow",
    "ApiQuotaGuardError",
    "ApiUsage",
    "AuthFlow",
    "AuthenticationError",
    "ClientCredentialsFlow",
    "ConfigError",
    "ConnectionSettings",
    "ForeignHostError",
    "InvalidFieldError",
    "InvalidQueryLocatorError",
    "JwtBearerFlow",
    "LoginEndpoints",
    "MalformedQueryError",
    "NotFoundError",
    "PasswordFlow",
    "QueryTimeoutError",
    "QuotaGuard",
    "RefreshTokenFlow",
    "RequestLimitExceededError",
    "SalesforceError",
    "SalesforceOAuthFlow",
    "SalesforceSession",
    "Secrets",
    "SessionExpiredError",
    "TransientError",
    "build_flow",
    "error_from_response",
    "load_settings",
    "parse_limit_info",
    "parse_uri",
    "redact",
    "resolve_domain",
    "select_flow",
    "validate_settings",
]
