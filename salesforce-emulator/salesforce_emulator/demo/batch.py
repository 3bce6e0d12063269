"""A batch of rows being generated for one object, built column by column."""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from salesforce_emulator.catalog import FieldDef, ObjectDef
from salesforce_emulator.demo.index import OrgIndex
from salesforce_emulator.demo.pools import build_pools

Column = list[Any]


ColumnFn = Callable[["Batch", FieldDef], Column]


@dataclass(frozen=True)
class Gen:
    """A column generator and the share of its values turned null (None: the default share)."""

    fn: ColumnFn
    nulls: float | None = None


Resolver = Callable[[ObjectDef, str, FieldDef | None], Gen]
"""Finds the generator of a column (``columns.resolve_generator``)."""

DEFAULT_NULLS = 0.05


class Batch:
    """Rows being generated for one object: their Ids, randomness and generated columns."""

    def __init__(
        self,
        obj: ObjectDef,
        ids: list[str],
        *,
        start: int,
        window: tuple[float, float] = (0.0, 1.0),
        rng: random.Random,
        index: OrgIndex,
        seed: int,
        resolve: Resolver,
    ) -> None:
        """Rows of ``obj`` with the reserved ``ids``.

        Args:
            obj: The object the rows belong to.
            ids: The new rows' record Ids, in order.
            start: Rows the table held before this batch.
            window: This batch's part of the rows one call adds (creation times follow it).
            rng: The batch's only source of randomness.
            index: The rows already stored.
            seed: The seed the value pools are built from.
            resolve: The column description: which generator fills a column.
        """
        self.obj = obj
        self.ids = ids
        self.n = len(ids)
        self.start = start
        self.window = window
        self.rng = rng
        self.r = rng.random
        self.pools = build_pools(seed)
        self.index = index
        self.seed = seed
        self.resolve = resolve
        self._columns: dict[str, Column] = {}
        self._building: set[str] = set()

    def col(self, name: str) -> Column:
        """The values of a column (a field or a hidden helper), generated on first use."""
        values = self._columns.get(name)
        if values is None:
            if name in self._building:
                raise RuntimeError(f"circular column dependency at {self.obj.name}.{name}")
            self._building.add(name)
            values = self._generate(name)
            self._building.discard(name)
            self._columns[name] = values
        return values

    def _generate(self, name: str) -> Column:
        f = self.obj.field(name)
        gen = self.resolve(self.obj, name, f)
        values = gen.fn(self, f or FieldDef(name, "hidden"))
        if len(values) != self.n:
            raise RuntimeError(f"generator of {self.obj.name}.{name} made {len(values)} values")
        share = gen.nulls if gen.nulls is not None else default_null_share(name, f)
        if share > 0:
            r = self.r
            values = [None if r() < share else v for v in values]
        if f is not None and f.is_text and f.length:
            limit = f.length
            values = [v[:limit] if type(v) is str and len(v) > limit else v for v in values]
        return values

    def picker(self, name: str, subset: Sequence[str] | None = None) -> Callable[[int], str] | None:
        """A picker of parents: for row ``i``, a live row of ``name`` created before row ``i``.

        Rows are picked among ``subset`` when given; the oldest row is picked when none is older
        than row ``i``. None when there are no rows to pick from.
        """
        times, ordered = self.index.timeline(name, subset)
        if not ordered:
            return None
        created, r = self.col("CreatedDate"), self.r

        def pick(i: int) -> str:
            k = bisect.bisect_right(times, created[i]) or 1
            return ordered[int(r() * k)]

        return pick

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The stored columns, row by row."""
        columns = [self.col(f.name) for f in self.obj.stored_fields]
        return zip(*columns, strict=True)


def default_null_share(name: str, f: FieldDef | None) -> float:
    """Optional fields the caller sets are null in about 5% of rows; others never by chance."""
    if f is None or name.startswith("_") or not f.nillable or not f.createable:
        return 0.0
    if f.type == "boolean" or f.defaulted_on_create or f.type == "id":
        return 0.0
    return DEFAULT_NULLS
