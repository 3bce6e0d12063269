"""The emulated org: its data (SQLite), metadata, OAuth state, cursors, Bulk jobs and API usage."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from salesforce_common.api_limits import BULK_QUERY_JOBS_PER_DAY, QUERY_PAGE_ROWS

from salesforce_emulator.catalog import Catalog, FieldDef, ObjectDef, demo_catalog
from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.faults import FaultInjector
from salesforce_emulator.models.auth import AuthState, ConnectedApp
from salesforce_emulator.models.bulk import BulkEngine
from salesforce_emulator.models.queries import QueryEngine
from salesforce_emulator.models.records import RecordWriter, now_stamp
from salesforce_emulator.models.reports import ReportStore
from salesforce_emulator.schema_sql import ID_COUNTERS_DDL, create_table_sql, quote, reserve_ids

DELETED_LOG_DDL = (
    'CREATE TABLE IF NOT EXISTS "_deleted_log" '
    "(object TEXT NOT NULL, id TEXT NOT NULL, deleted_date TEXT NOT NULL, PRIMARY KEY (object, id))"
)
DEFAULT_DAILY_API_LIMIT = 100_000
API_VERSIONS = [f"{major}.0" for major in range(20, 67)]
"""The REST API versions the org serves (listed by the versions resource); others are 404."""


@dataclass(frozen=True)
class DemoCredentials:
    """Well-known credentials of the demo org's integration user and connected app."""

    username: str = "integration@demo.example.com"
    password: str = "demo-password"  # noqa: S105 - local test value
    security_token: str = "DEMOTOKEN0000000"  # noqa: S105 - local test value
    client_id: str = "3MVG9demo.connected.app.consumer.key"
    client_secret: str = "demo-consumer-secret-0000"  # noqa: S105 - local test value
    refresh_token: str = "5Aep861demoRefreshToken000000000"  # noqa: S105 - local test value
    access_token: str = "00D5g000004DEMO!demoAccessToken0000000000"  # noqa: S105 - local test value


DEMO = DemoCredentials()


