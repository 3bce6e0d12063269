"""Recursive-descent SOQL parser producing :mod:`.ast` nodes.

Pure Python, no I/O: shared by the plugins and the emulator.

Grammar (keywords are case-insensitive)::

    query      := SELECT item ("," item)* FROM name [WHERE expr]
                  [ORDER BY order ("," order)*] [LIMIT int] [OFFSET int]
    item       := COUNT "(" [path] ")" [alias] | path
    expr       := term (AND term)* | term (OR term)*     -- mixing needs parentheses
    term       := NOT term | "(" expr ")" | path op value
    op         := = | != | <> | < | <= | > | >= | LIKE | IN | NOT IN | INCLUDES | EXCLUDES
    value      := literal | "(" literal ("," literal)* ")"   -- lists for IN-like operators
    literal    := 'string' | number | true | false | null | 2024-01-31
                | 2024-01-31T10:00:00Z | 10:00:00.000Z | TODAY | LAST_N_DAYS:n | ...
"""

from __future__ import annotations

import datetime as dt

from .ast import (
    LIST_OPS,
    And,
    Comparison,
    Count,
    CountAll,
    Expr,
    FieldRef,
    Literal,
    Not,
    Or,
    OrderItem,
    Query,
    SelectItem,
)
from .date_literals import N_LITERALS, SIMPLE_LITERALS
from .lexer import Kind, SoqlSyntaxError, Token, tokenize

__all__ = ["SoqlSyntaxError", "error_location", "iso_datetime", "parse_soql"]

RESERVED = frozenset(
    {
        "AND", "ASC", "BY", "DESC", "EXCLUDES", "FIRST", "FOR", "FROM", "GROUP", "HAVING",
        "IN", "INCLUDES", "LAST", "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OFFSET", "OR",
        "ORDER", "SELECT", "USING", "WHERE", "WITH", "TRUE", "FALSE", "TYPEOF",
    }
)  # fmt: skip
_UNSUPPORTED_CLAUSES = frozenset({"GROUP", "HAVING", "WITH", "FOR", "USING", "TYPEOF"})
_KEYWORD_OPS = frozenset({"LIKE", "IN", "INCLUDES", "EXCLUDES"})


def parse_soql(text: str) -> Query:
    """Parse a SOQL SELECT statement.

    Raises:
        SoqlSyntaxError: when the text is not a valid (supported) SOQL statement.
    """
    return _Parser(text).query()


def error_location(text: str, position: int, window: int = 80) -> str:
    """Salesforce's error preamble: the offending line, a caret, and ``ERROR at Row:r:Column:c``.

    Long lines are cut to ``window`` characters either side of the position.
    """
    position = max(0, min(position, len(text)))
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    line_end = len(text) if line_end == -1 else line_end
    row = text.count("\n", 0, position) + 1
    column = position - line_start + 1
    start = max(line_start, position - window)
    excerpt = text[start : min(line_end, position + window)]
    caret = " " * (position - start) + "^"
    return f"\n{excerpt}\n{caret}\nERROR at Row:{row}:Column:{column}\n"


