"""SOQL tokenizer: turns statement text into a list of tokens with their positions.

Pure Python, no I/O: shared by the plugins and the emulator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class SoqlSyntaxError(Exception):
    """A statement that is not valid SOQL, or uses a construct this parser does not support.

    Attributes:
        message: What is wrong.
        position: 0-based offset into the text.
        unsupported: True for valid SOQL this parser does not handle (``GROUP BY``,
            subqueries, ...); callers add who does not support it.
    """

    def __init__(self, message: str, position: int, *, unsupported: bool = False) -> None:
        """Create the error."""
        super().__init__(message)
        self.message = message
        self.position = position
        self.unsupported = unsupported


class Kind(Enum):
    """Token kinds."""

    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    DOT = "."
    COLON = ":"
    EOF = "<EOF>"


@dataclass(frozen=True)
class Token:
    """One token: ``text`` is the source text, ``value`` the decoded string literal."""

    kind: Kind
    text: str
    pos: int
    value: str = ""

    def is_keyword(self, *words: str) -> bool:
        """True when the token is an identifier equal (any case) to one of ``words``."""
        return self.kind is Kind.IDENT and self.text.upper() in words

    def describe(self) -> str:
        """The token as error messages quote it."""
        return "<EOF>" if self.kind is Kind.EOF else f"'{self.text}'"


_PUNCTUATION = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, ".": Kind.DOT, ":": Kind.COLON}
_OPERATORS = ("!=", "<>", "<=", ">=", "=", "<", ">")
# Escapes decoded inside string literals; \% and \_ are kept as written for LIKE patterns.
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'"}
_ESCAPES.update({"\\": "\\", "%": "\\%", "_": "\\_"})

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})")


def tokenize(text: str) -> list[Token]:
    """Split SOQL text into tokens, ending with an EOF token.

    Raises:
        SoqlSyntaxError: on an unknown character or an unterminated or badly escaped string.
    """
    tokens: list[Token] = []
    pos = 0
    length = len(text)
    while pos < length:
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        token = _next_token(text, pos)
        tokens.append(token)
        pos += len(token.text)
    tokens.append(Token(Kind.EOF, "", length))
    return tokens


def _next_token(text: str, pos: int) -> Token:
    char = text[pos]
    if char == "'":
        return _string(text, pos)
    if char in _PUNCTUATION:
        return Token(_PUNCTUATION[char], char, pos)
    for op in _OPERATORS:
        if text.startswith(op, pos):
            return Token(Kind.OP, op, pos)
    if char.isdigit() or (char in "+-" and pos + 1 < len(text) and text[pos + 1].isdigit()):
        return _number_or_date(text, pos)
    match = _IDENT.match(text, pos)
    if match:
        return Token(Kind.IDENT, match.group(), pos)
    raise SoqlSyntaxError(f"no viable alternative at character '{char}'", pos)


def _number_or_date(text: str, pos: int) -> Token:
    """A number, a date (``2024-01-01``), a datetime (``2024-01-01T00:00:00Z``) or a time."""
    match = _TIME.match(text, pos)
    if match:
        return Token(Kind.TIME, match.group(), pos)
    match = _DATETIME.match(text, pos)
    if match:
        return Token(Kind.DATETIME, match.group(), pos)
    match = _DATE.match(text, pos)
    if match:
        end = match.end()
        if end < len(text) and (text[end] == "T" or text[end].isalnum()):
            raise SoqlSyntaxError(f"invalid date or datetime literal at '{text[pos:end]}'", pos)
        return Token(Kind.DATE, match.group(), pos)
    match = _NUMBER.match(text, pos)
    assert match is not None  # the caller saw a digit
    end = match.end()
    if end < len(text) and (text[end].isalpha() or text[end] == "_"):
        raise SoqlSyntaxError(f"unexpected token: '{text[pos : end + 1]}'", pos)
    return Token(Kind.NUMBER, match.group(), pos)


def _string(text: str, start: int) -> Token:
    """A single-quoted string literal with backslash escapes."""
    out: list[str] = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "'":
            return Token(Kind.STRING, text[start : pos + 1], start, "".join(out))
        if char == "\\":
            escaped = text[pos + 1] if pos + 1 < len(text) else ""
            key = escaped.lower() if escaped in ("N", "R", "T", "B", "F") else escaped
            decoded = _ESCAPES.get(key)
            if not escaped or decoded is None:
                raise SoqlSyntaxError(
                    f"Invalid string literal '{text[start : pos + 2]}'. Illegal character "
                    f"sequence '\\{escaped}' in string literal.",
                    pos,
                )
            out.append(decoded)
            pos += 2
            continue
        out.append(char)
        pos += 1
    raise SoqlSyntaxError("mismatched character '<EOF>' expecting '''", len(text))
