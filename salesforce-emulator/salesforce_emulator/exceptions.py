"""Errors the emulator answers with, in Salesforce's own shapes."""

from __future__ import annotations


class SalesforceApiError(Exception):
    """A REST/Bulk error: answered as ``[{"message", "errorCode", "fields"}]`` with ``status``."""

    def __init__(
        self, status: int, error_code: str, message: str, fields: list[str] | None = None
    ) -> None:
        """An error answered with HTTP ``status``; ``fields`` names the fields at fault."""
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields or []

    def body(self) -> list[dict[str, object]]:
        """The JSON error body Salesforce sends."""
        entry: dict[str, object] = {"message": self.message, "errorCode": self.error_code}
        if self.fields:
            entry["fields"] = self.fields
        return [entry]


class OAuthError(Exception):
    """A token-endpoint error: ``{"error", "error_description"}`` with ``status``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """An OAuth ``error`` code (``invalid_grant``...) with its description."""
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description


def malformed_query(message: str) -> SalesforceApiError:
    """400 MALFORMED_QUERY."""
    return SalesforceApiError(400, "MALFORMED_QUERY", message)


def invalid_field(message: str) -> SalesforceApiError:
    """400 INVALID_FIELD."""
    return SalesforceApiError(400, "INVALID_FIELD", message)


def invalid_type(object_name: str) -> SalesforceApiError:
    """400 INVALID_TYPE for an unknown object in FROM."""
    return SalesforceApiError(
        400,
        "INVALID_TYPE",
        f"sObject type '{object_name}' is not supported. If you are attempting to use a custom "
        "object, be sure to append the '__c' after the entity name. Please reference your WSDL "
        "or the describe call for the appropriate names.",
    )


def not_found(message: str = "The requested resource does not exist") -> SalesforceApiError:
    """404 NOT_FOUND."""
    return SalesforceApiError(404, "NOT_FOUND", message)
