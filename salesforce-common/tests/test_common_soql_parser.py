"""Tokenizer and parser of the emulator's SOQL engine."""

from __future__ import annotations

import pytest
from salesforce_common.soql import (
    And,
    Comparison,
    Count,
    CountAll,
    FieldRef,
    Literal,
    Not,
    Or,
    OrderItem,
    Query,
    SoqlSyntaxError,
    and_where,
    parse_soql,
)
from salesforce_common.soql.lexer import Kind, tokenize
from salesforce_common.soql.parser import error_location


def where_of(condition: str) -> object:
    """The parsed WHERE clause of ``SELECT Id FROM Account WHERE <condition>``."""
    return parse_soql(f"SELECT Id FROM Account WHERE {condition}").where


def value_of(literal: str) -> object:
    """The literal parsed from ``Name = <literal>``."""
    where = where_of(f"Name = {literal}")
    assert isinstance(where, Comparison)
    return where.value


def cmp(field: str, op: str, value: Literal | tuple[Literal, ...]) -> Comparison:
    return Comparison(FieldRef(tuple(field.split("."))), op, value)


def num(value: int | float) -> Literal:
    return Literal("number", value)


def text(value: str) -> Literal:
    return Literal("string", value)


# --- tokenizer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "kinds"),
    [
        ("Name<>'x'", [Kind.IDENT, Kind.OP, Kind.STRING]),
        ("Amount>-5", [Kind.IDENT, Kind.OP, Kind.NUMBER]),
        ("a.b.c", [Kind.IDENT, Kind.DOT, Kind.IDENT, Kind.DOT, Kind.IDENT]),
        ("LAST_N_DAYS:3", [Kind.IDENT, Kind.COLON, Kind.NUMBER]),
        ("(1, 2.5)", [Kind.LPAREN, Kind.NUMBER, Kind.COMMA, Kind.NUMBER, Kind.RPAREN]),
        ("2024-01-01 2024-01-01T00:00:00Z", [Kind.DATE, Kind.DATETIME]),
        ("10:00:00.000Z 10", [Kind.TIME, Kind.NUMBER]),
        ("x>=1 y<=2 z!=3", [Kind.IDENT, Kind.OP, Kind.NUMBER] * 3),
    ],
)
def test_tokenize_kinds(source, kinds):
    tokens = tokenize(source)
    assert [t.kind for t in tokens] == [*kinds, Kind.EOF]


def test_tokens_carry_positions_and_decoded_strings():
    tokens = tokenize("Name = 'it\\'s'")
    assert [(t.text, t.pos) for t in tokens[:2]] == [("Name", 0), ("=", 5)]
    assert tokens[2].value == "it's"
    assert tokens[2].text == "'it\\'s'"
    assert tokens[3].pos == len("Name = 'it\\'s'")


# --- statements -----------------------------------------------------------------------------


def test_parse_full_statement_with_any_keyword_case():
    query = parse_soql(
        "select Id, Account.Owner.Name from Contact where Name = 'x' "
        "order by Name desc nulls last, Id limit 5 offset 2"
    )
    assert query == Query(
        select=(FieldRef(("Id",)), FieldRef(("Account", "Owner", "Name"))),
        from_object="Contact",
        where=cmp("Name", "=", text("x")),
        order_by=(OrderItem(FieldRef(("Name",)), True, False), OrderItem(FieldRef(("Id",)))),
        limit=5,
        offset=2,
    )


@pytest.mark.parametrize(
    ("soql", "select"),
    [
        ("SELECT COUNT() FROM Account", (CountAll(),)),
        ("SELECT count(Id) FROM Account", (Count(FieldRef(("Id",))),)),
        ("SELECT COUNT(Id) total FROM Account", (Count(FieldRef(("Id",)), "total"),)),
        (
            "SELECT COUNT(Id), COUNT(Owner.Name) n FROM Account",
            (Count(FieldRef(("Id",))), Count(FieldRef(("Owner", "Name")), "n")),
        ),
        ("SELECT Count FROM Account", (FieldRef(("Count",)),)),
    ],
)
def test_parse_count(soql, select):
    assert parse_soql(soql).select == select


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("Name", OrderItem(FieldRef(("Name",)), False, None)),
        ("Name ASC", OrderItem(FieldRef(("Name",)), False, None)),
        ("Name DESC", OrderItem(FieldRef(("Name",)), True, None)),
        ("Name NULLS FIRST", OrderItem(FieldRef(("Name",)), False, True)),
        ("Owner.Name desc NULLS first", OrderItem(FieldRef(("Owner", "Name")), True, True)),
    ],
)
def test_parse_order_by(order_by, expected):
    assert parse_soql(f"SELECT Id FROM Account ORDER BY {order_by}").order_by == (expected,)


