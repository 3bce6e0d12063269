"""How many rows each object gets, writing them into SQLite, and the public entry points."""

from __future__ import annotations

import contextlib
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from salesforce_emulator.catalog import Catalog, ObjectDef
from salesforce_emulator.demo.batch import Batch
from salesforce_emulator.demo.columns import resolve_generator
from salesforce_emulator.demo.generators import nothing
from salesforce_emulator.demo.index import OrgIndex, is_stored
from salesforce_emulator.demo.objects import PRICEBOOKS, ROLES
from salesforce_emulator.demo.reports import demo_report_count, insert_demo_reports
from salesforce_emulator.schema_sql import create_table_sql, quote, reserve_ids


@dataclass(frozen=True)
class Share:
    """An object's share of the rows of a demo org."""

    fraction: float
    minimum: int = 3
    maximum: int | None = None


SHARES = {
    "UserRole": Share(0.0, len(ROLES), len(ROLES)),
    "User": Share(0.002, 5),
    "Account": Share(0.08, 5),
    "Contact": Share(0.20, 10),
    "Lead": Share(0.12, 6),
    "Opportunity": Share(0.10, 5),
    "OpportunityLineItem": Share(0.10, 5),
    "OpportunityContactRole": Share(0.05, 3),
    "Case": Share(0.10, 5),
    "Campaign": Share(0.001, 3),
    "CampaignMember": Share(0.05, 3),
    "Task": Share(0.08, 4),
    "Event": Share(0.04, 3),
    "EmailMessage": Share(0.04, 3),
    "Product2": Share(0.01, 5, 50),
    "Pricebook2": Share(0.0, len(PRICEBOOKS), len(PRICEBOOKS)),
    "Attachment": Share(0.005, 3),
}
FIXED_ROWS = {"Report": (demo_report_count, insert_demo_reports)}
"""Objects whose rows are fixed, not generated: (how many, writer run after the data)."""


DEFAULT_SHARE = Share(0.01, 3)


# Objects created in this order; others follow their parents. Audit references, and lookups the
# demo leaves empty (User.ContactId), are ignored.
PREFERRED_ORDER = (
    "UserRole", "User", "Account", "Contact", "Campaign", "Product2", "Pricebook2",
    "PricebookEntry", "Opportunity", "Lead", "OpportunityLineItem", "OpportunityContactRole",
    "Case", "CampaignMember", "Task", "Event", "EmailMessage", "Attachment",
)  # fmt: skip


AUDIT_REFERENCES = frozenset({"OwnerId", "CreatedById", "LastModifiedById"})


CHUNK = 50_000


def plan_counts(catalog: Catalog, scale: int) -> dict[str, int]:
    """Rows per object for an org of about ``scale`` rows."""
    counts = {}
    for obj in catalog:
        if obj.name in FIXED_ROWS:
            counts[obj.name] = FIXED_ROWS[obj.name][0]()
            continue
        share = SHARES.get(obj.name, DEFAULT_SHARE)
        count = max(share.minimum, round(scale * share.fraction))
        counts[obj.name] = min(count, share.maximum) if share.maximum else count
    if {"PricebookEntry", "Pricebook2", "Product2"} <= counts.keys():
        counts["PricebookEntry"] = counts["Pricebook2"] * counts["Product2"]
    return counts


def build_order(catalog: Catalog) -> list[ObjectDef]:
    """Objects with parents before children (PREFERRED_ORDER first among the ready ones)."""
    objects = {obj.name: obj for obj in catalog}

    def rank(name: str) -> tuple[int, str]:
        known = name in PREFERRED_ORDER
        return (PREFERRED_ORDER.index(name) if known else len(PREFERRED_ORDER), name)

    parents = {
        obj.name: {
            target
            for f in obj.stored_fields
            if f.type == "reference"
            and f.name not in AUDIT_REFERENCES
            and resolve_generator(obj, f.name, f).fn is not nothing
            for target in f.reference_to
            if target in objects and target != obj.name
        }
        for obj in objects.values()
    }
    done: list[str] = []
    pending = sorted(objects, key=rank)
    while pending:
        ready = [n for n in pending if parents[n] <= set(done)] or pending[:1]
        done.append(ready[0])
        pending.remove(ready[0])
    return [objects[name] for name in done]


def _create_table(conn: sqlite3.Connection, obj: ObjectDef, *, defer_indexes: bool) -> list[str]:
    """Create the object's table; return the index statements left to run."""
    deferred = []
    for statement in create_table_sql(obj):
        if defer_indexes and statement.lstrip().upper().startswith("CREATE INDEX"):
            deferred.append(statement)
        else:
            conn.execute(statement)
    return deferred