class Org:
    """One org. Every public method must be called with ``org.lock`` held (the server does)."""

    def __init__(
        self,
        db_path: str = ":memory:",
        catalog: Catalog | None = None,
        *,
        daily_api_limit: int = DEFAULT_DAILY_API_LIMIT,
        page_size: int = QUERY_PAGE_ROWS,
    ) -> None:
        """Open (or create) the org's database at ``db_path`` with a table per object.

        Args:
            db_path: SQLite file, or ``:memory:``.
            catalog: The org's objects; the demo catalog by default.
            daily_api_limit: API calls allowed before ``REQUEST_LIMIT_EXCEEDED``.
            page_size: Most records in one REST query page.
        """
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self.conn.execute(
            "PRAGMA journal_mode=WAL" if db_path != ":memory:" else "PRAGMA journal_mode=MEMORY"
        )
        self.conn.execute("PRAGMA synchronous=OFF")
        self.catalog = catalog or demo_catalog()
        self.hidden_fields: set[tuple[str, str]] = set()
        self.duplicate_rules: set[str] = set()
        self.auth = AuthState()
        self.faults = FaultInjector()
        self.writer = RecordWriter(self.conn, self.duplicate_rules, self.catalog)
        self.queries = QueryEngine(self.conn, self.catalog, self.hidden_fields, page_size=page_size)
        self.bulk = BulkEngine(self.conn, self.catalog, self.queries, self.writer)
        from salesforce_emulator.demo.reports import DEMO_REPORTS

        self.reports = ReportStore(self.conn, self.catalog, DEMO_REPORTS)
        self.daily_api_limit = daily_api_limit
        self.api_used = 0
        self.calls: Counter[str] = Counter()
        self.idempotent_answers: dict[tuple[str, str, str], tuple[int, bytes]] = {}
        """First answers to UI API writes by (user Id, resource, ``Idempotency-Key``)."""
        self.conn.execute(ID_COUNTERS_DDL)
        self.conn.execute(DELETED_LOG_DDL)
        for obj in self.catalog:
            self._create_table(obj)

    # --- set-up -------------------------------------------------------------------------------

    def _create_table(self, obj: ObjectDef) -> None:
        for statement in create_table_sql(obj):
            self.conn.execute(statement)

    def define_object(self, obj: ObjectDef) -> None:
        """Add an object (e.g. a custom object defined by a test) and its table."""
        self.catalog.add(obj)
        self._create_table(obj)

    def add_field(self, obj: ObjectDef, added: FieldDef) -> ObjectDef:
        """Give an object a new stored field (a column, indexed when it is a lookup key)."""
        table, column = quote(obj.name), quote(added.name)
        existing = {row[1].lower() for row in self.conn.execute(f"PRAGMA table_info({table})")}
        if added.name.lower() not in existing:  # a reused database file may have it already
            self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {added.sql_type}")
        if added.external_id or added.unique:
            index = quote(f"ix_{obj.name}_{added.name}")
            self.conn.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({column})")
        changed = obj.with_field(added)
        self.catalog.add(changed)
        return changed

    def row_count(self, obj: ObjectDef) -> int:
        """Rows stored for an object (deleted ones included)."""
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {quote(obj.name)}").fetchone()[0])

    def seed_demo(self, scale: int, seed: int = 42) -> dict[str, int]:
        """Fill the org with the deterministic demo data (unless it already has data)."""
        from salesforce_emulator.demo import generate_demo_org

        user = self.catalog.get("User")
        counts: dict[str, int] = {}
        if user is not None and self.row_count(user) == 0:
            counts = generate_demo_org(self.conn, self.catalog, scale=scale, seed=seed)
        self.install_demo_credentials()
        return counts

    def generate_rows(self, obj: ObjectDef, count: int, seed: int) -> list[str]:
        """Append ``count`` generated rows to ``obj``; returns their Ids.

        The generator runs (and commits) its own fast-load transaction.
        """
        from salesforce_emulator.demo import generate_rows

        return generate_rows(self.conn, self.catalog, obj.name, count, seed=seed)

    def first_user(self) -> tuple[str, str] | None:
        """(Id, Username) of the oldest User, the one the demo credentials belong to."""
        row = self.conn.execute(
            'SELECT "Id", "Username" FROM "User" ORDER BY rowid LIMIT 1'
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def install_demo_credentials(self) -> None:
        """Give the first User the demo password, app, refresh token and access token."""
        row = self.first_user()
        if row is None:
            user_obj = self.catalog.get("User")
            assert user_obj is not None
            [user_id] = reserve_ids(self.conn, user_obj, 1)
            self.conn.execute(
                'INSERT INTO "User" ("Id", "Username", "LastName", "Email", "Alias", "IsActive", '
                '"TimeZoneSidKey", "LocaleSidKey", "EmailEncodingKey", "LanguageLocaleKey", '
                '"CreatedDate", "LastModifiedDate", "SystemModstamp", "CreatedById", '
                '"LastModifiedById") '
                "VALUES (?, ?, 'Integration', ?, 'integ', 1, 'America/Los_Angeles', 'en_US', "
                "'UTF-8', "
                "'en_US', '2024-01-01T00:00:00.000+0000', '2024-01-01T00:00:00.000+0000', "
                "'2024-01-01T00:00:00.000+0000', ?, ?)",
                (user_id, DEMO.username, DEMO.username, user_id, user_id),
            )
            row = (user_id, DEMO.username)
        user_id, username = row
        self.auth.add_user(username, DEMO.password, DEMO.security_token, user_id)
        self.auth.add_app(
            ConnectedApp(DEMO.client_id, DEMO.client_secret, run_as_username=username)
        )
        self.auth.refresh_tokens[DEMO.refresh_token] = (DEMO.client_id, username.lower())
        self.auth.add_static_token(DEMO.access_token, username)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction (nested calls use savepoints)."""
        if self.conn.in_transaction:
            with self.savepoint():
                yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint that is rolled back when the block raises."""
        self.conn.execute("SAVEPOINT sp")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO sp")
            self.conn.execute("RELEASE sp")
            raise
        self.conn.execute("RELEASE sp")

    def run_in_savepoint(self, action: Callable[[], None]) -> None:
        """Run ``action`` so that a failure leaves no partial write."""
        with self.savepoint():
            action()

    # --- metadata -----------------------------------------------------------------------------

    def object(self, name: str) -> ObjectDef:
        """The object named ``name`` or 404 NOT_FOUND like ``sobjects/{X}`` answers."""
        obj = self.catalog.get(name)
        if obj is None:
            raise SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return obj

    # --- API usage ----------------------------------------------------------------------------

    def count_call(self, endpoint: str) -> None:
        """Count one API call; 403 REQUEST_LIMIT_EXCEEDED once the allowance is spent."""
        self.calls[endpoint] += 1
        if self.api_used >= self.daily_api_limit:
            raise SalesforceApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        self.api_used += 1

    def limit_info(self) -> str:
        """The ``Sforce-Limit-Info`` header value."""
        return f"api-usage={self.api_used}/{self.daily_api_limit}"

    def limits(self) -> dict[str, Any]:
        """The ``/limits`` body."""

        def pair(maximum: int, used: int = 0) -> dict[str, int]:
            return {"Max": maximum, "Remaining": max(0, maximum - used)}

        return {
            "ConcurrentAsyncGetReportInstances": pair(200),
            "ConcurrentSyncReportRuns": pair(20),
            "DailyApiRequests": pair(self.daily_api_limit, self.api_used),
            "DailyAsyncApexExecutions": pair(250000),
            "DailyBulkApiBatches": pair(15000),
            "DailyBulkV2QueryFileStorageMB": pair(1048576),
            "DailyBulkV2QueryJobs": pair(BULK_QUERY_JOBS_PER_DAY, len(self.bulk.query_jobs)),
            "DataStorageMB": pair(5120),
            "FileStorageMB": pair(20480),
            "HourlyTimeBasedWorkflow": pair(1000),
            "SingleEmail": pair(5000),
        }

    # --- raw data (admin) ---------------------------------------------------------------------

    def insert_stored(self, obj: ObjectDef, stored: dict[str, Any]) -> str:
        """Insert a row of stored values as is, filling in Id, audit fields and defaults.

        Unlike ``writer.create`` nothing is validated: the admin API writes what it is given.
        """
        if "Id" not in stored:
            [stored["Id"]] = reserve_ids(self.conn, obj, 1)
        stamp = now_stamp()
        first = self.first_user()
        user_id = first[0] if first else None
        defaults = {
            "IsDeleted": 0,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
            "CreatedById": user_id,
            "LastModifiedById": user_id,
            "OwnerId": user_id,
        }
        for key, value in defaults.items():
            if obj.field(key) is not None:
                stored.setdefault(key, value)
        for key, value in self.writer.defaults(obj).items():
            stored.setdefault(key, value)
        self.writer.insert_raw(obj, stored)
        return str(stored["Id"])

    def raw_records(
        self, obj: ObjectDef, where_ids: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Stored rows of an object, in insertion order."""
        sql = f"SELECT * FROM {quote(obj.name)}"
        params: list[str] = []
        if where_ids:
            sql += f' WHERE "Id" IN ({", ".join("?" for _ in where_ids)})'
            params = where_ids
        cursor = self.conn.execute(sql + " ORDER BY rowid", params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def reset(self) -> None:
        """Forget usage counts, faults, cursors, jobs and idempotency keys (data stays)."""
        self.api_used = 0
        self.calls.clear()
        self.faults.clear()
        self.queries.expire_all()
        self.bulk.query_jobs.clear()
        self.bulk.ingest_jobs.clear()
        self.idempotent_answers.clear()
