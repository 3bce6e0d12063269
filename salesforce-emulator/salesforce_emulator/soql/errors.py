"""Salesforce-shaped errors for SOQL compilation, quoting the statement where they occurred."""

from __future__ import annotations

from salesforce_common.soql.parser import error_location

from salesforce_emulator.exceptions import SalesforceApiError, invalid_field, invalid_type

_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom "
    "field name. Please reference your WSDL or the describe call for the appropriate names."
)
_RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the "
    "custom relationship name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)


class ErrorFactory:
    """Builds errors whose messages start with the statement excerpt and error location."""

    def __init__(self, source: str) -> None:
        """Errors about the SOQL text ``source`` (positions are offsets into it)."""
        self.source = source

    def _at(self, position: int) -> str:
        return error_location(self.source, position) if position >= 0 and self.source else ""

    def no_such_column(self, name: str, entity: str, position: int) -> SalesforceApiError:
        """INVALID_FIELD for an unknown (or hidden) field."""
        message = f"No such column '{name}' on entity '{entity}'. {_FIELD_HINT}"
        return invalid_field(self._at(position) + message)

    def bad_relationship(self, name: str, position: int) -> SalesforceApiError:
        """INVALID_FIELD for an unknown relationship in a field path."""
        message = f"Didn't understand relationship '{name}' in field path. {_RELATIONSHIP_HINT}"
        return invalid_field(self._at(position) + message)

    def field_not_allowed(self, name: str, usage: str, position: int) -> SalesforceApiError:
        """INVALID_FIELD for a field that cannot be filtered/sorted/grouped (``usage``)."""
        return invalid_field(self._at(position) + f"field '{name}' can not be {usage}")

    def unknown_object(self, name: str, position: int) -> SalesforceApiError:
        """INVALID_TYPE for an unknown object in FROM."""
        base = invalid_type(name)
        return SalesforceApiError(base.status, base.error_code, self._at(position) + base.message)

    def filter_operator(self, message: str, position: int) -> SalesforceApiError:
        """INVALID_QUERY_FILTER_OPERATOR: a value or operator that does not fit the field."""
        return SalesforceApiError(
            400, "INVALID_QUERY_FILTER_OPERATOR", self._at(position) + message
        )

    def wrong_value_type(
        self, field_name: str, type_word: str, quoted: bool, position: int
    ) -> SalesforceApiError:
        """INVALID_QUERY_FILTER_OPERATOR for a literal of the wrong type."""
        enclosed = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        return self.filter_operator(
            f"value of filter criterion for field '{field_name}' must be of type {type_word} "
            f"and {enclosed}",
            position,
        )

    def malformed(self, message: str, position: int = -1) -> SalesforceApiError:
        """MALFORMED_QUERY."""
        return SalesforceApiError(400, "MALFORMED_QUERY", self._at(position) + message)


def offset_too_large(maximum: int) -> SalesforceApiError:
    """NUMBER_OUTSIDE_VALID_RANGE for an OFFSET past Salesforce's cap."""
    return SalesforceApiError(
        400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {maximum}"
    )