def _append(
    conn: sqlite3.Connection, index: OrgIndex, obj: ObjectDef, count: int, seed: int
) -> list[str]:
    """Generate and insert ``count`` rows in chunks; return their Ids."""
    names = ", ".join(quote(f.name) for f in obj.stored_fields)
    marks = ", ".join("?" * len(obj.stored_fields))
    sql = f"INSERT INTO {quote(obj.name)} ({names}) VALUES ({marks})"
    new_ids: list[str] = []
    for offset in range(0, count, CHUNK):
        size = min(CHUNK, count - offset)
        chunk_ids = reserve_ids(conn, obj, size)
        batch = Batch(
            obj,
            chunk_ids,
            start=index.count(obj.name),
            window=(offset / count, (offset + size) / count),
            rng=random.Random(f"{seed}:{chunk_ids[0]}"),
            index=index,
            seed=seed,
            resolve=resolve_generator,
        )
        conn.executemany(sql, batch.rows())
        index.forget(obj.name)
        new_ids += chunk_ids
    return new_ids


FIXUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("Opportunity.HasOpportunityLineItem", "OpportunityLineItem.OpportunityId",
         "OpportunityLineItem.IsDeleted"),
        'UPDATE "Opportunity" SET "HasOpportunityLineItem" = 1 WHERE "Id" IN '
        '(SELECT "OpportunityId" FROM "OpportunityLineItem" WHERE NOT "IsDeleted")',
    ),
    (
        ("Campaign.NumberOfLeads", "Campaign.NumberOfContacts", "Campaign.NumberOfResponses",
         "CampaignMember.LeadId", "CampaignMember.ContactId", "CampaignMember.HasResponded",
         "CampaignMember.IsDeleted"),
        'UPDATE "Campaign" SET "NumberOfLeads" = s.leads, "NumberOfContacts" = s.contacts, '
        '"NumberOfResponses" = s.responses FROM (SELECT "CampaignId" AS id, '
        'COUNT("LeadId") AS leads, COUNT("ContactId") AS contacts, SUM("HasResponded") AS '
        'responses FROM "CampaignMember" WHERE NOT "IsDeleted" GROUP BY "CampaignId") AS s '
        'WHERE s.id = "Campaign"."Id"',
    ),
    (
        ("Campaign.NumberOfOpportunities", "Campaign.AmountAllOpportunities",
         "Opportunity.CampaignId", "Opportunity.Amount", "Opportunity.IsDeleted"),
        'UPDATE "Campaign" SET "NumberOfOpportunities" = s.n, "AmountAllOpportunities" = '
        's.amount FROM (SELECT "CampaignId" AS id, COUNT(*) AS n, ROUND(TOTAL("Amount"), 2) '
        'AS amount FROM "Opportunity" WHERE NOT "IsDeleted" AND "CampaignId" IS NOT NULL '
        'GROUP BY "CampaignId") AS s WHERE s.id = "Campaign"."Id"',
    ),
)  # fmt: skip


def _apply_fixups(conn: sqlite3.Connection, catalog: Catalog) -> None:
    """Roll-up fields that depend on children generated later."""
    for needs, sql in FIXUPS:
        pairs = (need.split(".", 1) for need in needs)
        if all((o := catalog.get(obj)) is not None and is_stored(o, f) for obj, f in pairs):
            conn.execute(sql)


@contextlib.contextmanager
def _bulk_load(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction with fast-load settings, committed on success and rolled back on error.

    Inside a transaction the caller already opened, just join it: committing, rolling back and
    connection settings stay the caller's business.
    """
    if conn.in_transaction:
        yield
        return
    saved = {p: conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("synchronous", "cache_size")}
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()
    finally:
        for pragma, value in saved.items():
            conn.execute(f"PRAGMA {pragma} = {int(value)}")


def generate_demo_org(
    conn: sqlite3.Connection, catalog: Catalog, *, scale: int, seed: int = 42
) -> dict[str, int]:
    """Fill every catalog object with related demo rows, about ``scale`` rows in all.

    Missing tables are created first.

    Args:
        conn: The org's database.
        catalog: The objects to fill.
        scale: Approximate total number of rows.
        seed: Same catalog, scale and seed give identical tables.

    Returns:
        Rows added per object name.
    """
    if scale < 0:
        raise ValueError("scale must not be negative")
    counts = plan_counts(catalog, scale)
    with _bulk_load(conn):
        index = OrgIndex(conn, catalog)
        deferred: list[str] = []
        for obj in build_order(catalog):
            deferred += _create_table(conn, obj, defer_indexes=True)
            if obj.name not in FIXED_ROWS:
                _append(conn, index, obj, counts[obj.name], seed)
        for statement in deferred:
            conn.execute(statement)
        _apply_fixups(conn, catalog)
        for name, (_count, write) in FIXED_ROWS.items():
            if name in counts:
                write(conn, catalog)
    return counts


def generate_rows(
    conn: sqlite3.Connection, catalog: Catalog, object_name: str, count: int, *, seed: int = 42
) -> list[str]:
    """Append ``count`` rows to one object (its table is created if missing).

    References point at rows already stored (null when the parent table is empty).

    Args:
        conn: The org's database.
        catalog: The catalog holding the object and its parents.
        object_name: API name of the object (any case).
        count: Rows to add.
        seed: Same database state and seed give identical rows.

    Returns:
        The new record Ids.
    """
    obj = catalog.get(object_name)
    if obj is None:
        raise KeyError(f"unknown object: {object_name}")
    with _bulk_load(conn):
        _create_table(conn, obj, defer_indexes=False)
        return _append(conn, OrgIndex(conn, catalog), obj, count, seed) if count > 0 else []
