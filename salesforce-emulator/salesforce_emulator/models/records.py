"""Record writes with Salesforce's validation: create, update, delete, and their error codes."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.catalog import (
    INTEGER_TYPES,
    NUMBER_TYPES,
    STRING_TYPES,
    Catalog,
    FieldDef,
    ObjectDef,
)
from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.schema_sql import quote, reserve_ids
from salesforce_emulator.values import (
    format_datetime,
    normalize_date,
    normalize_datetime,
    normalize_time,
)

EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
ID_RE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
SYSTEM_FIELDS = frozenset(
    {
        "id",
        "isdeleted",
        "createddate",
        "createdbyid",
        "lastmodifieddate",
        "lastmodifiedbyid",
        "systemmodstamp",
    }
)


@dataclass
class RecordError(Exception):
    """One record's failure, as collections report it (``statusCode``)."""

    status_code: str
    message: str
    fields: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The ``errors[]`` entry of a composite result."""
        return {"statusCode": self.status_code, "message": self.message, "fields": self.fields}

    def as_api_error(self) -> SalesforceApiError:
        """The same failure as a single-record REST error (``errorCode``)."""
        return SalesforceApiError(400, self.status_code, self.message, self.fields)


@dataclass
class WriteOptions:
    """Per-request write behaviour."""

    user_id: str
    allow_duplicate_save: bool = False


def now_stamp() -> str:
    """The current time in stored form, in whole seconds (audit fields end in ``.000``)."""
    return format_datetime(dt.datetime.now(dt.UTC).replace(microsecond=0))


BAD_VALUE_ERRORS = {
    "email": ("INVALID_EMAIL_ADDRESS", "invalid email address"),
    "reference": ("MALFORMED_ID", "id value of incorrect type"),
}
BAD_VALUE_DEFAULT = ("INVALID_TYPE_ON_FIELD_IN_RECORD", "value not of required type")


def coerce_value(f: FieldDef, value: Any) -> Any:
    """Turn a JSON/CSV input value into the stored form, or raise RecordError."""
    if value is None:
        return None
    try:
        return _coerce(f, value)
    except (ValueError, TypeError, binascii.Error) as exc:
        if isinstance(exc, _TooLongError):
            raise RecordError(
                "STRING_TOO_LONG",
                f"{f.label or f.name}: data value too large: {str(value)[:40]} "
                f"(max length={f.length})",
                [f.name],
            ) from None
        code, problem = BAD_VALUE_ERRORS.get(f.type, BAD_VALUE_DEFAULT)
        raise RecordError(code, f"{f.label or f.name}: {problem}: {value}", [f.name]) from None


class _TooLongError(ValueError):
    pass


def _coerce(f: FieldDef, value: Any) -> Any:
    sf_type = f.type
    if sf_type in STRING_TYPES or sf_type in ("id", "reference", "base64"):
        if isinstance(value, bool | dict | list):
            raise TypeError(value)
        text = str(value)
        if sf_type in STRING_TYPES and f.length and len(text) > f.length:
            raise _TooLongError(text)
        if sf_type == "email":
            text = text.strip()
            if text and not EMAIL_RE.match(text):
                raise ValueError(text)
        if sf_type == "reference" and text and not ID_RE.match(text):
            raise ValueError(text)
        if sf_type == "base64":
            base64.b64decode(text, validate=True)
        return text or None
    if sf_type == "boolean":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return int(value.lower() in ("true", "1"))
        raise TypeError(value)
    if sf_type in INTEGER_TYPES:
        if isinstance(value, bool):
            raise TypeError(value)
        number = float(value)
        if not number.is_integer():
            raise ValueError(value)
        return int(number)
    if sf_type in NUMBER_TYPES:
        if isinstance(value, bool):
            raise TypeError(value)
        return float(value)
    if sf_type == "date":
        return normalize_date(str(value))
    if sf_type == "datetime":
        return normalize_datetime(str(value))
    if sf_type == "time":
        return normalize_time(str(value))
    raise TypeError(value)


@dataclass(frozen=True)
class _Shape:
    """What validation needs of an object's fields, computed once per :class:`ObjectDef`.

    ``ObjectDef`` is frozen (adding a field makes a new one), so the shape of an object never
    goes stale; computing it per record was most of the cost of a Bulk ingest job.
    """

    obj: ObjectDef
    required: tuple[FieldDef, ...]
    """Stored fields a create must fill (not nillable, createable, not defaulted)."""
    not_nillable: frozenset[str]
    unique: tuple[FieldDef, ...]
    defaults: tuple[tuple[FieldDef, Any], ...]
    """(field, raw default) of fields with a default value (``None``: false boolean)."""
    system: tuple[str, ...]
    """The audit fields the object has (set on create)."""
    has_owner: bool

    @classmethod
    def of(cls, obj: ObjectDef) -> _Shape:
        stored = obj.stored_fields
        defaults: list[tuple[FieldDef, Any]] = []
        for f in stored:
            if f.default_value is not None:
                defaults.append((f, f.default_value))
            elif f.type == "boolean" and not f.nillable:
                defaults.append((f, None))
        return cls(
            obj=obj,
            required=tuple(
                f for f in stored if not f.nillable and f.createable and not f.defaulted_on_create
            ),
            not_nillable=frozenset(f.name for f in stored if not f.nillable),
            unique=tuple(f for f in stored if f.unique),
            defaults=tuple(defaults),
            system=tuple(name for name in _SYSTEM_NAMES if obj.field(name) is not None),
            has_owner=obj.field("OwnerId") is not None,
        )


_SYSTEM_NAMES = (
    "Id",
    "IsDeleted",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "CreatedById",
    "LastModifiedById",
)


class RecordWriter:
    """Validates and writes records of one org; callers hold the org lock."""

    def __init__(
        self, conn: sqlite3.Connection, duplicate_rules: set[str], catalog: Catalog
    ) -> None:
        """Write to ``conn``; ``duplicate_rules`` names objects with an e-mail duplicate rule."""
        self.conn = conn
        self.catalog = catalog
        self.duplicate_rules = duplicate_rules
        self.lock_row_failures = 0
        self.forced_error: RecordError | None = None
        self._shapes: dict[int, _Shape] = {}

    def _shape(self, obj: ObjectDef) -> _Shape:
        """The object's :class:`_Shape` (cached by identity; the entry keeps ``obj`` alive)."""
        shape = self._shapes.get(id(obj))
        if shape is None or shape.obj is not obj:
            shape = self._shapes[id(obj)] = _Shape.of(obj)
        return shape

    # --- validation -----------------------------------------------------------------------

    def _fields(
        self, obj: ObjectDef, values: Mapping[str, Any], *, creating: bool
    ) -> dict[str, Any]:
        stored: dict[str, Any] = {}
        not_writable: list[str] = []
        for name, value in values.items():
            if name == "attributes" or (not creating and name.lower() == "id"):
                continue
            f = obj.field(name)
            if f is None:
                raise RecordError(
                    "INVALID_FIELD",
                    f"No such column '{name}' on sobject of type {obj.name}",
                    [name],
                )
            writable = f.createable if creating else f.updateable
            if not writable or not f.is_stored or f.name.lower() in SYSTEM_FIELDS:
                not_writable.append(f.name)
                continue
            stored[f.name] = coerce_value(f, value)
        if not_writable:
            verb = "create" if creating else "update"
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to {verb}/update fields: {', '.join(not_writable)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set.",
                not_writable,
            )
        return stored

    def _check_references(self, obj: ObjectDef, stored: Mapping[str, Any]) -> None:
        """Lookups must name a live record of a referenced object.

        Salesforce's three failures: wrong object type, no such record, record in the recycle
        bin.
        """
        for name, value in stored.items():
            f = obj.field(name)
            if f is None or f.type != "reference" or value is None:
                continue
            targets = [t for t in (self.catalog.get(n) for n in f.reference_to) if t is not None]
            typed = [t for t in targets if value.startswith(t.key_prefix)]
            label = f.label or f.name
            if targets and not typed:
                raise RecordError(
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"{label}: id value of incorrect type: {value}",
                    [f.name],
                )
            rows = [row for row in (self.get_raw(t, value) for t in typed) if row is not None]
            if typed and not rows:
                raise RecordError(
                    "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f.name]
                )
            if rows and all(row.get("IsDeleted") == 1 for row in rows):
                raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [f.name])

    def _check_required(self, obj: ObjectDef, record: Mapping[str, Any]) -> None:
        missing = [f.name for f in self._shape(obj).required if record.get(f.name) in (None, "")]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )

    def _check_unique(self, obj: ObjectDef, record: Mapping[str, Any], record_id: str) -> None:
        for f in self._shape(obj).unique:
            value = record.get(f.name)
            if value is None:
                continue
            collate = " COLLATE BINARY" if f.case_sensitive else ""
            clash = self.conn.execute(
                f'SELECT "Id" FROM {quote(obj.name)} WHERE {quote(f.name)} = ?{collate} '
                'AND "Id" != ?',
                (value, record_id),
            ).fetchone()
            if clash:
                raise RecordError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {f.name} duplicates value on record with id: "
                    f"{clash[0]}",
                    [f.name],
                )

    def _check_duplicate_rule(
        self, obj: ObjectDef, record: Mapping[str, Any], record_id: str, options: WriteOptions
    ) -> None:
        if obj.name not in self.duplicate_rules or options.allow_duplicate_save:
            return
        email = record.get("Email")
        if not email:
            return
        deleted = ' AND "IsDeleted" = 0' if obj.field("IsDeleted") else ""
        clash = self.conn.execute(
            f'SELECT "Id" FROM {quote(obj.name)} WHERE "Email" = ? COLLATE NOCASE '
            f'AND "Id" != ?{deleted}',
            (email, record_id),
        ).fetchone()
        if clash:
            raise RecordError("DUPLICATES_DETECTED", "Use one of these records?", [])

    @contextmanager
    def failing(self, error: RecordError | None) -> Iterator[None]:
        """Within the block, every create, update and delete fails with ``error`` (if given).

        A ``record_error`` fault rule: the call is handled, its records are not written.
        """
        self.forced_error = error
        try:
            yield
        finally:
            self.forced_error = None

    def _transient_fault(self) -> None:
        if self.forced_error is not None:
            error = self.forced_error
            raise RecordError(error.status_code, error.message, list(error.fields))
        if self.lock_row_failures > 0:
            self.lock_row_failures -= 1
            raise RecordError(
                "UNABLE_TO_LOCK_ROW",
                "unable to obtain exclusive access to this record or 1 records",
                [],
            )

    # --- writes -----------------------------------------------------------------------------

    def create(self, obj: ObjectDef, values: Mapping[str, Any], options: WriteOptions) -> str:
        """Insert one record; returns its new Id or raises RecordError."""
        if not obj.createable:
            raise RecordError(
                "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                f"entity type {obj.name} does not support insert",
                [],
            )
        if any(k.lower() == "id" for k in values):
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"]
            )
        self._transient_fault()
        stored = self._fields(obj, values, creating=True)
        record = self.defaults(obj) | stored
        self._check_required(obj, record)
        self._check_references(obj, stored)
        self._check_unique(obj, record, "")
        self._check_duplicate_rule(obj, record, "", options)
        [record_id] = reserve_ids(self.conn, obj, 1)
        stamp = now_stamp()
        system = {
            "Id": record_id,
            "IsDeleted": 0,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
            "CreatedById": options.user_id,
            "LastModifiedById": options.user_id,
        }
        shape = self._shape(obj)
        if shape.has_owner and not record.get("OwnerId"):
            record["OwnerId"] = options.user_id
        record.update({k: system[k] for k in shape.system})
        self.insert_raw(obj, record)
        return record_id

    def defaults(self, obj: ObjectDef) -> dict[str, Any]:
        """Values a new record gets when not given (field defaults, false for required booleans)."""
        defaults: dict[str, Any] = {}
        for f, value in self._shape(obj).defaults:
            defaults[f.name] = 0 if value is None else coerce_value(f, value)
        if obj.name == "Case":
            count = self.conn.execute('SELECT COUNT(*) FROM "Case"').fetchone()[0]
            defaults["CaseNumber"] = f"{count + 1:08d}"
        return defaults

    def update(
        self, obj: ObjectDef, record_id: str, values: Mapping[str, Any], options: WriteOptions
    ) -> None:
        """Update one record by Id or raise RecordError."""
        current = self.get_raw(obj, record_id)
        if current is None or current.get("IsDeleted") == 1:
            raise RecordError(
                "ENTITY_IS_DELETED" if current else "INVALID_CROSS_REFERENCE_KEY",
                "entity is deleted" if current else "invalid cross reference id",
                [],
            )
        if not obj.updateable:
            raise RecordError(
                "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                f"entity type {obj.name} does not support update",
                [],
            )
        self._transient_fault()
        stored = self._fields(obj, values, creating=False)
        merged = current | stored
        not_nillable = self._shape(obj).not_nillable
        missing = [name for name, value in stored.items() if value is None and name in not_nillable]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        self._check_references(obj, stored)
        self._check_unique(obj, merged, current["Id"])
        self._check_duplicate_rule(obj, merged, current["Id"], options)
        stamp = now_stamp()
        stored.update(
            {
                "LastModifiedDate": stamp,
                "SystemModstamp": stamp,
                "LastModifiedById": options.user_id,
            }
        )
        self.update_raw(
            obj, current["Id"], {k: v for k, v in stored.items() if obj.field(k) is not None}
        )

    def delete(self, obj: ObjectDef, record_id: str) -> str:
        """Move a record to the recycle bin (``IsDeleted = true``); returns the full Id."""
        current = self.get_raw(obj, record_id)
        if current is None:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        if current.get("IsDeleted") == 1:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        self._transient_fault()
        if not obj.deletable or obj.field("IsDeleted") is None:
            raise RecordError(
                "INVALID_TYPE_FOR_OPERATION", f"entity type {obj.name} does not support delete", []
            )
        stamp = now_stamp()
        self.update_raw(
            obj, current["Id"], {"IsDeleted": 1, "SystemModstamp": stamp, "LastModifiedDate": stamp}
        )
        self.log_deletion(obj, current["Id"], stamp)
        return str(current["Id"])

    # --- reads (external-id lookups and replication) ----------------------------------------

    def ids_with_value(
        self, obj: ObjectDef, field_name: str, value: Any, *, include_deleted: bool
    ) -> list[str]:
        """Ids of the rows whose ``field_name`` equals ``value`` (an external id lookup).

        Text compares ignoring case unless the field is case-sensitive.
        """
        live = "" if include_deleted else ' AND "IsDeleted" = 0'
        f = obj.field(field_name)
        collate = " COLLATE BINARY" if f is not None and f.case_sensitive else ""
        rows = self.conn.execute(
            f'SELECT "Id" FROM {quote(obj.name)} WHERE {quote(field_name)} = ?{collate}{live}',
            (value,),
        )
        return [row[0] for row in rows]

    def live_count(self, obj: ObjectDef) -> int:
        """Records of an object that are not in the recycle bin (``limits/recordCount``)."""
        live = ' WHERE "IsDeleted" = 0' if obj.field("IsDeleted") is not None else ""
        (count,) = self.conn.execute(f"SELECT COUNT(*) FROM {quote(obj.name)}{live}").fetchone()
        return int(count)

    def deleted_between(self, obj: ObjectDef, start: str, end: str) -> list[tuple[str, str]]:
        """(Id, deletion time) of the records deleted in ``[start, end]``, oldest first."""
        rows = self.conn.execute(
            'SELECT id, deleted_date FROM "_deleted_log" WHERE object = ? AND deleted_date >= ? '
            "AND deleted_date <= ? ORDER BY deleted_date",
            (obj.name, start, end),
        )
        return [(row[0], row[1]) for row in rows]

    def modified_between(self, obj: ObjectDef, start: str, end: str) -> list[str]:
        """Ids of the rows whose SystemModstamp is in ``[start, end]``, oldest change first."""
        rows = self.conn.execute(
            f'SELECT "Id" FROM {quote(obj.name)} WHERE "SystemModstamp" >= ? '
            'AND "SystemModstamp" <= ? ORDER BY "SystemModstamp"',
            (start, end),
        )
        return [row[0] for row in rows]

    # --- raw access (admin endpoints and the engine) ----------------------------------------

    def log_deletion(self, obj: ObjectDef, record_id: str, stamp: str) -> None:
        """Remember a deletion for the ``sobjects/{X}/deleted`` resource."""
        self.conn.execute(
            'INSERT OR REPLACE INTO "_deleted_log" (object, id, deleted_date) VALUES (?, ?, ?)',
            (obj.name, record_id, stamp),
        )

    def get_raw(self, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
        """The stored row of a record (15- or 18-char Id), or None.

        The row whose Id is ``record_id``, else the one whose Id starts with its first 15
        characters (a 15-character Id, or an 18-character one with another suffix). Both
        lookups use the primary key: an ``OR substr(...)`` condition would scan the table.
        """
        table = quote(obj.name)
        cursor = self.conn.execute(f'SELECT * FROM {table} WHERE "Id" = ?', (record_id,))
        row = cursor.fetchone()
        if row is None:
            prefix = record_id[:15]
            cursor = self.conn.execute(
                f'SELECT * FROM {table} WHERE "Id" >= ? AND "Id" < ? AND substr("Id", 1, 15) = ?',
                (prefix, prefix + "\x7f", prefix),
            )
            row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def insert_raw(self, obj: ObjectDef, record: Mapping[str, Any]) -> None:
        """Insert a stored row as is."""
        names = list(record)
        self.conn.execute(
            f"INSERT INTO {quote(obj.name)} ({', '.join(map(quote, names))}) "
            f"VALUES ({', '.join('?' for _ in names)})",
            [record[n] for n in names],
        )

    def update_raw(self, obj: ObjectDef, record_id: str, values: Mapping[str, Any]) -> None:
        """Overwrite stored columns of one row."""
        if not values:
            return
        assignments = ", ".join(f"{quote(k)} = ?" for k in values)
        self.conn.execute(
            f'UPDATE {quote(obj.name)} SET {assignments} WHERE "Id" = ?',
            [*values.values(), record_id],
        )

    def purge(self, obj: ObjectDef, record_ids: Iterable[str]) -> int:
        """Hard-delete records (empty the recycle bin); deletions stay in the log."""
        count = 0
        for record_id in record_ids:
            current = self.get_raw(obj, record_id)
            if current is None:
                continue
            if current.get("IsDeleted") != 1:
                self.log_deletion(obj, current["Id"], now_stamp())
            self.conn.execute(f'DELETE FROM {quote(obj.name)} WHERE "Id" = ?', (current["Id"],))
            count += 1
        return count