def test_positions_point_into_the_source():
    soql = "SELECT Id, Account.Name FROM Contact WHERE Email = 'a'"
    query = parse_soql(soql)
    assert query.source == soql
    assert query.from_pos == soql.index("Contact")
    assert isinstance(query.select[1], FieldRef)
    assert query.select[1].pos == soql.index("Account")
    assert isinstance(query.where, Comparison)
    assert query.where.field.pos == soql.index("Email")
    assert isinstance(query.where.value, Literal)
    assert query.where.value.pos == soql.index("'a'")


# --- literals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("'abc'", text("abc")),
        ("''", text("")),
        ("'it\\'s'", text("it's")),
        ("'back\\\\slash'", text("back\\slash")),
        ("'l1\\nl2\\tx\\r'", text("l1\nl2\tx\r")),
        ("'say \\\"hi\\\"'", text('say "hi"')),
        ("'50\\%'", text("50\\%")),
        ("'a\\_b'", text("a\\_b")),
        ("'ünï cödé'", text("ünï cödé")),
        ("42", num(42)),
        ("-5", num(-5)),
        ("+7", num(7)),
        ("3.25", num(3.25)),
        ("-0.5", num(-0.5)),
        ("true", Literal("boolean", True)),
        ("FALSE", Literal("boolean", False)),
        ("null", Literal("null", None)),
        ("NULL", Literal("null", None)),
        ("2024-01-01", Literal("date", "2024-01-01")),
        ("2024-01-01T00:00:00Z", Literal("datetime", "2024-01-01T00:00:00Z")),
        ("2024-01-01T00:00:00+05:00", Literal("datetime", "2024-01-01T00:00:00+05:00")),
        ("2024-01-01T00:00:00-0800", Literal("datetime", "2024-01-01T00:00:00-0800")),
        ("2024-07-15T20:18:56.000+0000", Literal("datetime", "2024-07-15T20:18:56.000+0000")),
        ("01:00:00.000Z", Literal("time", "01:00:00.000Z")),
        ("23:59:59-06:00", Literal("time", "23:59:59-06:00")),
        ("TODAY", Literal("date_literal", "TODAY")),
        ("yesterday", Literal("date_literal", "YESTERDAY")),
        ("Tomorrow", Literal("date_literal", "TOMORROW")),
        ("LAST_N_DAYS:30", Literal("date_literal", "LAST_N_DAYS:30")),
        ("next_n_days:7", Literal("date_literal", "NEXT_N_DAYS:7")),
        ("THIS_MONTH", Literal("date_literal", "THIS_MONTH")),
    ],
)
def test_parse_literal(literal, expected):
    assert value_of(literal) == expected


def test_number_types():
    integer, decimal = value_of("42"), value_of("42.0")
    assert isinstance(integer, Literal)
    assert isinstance(decimal, Literal)
    assert type(integer.value) is int
    assert type(decimal.value) is float


# --- conditions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("Name = 'a'", cmp("Name", "=", text("a"))),
        ("Name != 'a'", cmp("Name", "!=", text("a"))),
        ("Name <> 'a'", cmp("Name", "!=", text("a"))),
        ("Amount < 1", cmp("Amount", "<", num(1))),
        ("Amount <= 1", cmp("Amount", "<=", num(1))),
        ("Amount > 1", cmp("Amount", ">", num(1))),
        ("Amount >= 1", cmp("Amount", ">=", num(1))),
        ("Name like 'a%'", cmp("Name", "LIKE", text("a%"))),
        ("Name IN ('a', 'b')", cmp("Name", "IN", (text("a"), text("b")))),
        ("Name in ('a')", cmp("Name", "IN", (text("a"),))),
        ("Name NOT IN ('a', null)", cmp("Name", "NOT IN", (text("a"), Literal("null", None)))),
        ("Tags__c INCLUDES ('a;b', 'c')", cmp("Tags__c", "INCLUDES", (text("a;b"), text("c")))),
        ("Tags__c excludes ('a')", cmp("Tags__c", "EXCLUDES", (text("a"),))),
        ("Account.Owner.Name = 'x'", cmp("Account.Owner.Name", "=", text("x"))),
    ],
)
def test_parse_comparison(condition, expected):
    assert where_of(condition) == expected


