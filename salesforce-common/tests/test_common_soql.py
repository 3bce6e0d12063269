"""The shared SOQL parser as the plugins use it: conditions added to a user's WHERE keep its
meaning, unsupported constructs are flagged, queries print back to equal trees."""

from __future__ import annotations

import pytest
from salesforce_common.soql import (
    And,
    Comparison,
    FieldRef,
    Literal,
    SoqlSyntaxError,
    and_where,
    format_query,
    parse_soql,
)

KEY = Comparison(FieldRef(("SystemModstamp",)), ">=", Literal("datetime", "2024-07-15T20:18:56Z"))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Amount > 1000", "Amount > 1000 AND SystemModstamp >= 2024-07-15T20:18:56Z"),
        (
            "StageName = 'Won' OR Amount > 1000",
            "(StageName = 'Won' OR Amount > 1000) AND SystemModstamp >= 2024-07-15T20:18:56Z",
        ),
        (
            "NOT (IsClosed = true) AND (Name LIKE 'A%' OR Name LIKE 'B%')",
            "((NOT (IsClosed = true)) AND (Name LIKE 'A%' OR Name LIKE 'B%')) AND "
            "SystemModstamp >= 2024-07-15T20:18:56Z",
        ),
    ],
)
def test_and_where_parenthesises_the_user_condition(where: str, expected: str) -> None:
    query = and_where(parse_soql(f"SELECT Id FROM Opportunity WHERE {where}"), KEY)
    text = format_query(query)
    assert text == f"SELECT Id FROM Opportunity WHERE {expected}"
    assert parse_soql(text) == query
    assert isinstance(query.where, And)


def test_string_literals_round_trip_with_escapes() -> None:
    query = parse_soql("SELECT Id FROM Contact WHERE LastName = 'O\\'Brien \\\\ Jr.'")
    assert isinstance(query.where, Comparison)
    assert query.where.value == Literal("string", "O'Brien \\ Jr.")
    assert parse_soql(format_query(query)) == query


@pytest.mark.parametrize(
    ("soql", "unsupported"),
    [
        ("SELECT Name FROM Account GROUP BY Name", True),
        ("SELECT (SELECT Id FROM Contacts) FROM Account", True),
        ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)", True),
        ("SELECT Id FROM Account WHERE", False),
        ("SELECT Id FROM Account WHERE Name = 'x", False),
    ],
)
def test_syntax_errors_say_whether_the_construct_is_unsupported(
    soql: str, unsupported: bool
) -> None:
    with pytest.raises(SoqlSyntaxError) as caught:
        parse_soql(soql)
    assert caught.value.unsupported is unsupported
    assert "emulator" not in caught.value.message
    assert 0 <= caught.value.position <= len(soql)
