"""Deterministic, realistic demo data for the emulated org.

``generate_demo_org`` fills every object of a catalog with related rows (about ``scale`` rows in
all); ``generate_rows`` appends rows to one object. Rows are built column by column
(``batch.Batch``). A column comes from the first generator found in ``columns``: per object and
field (``OBJECT_GENERATORS``), then fields many objects share (``COMMON_GENERATORS``), then a
compound-component or per-type generator (``TYPE_GENERATORS``). Generators may read other
columns of the same batch through ``Batch.col``, which builds them on demand, so dependent values
stay consistent (IsClosed from StageName, Case.AccountId from its Contact). Columns whose names
start with ``_`` are hidden helpers that are never stored.

Names, companies, addresses and sentences come from pools (``pools``) built once per seed with
Faker in several locales; rows pick from the pools with a ``random.Random`` seeded from the seed
and the first new record Id, so the same catalog, scale and seed give byte-identical tables.

Modules, in dependency order: ``clock`` (the demo time range), ``pools`` (value pools),
``index`` (rows already stored), ``batch`` (one object's rows in the making), ``generators``
(generators any object can use), ``objects`` (generators of particular objects), ``columns``
(the column description), ``loading`` (row counts, SQLite writes, the entry points below).
"""

from __future__ import annotations

from salesforce_emulator.demo.loading import generate_demo_org, generate_rows

__all__ = ["generate_demo_org", "generate_rows"]