A, B, C = cmp("A", "=", num(1)), cmp("B", "=", num(2)), cmp("C", "=", num(3))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("A = 1 AND B = 2 AND C = 3", And((A, B, C))),
        ("A = 1 OR B = 2 or C = 3", Or((A, B, C))),
        ("A = 1 AND (B = 2 OR C = 3)", And((A, Or((B, C))))),
        ("(A = 1 AND B = 2) OR C = 3", Or((And((A, B)), C))),
        ("((A = 1))", A),
        ("NOT A = 1", Not(A)),
        ("NOT (A = 1 OR B = 2)", Not(Or((A, B)))),
        ("(NOT A = 1) AND B = 2", And((Not(A), B))),
        ("A = 1 AND (NOT (B = 2 OR C = 3))", And((A, Not(Or((B, C)))))),
    ],
)
def test_parse_boolean_structure(condition, expected):
    assert where_of(condition) == expected


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("soql", "message", "position"),
    [
        ("", "unexpected token: <EOF>", 0),
        ("UPDATE Account", "unexpected token: 'UPDATE'", 0),
        ("SELECT Id", "unexpected token: <EOF>", 9),
        ("SELECT Id Account", "unexpected token: 'Account'", 10),
        ("SELECT FROM Account", "unexpected token: 'FROM'", 7),
        ("SELECT Id, FROM Account", "unexpected token: 'FROM'", 11),
        ("SELECT Id FROM", "unexpected token: <EOF>", 14),
        ("SELECT Id FROM Account garbage", "unexpected token: 'garbage'", 23),
        ("SELECT Id FROM Account WHERE", "unexpected token: <EOF>", 28),
        ("SELECT Id FROM Account WHERE (Name = 'x'", "unexpected token: <EOF>", 40),
        ("SELECT Id FROM Account WHERE Name = 'x')", "unexpected token: ')'", 39),
        ("SELECT Id FROM Account WHERE Name = 'abc", "mismatched character '<EOF>'", 40),
        ("SELECT Id FROM Account WHERE Name == 'x'", "unexpected token: '='", 35),
        ("SELECT Id FROM Account WHERE Name ~ 'x'", "no viable alternative at character '~'", 34),
        ("SELECT Id FROM Account WHERE Name NOT LIKE 'x'", "unexpected token: 'NOT'", 34),
        ("SELECT Id FROM Account WHERE Name IN ()", "unexpected token: ')'", 38),
        ("SELECT Id FROM Account WHERE Name IN 'a'", "unexpected token: ''a''", 37),
        ("SELECT Id FROM Account WHERE Name = foo", "unexpected token: 'foo'", 36),
        ("SELECT Id FROM Account WHERE Name = 'a\\q'", "Illegal character sequence '\\q'", 38),
        ("SELECT Id FROM Account WHERE 5 = Name", "unexpected token: '5'", 29),
        ("SELECT Id FROM Account WHERE A = 1 AND B = 2 OR C = 3", "unexpected token: 'OR'", 45),
        ("SELECT Id FROM Account WHERE A = 1 OR B = 2 AND C = 3", "unexpected token: 'AND'", 44),
        ("SELECT Id FROM Account WHERE D = 2024-13-01", "invalid date: 2024-13-01", 33),
        ("SELECT Id FROM Account WHERE D > 2024-01-01T25:00:00Z", "invalid dateTime", 33),
        ("SELECT Id FROM Account WHERE D > 2024-01-01T00:00:00", "invalid date or datetime", 33),
        ("SELECT Id FROM Account WHERE T = 25:00:00Z", "invalid time: 25:00:00Z", 33),
        ("SELECT Id FROM Account WHERE T = 10:00:00", "unexpected token: ':'", 35),
        ("SELECT Id FROM Account WHERE D = LAST_N_DAYS", "unexpected token: <EOF>", 44),
        ("SELECT Id FROM Account WHERE D = LAST_N_DAYS:x", "unexpected token: 'x'", 45),
        ("SELECT Id FROM Account WHERE D = 5x", "unexpected token: '5x'", 33),
        ("SELECT Id FROM Account ORDER Name", "unexpected token: 'Name'", 29),
        ("SELECT Id FROM Account ORDER BY Name NULLS", "unexpected token: <EOF>", 42),
        ("SELECT Id FROM Account ORDER BY Name UP", "unexpected token: 'UP'", 37),
        ("SELECT Id FROM Account LIMIT -1", "unexpected token: '-1'", 29),
        ("SELECT Id FROM Account LIMIT 1.5", "unexpected token: '1.5'", 29),
        ("SELECT Id FROM Account OFFSET 1 LIMIT 2", "unexpected token: 'LIMIT'", 32),
        ("SELECT COUNT( FROM Account", "unexpected token: 'FROM'", 14),
        ("SELECT Id FROM Account GROUP BY Name", "GROUP is not supported", 23),
        ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "subqueries are not", 11),
        ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)", "semi-join", 36),
        ("SELECT Account. FROM Contact", "unexpected token: 'FROM'", 16),
    ],
)
def test_syntax_errors(soql, message, position):
    with pytest.raises(SoqlSyntaxError) as raised:
        parse_soql(soql)
    assert message in raised.value.message
    assert raised.value.position == position
    assert str(raised.value) == raised.value.message