class _Parser:
    """Parses one statement; ``self.index`` points at the current token."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # --- token helpers ------------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        if token.kind is not Kind.EOF:
            self.index += 1
        return token

    def unexpected(self, token: Token | None = None) -> SoqlSyntaxError:
        token = token or self.current
        if token.is_keyword(*_UNSUPPORTED_CLAUSES):
            message = f"{token.text.upper()} is not supported"
            return SoqlSyntaxError(message, token.pos, unsupported=True)
        return SoqlSyntaxError(f"unexpected token: {token.describe()}", token.pos)

    def expect(self, kind: Kind) -> Token:
        if self.current.kind is not kind:
            raise self.unexpected()
        return self.advance()

    def expect_keyword(self, *words: str) -> Token:
        if not self.current.is_keyword(*words):
            raise self.unexpected()
        return self.advance()

    def accept_keyword(self, *words: str) -> Token | None:
        return self.advance() if self.current.is_keyword(*words) else None

    def name(self) -> Token:
        """An identifier that is not a reserved word."""
        token = self.current
        if token.kind is not Kind.IDENT or token.text.upper() in RESERVED:
            raise self.unexpected()
        return self.advance()

    # --- statement ----------------------------------------------------------------------------

    def query(self) -> Query:
        self.expect_keyword("SELECT")
        select = self.select_list()
        self.expect_keyword("FROM")
        from_token = self.name()
        where = self.expr() if self.accept_keyword("WHERE") else None
        order_by: tuple[OrderItem, ...] = ()
        if self.accept_keyword("ORDER"):
            self.expect_keyword("BY")
            order_by = self.order_list()
        limit = self.integer() if self.accept_keyword("LIMIT") else None
        offset = self.integer() if self.accept_keyword("OFFSET") else None
        if self.current.kind is not Kind.EOF:
            raise self.unexpected()
        return Query(
            select=select,
            from_object=from_token.text,
            where=where,
            order_by=order_by,
            limit=limit,
            offset=offset,
            source=self.text,
            from_pos=from_token.pos,
        )

    def select_list(self) -> tuple[SelectItem, ...]:
        items = [self.select_item()]
        while self.current.kind is Kind.COMMA:
            self.advance()
            items.append(self.select_item())
        return tuple(items)

    def select_item(self) -> SelectItem:
        if self.current.kind is Kind.LPAREN:
            raise SoqlSyntaxError(
                "child relationship subqueries are not supported",
                self.current.pos,
                unsupported=True,
            )
        if self.current.is_keyword("COUNT") and self.peek().kind is Kind.LPAREN:
            return self.count()
        return self.field_path()

    def count(self) -> SelectItem:
        start = self.advance().pos
        self.expect(Kind.LPAREN)
        if self.current.kind is Kind.RPAREN:
            self.advance()
            return CountAll(pos=start)
        field = self.field_path()
        self.expect(Kind.RPAREN)
        alias = None
        if self.current.kind is Kind.IDENT and self.current.text.upper() not in RESERVED:
            alias = self.advance().text
        return Count(field, alias, pos=start)

    def field_path(self) -> FieldRef:
        first = self.name()
        parts = [first.text]
        while self.current.kind is Kind.DOT:
            self.advance()
            parts.append(self.name().text)
        return FieldRef(tuple(parts), pos=first.pos)

    def order_list(self) -> tuple[OrderItem, ...]:
        items = [self.order_item()]
        while self.current.kind is Kind.COMMA:
            self.advance()
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        field = self.field_path()
        direction = self.accept_keyword("ASC", "DESC")
        descending = direction is not None and direction.text.upper() == "DESC"
        nulls_first = None
        if self.accept_keyword("NULLS"):
            nulls_first = self.expect_keyword("FIRST", "LAST").text.upper() == "FIRST"
        return OrderItem(field, descending, nulls_first)

    def integer(self) -> int:
        token = self.current
        if token.kind is not Kind.NUMBER or not token.text.isdigit():
            raise self.unexpected()
        self.advance()
        return int(token.text)

    # --- conditions ---------------------------------------------------------------------------

    def expr(self) -> Expr:
        operands = [self.term()]
        joiner = self.accept_keyword("AND", "OR")
        if joiner is None:
            return operands[0]
        word = joiner.text.upper()
        operands.append(self.term())
        while self.current.is_keyword("AND", "OR"):
            if self.current.text.upper() != word:
                raise self.unexpected()
            self.advance()
            operands.append(self.term())
        return And(tuple(operands)) if word == "AND" else Or(tuple(operands))

    def term(self) -> Expr:
        if self.accept_keyword("NOT"):
            return Not(self.term())
        if self.current.kind is Kind.LPAREN:
            self.advance()
            inner = self.expr()
            self.expect(Kind.RPAREN)
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        field = self.field_path()
        op_token = self.current
        op = self.operator()
        value: Literal | tuple[Literal, ...]
        value = self.literal_list() if op in LIST_OPS else self.literal()
        return Comparison(field, op, value, pos=op_token.pos)

    def operator(self) -> str:
        token = self.current
        if token.kind is Kind.OP:
            self.advance()
            return "!=" if token.text == "<>" else token.text
        if token.is_keyword(*_KEYWORD_OPS):
            self.advance()
            return token.text.upper()
        if token.is_keyword("NOT") and self.peek().is_keyword("IN"):
            self.advance()
            self.advance()
            return "NOT IN"
        raise self.unexpected()

    def literal_list(self) -> tuple[Literal, ...]:
        if self.current.kind is Kind.LPAREN and self.peek().is_keyword("SELECT"):
            raise SoqlSyntaxError(
                "semi-join subqueries are not supported",
                self.peek().pos,
                unsupported=True,
            )
        self.expect(Kind.LPAREN)
        values = [self.literal()]
        while self.current.kind is Kind.COMMA:
            self.advance()
            values.append(self.literal())
        self.expect(Kind.RPAREN)
        return tuple(values)

    def literal(self) -> Literal:
        token = self.current
        if token.kind is Kind.STRING:
            self.advance()
            return Literal("string", token.value, token.pos)
        if token.kind is Kind.NUMBER:
            self.advance()
            number: int | float = float(token.text) if "." in token.text else int(token.text)
            return Literal("number", number, token.pos)
        if token.kind is Kind.DATE:
            self.advance()
            return Literal("date", _checked_date(token), token.pos)
        if token.kind is Kind.DATETIME:
            self.advance()
            return Literal("datetime", _checked_datetime(token), token.pos)
        if token.kind is Kind.TIME:
            self.advance()
            return Literal("time", _checked_time(token), token.pos)
        if token.kind is Kind.IDENT:
            return self.word_literal()
        raise self.unexpected()

    def word_literal(self) -> Literal:
        token = self.current
        word = token.text.upper()
        if word in ("TRUE", "FALSE"):
            self.advance()
            return Literal("boolean", word == "TRUE", token.pos)
        if word == "NULL":
            self.advance()
            return Literal("null", None, token.pos)
        if word in SIMPLE_LITERALS:
            self.advance()
            return Literal("date_literal", word, token.pos)
        if word in N_LITERALS:
            self.advance()
            self.expect(Kind.COLON)
            count = self.current
            if count.kind is not Kind.NUMBER or not count.text.isdigit():
                raise self.unexpected()
            self.advance()
            return Literal("date_literal", f"{word}:{int(count.text)}", token.pos)
        raise self.unexpected()


def _checked_date(token: Token) -> str:
    try:
        dt.date.fromisoformat(token.text)
    except ValueError:
        raise SoqlSyntaxError(f"invalid date: {token.text}", token.pos) from None
    return token.text


def iso_datetime(text: str) -> dt.datetime:
    """Parse a SOQL datetime (``Z``, ``+05:00`` or ``-0800`` zone) into an aware datetime.

    Raises:
        ValueError: when the text is not a valid datetime.
    """
    iso = text[:-1] + "+00:00" if text.endswith("Z") else text
    if iso[-5] in "+-" and iso[-4:].isdigit():
        iso = iso[:-2] + ":" + iso[-2:]
    return dt.datetime.fromisoformat(iso)


def _checked_datetime(token: Token) -> str:
    try:
        iso_datetime(token.text)
    except ValueError:
        raise SoqlSyntaxError(f"invalid dateTime: {token.text}", token.pos) from None
    return token.text


def _checked_time(token: Token) -> str:
    try:
        iso_datetime("2000-01-01T" + token.text)
    except ValueError:
        raise SoqlSyntaxError(f"invalid time: {token.text}", token.pos) from None
    return token.text