def test_error_location_matches_salesforce_layout():
    assert error_location("SELECT Id, Foo FROM Account", 11) == (
        "\nSELECT Id, Foo FROM Account\n           ^\nERROR at Row:1:Column:12\n"
    )


def test_error_location_on_later_line():
    soql = "SELECT Id\nFROM Account\nWHERE Bad = 1"
    assert error_location(soql, soql.index("Bad")) == (
        "\nWHERE Bad = 1\n      ^\nERROR at Row:3:Column:7\n"
    )


def test_error_location_cuts_long_lines():
    soql = "SELECT " + ", ".join(f"F{i}" for i in range(200)) + " FROM X"
    location = error_location(soql, soql.index("FROM"), window=10)
    lines = location.split("\n")
    assert lines[1] == soql[soql.index("FROM") - 10 : soql.index("FROM") + 10]
    assert lines[2] == " " * 10 + "^"


# --- printing -------------------------------------------------------------------------------

ROUND_TRIP = [
    "SELECT Id FROM Account",
    "select id, name from account where name = 'x' limit 1",
    "SELECT Id, Account.Owner.Name FROM Contact WHERE Account.Name LIKE 'Ac\\_me\\%%'",
    "SELECT Id FROM Account WHERE Name = 'it\\'s a \\\\ \"test\"\\n\\ttab'",
    "SELECT Id FROM Account WHERE A = 1 AND (B = 2 OR C = 3) AND NOT D = 4",
    "SELECT Id FROM Account WHERE (A = 1 AND B = -2.5) OR (NOT (C = 3 OR D = null))",
    "SELECT Id FROM Account WHERE NOT (A = 1)",
    "SELECT Id FROM Account WHERE A IN ('x', 'y') AND B NOT IN (1, 2) AND C != true",
    "SELECT Id FROM Contact WHERE T__c INCLUDES ('a;b', 'c') OR T__c EXCLUDES ('d')",
    "SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T00:00:00-0800 AND D < 2024-02-01",
    "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:7 OR CreatedDate = TODAY",
    "SELECT Id FROM Contact WHERE T__c = 10:00:00.000Z OR T__c IN (01:00:00+01:00)",
    "SELECT Id FROM Account WHERE Amount > 0.1 AND Amount < 100000000000000000000.0",
    "SELECT Id FROM Account ORDER BY Name DESC NULLS FIRST, Id ASC, Industry NULLS LAST",
    "SELECT Id FROM Account LIMIT 10 OFFSET 20",
    "SELECT Id FROM Account OFFSET 20",
    "SELECT COUNT() FROM Account WHERE Name != null",
    "SELECT COUNT(Id) total, COUNT(Name) FROM Account",
]


@pytest.mark.parametrize("soql", ROUND_TRIP)
def test_round_trip(soql):
    query = parse_soql(soql)
    printed = query.to_soql()
    assert parse_soql(printed) == query
    assert parse_soql(printed).to_soql() == printed


def test_to_soql_text():
    query = parse_soql("select id from account where not a = 1 and (b = 'x' or c = null)")
    assert query.to_soql() == (
        "SELECT id FROM account WHERE (NOT (a = 1)) AND (b = 'x' OR c = null)"
    )


def test_and_where_adds_a_condition():
    query = parse_soql("SELECT Id FROM Account WHERE A = 1 OR B = 2 ORDER BY Id LIMIT 5")
    extra = cmp("SystemModstamp", ">", Literal("datetime", "2024-01-01T00:00:00Z"))
    combined = and_where(query, extra)
    assert combined.where == And((Or((A, B)), extra))
    assert combined.source == ""
    assert combined.to_soql() == (
        "SELECT Id FROM Account WHERE (A = 1 OR B = 2) AND "
        "SystemModstamp > 2024-01-01T00:00:00Z ORDER BY Id ASC LIMIT 5"
    )
    assert parse_soql(combined.to_soql()) == combined


def test_and_where_without_where():
    query = and_where(parse_soql("SELECT Id FROM Account"), A)
    assert query.where == A
    assert query.to_soql() == "SELECT Id FROM Account WHERE A = 1"
