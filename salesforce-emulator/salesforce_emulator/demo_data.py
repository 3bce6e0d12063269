"""Deterministic, realistic demo data for the emulated org.

``generate_demo_org`` fills every object of a catalog with related rows (about ``scale`` rows in
all); ``generate_rows`` appends rows to one object. Rows are built column by column. A column
comes from the first generator found in ``OBJECT_GENERATORS`` (per object and field), then
``COMMON_GENERATORS`` (fields many objects share), then a compound-component or per-type
generator (``TYPE_GENERATORS``). Generators may read other columns of the same batch through
``Batch.col``, which builds them on demand, so dependent values stay consistent (IsClosed from
StageName, Case.AccountId from its Contact). Columns whose names start with ``_`` are hidden
helpers that are never stored.

Names, companies, addresses and sentences come from pools built once per seed with Faker in
several locales; rows pick from the pools with a ``random.Random`` seeded from the seed and the
first new record Id, so the same catalog, scale and seed give byte-identical tables.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import datetime as dt
import functools
import html
import itertools
import json
import math
import random
import re
import sqlite3
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from salesforce_emulator.catalog import ADDRESS_PARTS, Catalog, FieldDef, ObjectDef
from salesforce_emulator.schema_sql import create_table_sql, quote, reserve_ids

# --- time -----------------------------------------------------------------------------------

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=dt.UTC)
DAY = 86_400
SPAN = int((END - START).total_seconds())  # audit timestamps are seconds in [0, SPAN]
LAST_DAY = SPAN // DAY


@functools.cache
def _clock() -> tuple[str, ...]:
    """``HH:MM:SS`` for every second of a day."""
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY))


@functools.cache
def date_text(day: int) -> str:
    """The ``YYYY-MM-DD`` text of a day counted from START (negative: before it)."""
    return (START.date() + dt.timedelta(days=day)).isoformat()


def datetime_text(second: int) -> str:
    """The stored form (``2024-07-15T20:18:56.000+0000``) of a second counted from START."""
    day, rest = divmod(second, DAY)
    return f"{date_text(day)}T{_clock()[rest]}.000+0000"


def time_text(second: int) -> str:
    """The stored form (``20:18:56.000Z``) of a second of the day."""
    return _clock()[second % DAY] + ".000Z"


# --- pools of names, companies, addresses and text --------------------------------------------


@dataclass(frozen=True)
class LocaleSpec:
    """A locale the pools draw from, its share of rows and where its addresses are."""

    code: str
    weight: int
    countries: tuple[str, ...]
    lat: tuple[float, float]
    lon: tuple[float, float]
    time_zone: str
    language: str


LOCALES = (
    LocaleSpec(
        "en_US", 45, ("United States",) * 8 + ("USA", "US"), (25.0, 48.5), (-123.0, -70.0),
        "America/New_York", "en_US",
    ),
    LocaleSpec(
        "en_GB", 10, ("United Kingdom",) * 4 + ("UK",), (50.3, 57.5), (-5.5, 1.7),
        "Europe/London", "en_US",
    ),
    LocaleSpec(
        "de_DE", 15, ("Germany",) * 4 + ("Deutschland",), (47.5, 54.8), (6.0, 14.8),
        "Europe/Paris", "de",
    ),
    LocaleSpec("fr_FR", 12, ("France",), (43.0, 50.9), (-1.5, 7.5), "Europe/Paris", "fr"),
    LocaleSpec(
        "ja_JP", 10, ("Japan",) * 4 + ("日本",), (31.5, 43.0), (130.5, 141.8), "Asia/Tokyo", "ja"
    ),
    LocaleSpec("es_ES", 8, ("Spain", "España"), (36.2, 43.5), (-8.8, 3.2), "Europe/Paris", "en_US"),
)  # fmt: skip

# (display, ascii) first and last names mixed into every pool: apostrophes and diacritics.
SPECIAL_NAMES = (
    ("Zoë", "O'Brien"), ("Seán", "O'Connor"), ("Jürgen", "Müller"), ("Chloé", "D'Amico"),
    ("Renée", "L'Écuyer"), ("Björn", "Ångström"), ("Siobhán", "Ní Bhriain"),
    ("José", "Muñoz-García"), ("Søren", "Kierkegård"), ("François", "Lefèvre"),
)  # fmt: skip
SPECIAL_NAME_SHARE = 0.02
INTEGRATION_USERNAME = "integration@demo.example.com"
CITY_EXTRAS = ("東京", "München", "Zürich", "São Paulo", "Montréal", "Kraków", "Düsseldorf", "大阪")
GEOCODE_ACCURACY = (
    "Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip", "Neighborhood", "City",
    "County", "State", "Unknown",
)  # fmt: skip
FREE_MAIL = ("example.com", "example.org", "example.net", "mail.example.com")
EDGE_TEXTS = (
    'Customer wrote: "Please call back, not email." — noted, will do.',
    "Zoë Müller from Zürich met the team in 東京 (Tōkyō) last week.",
    "Kickoff went great 🎉 next steps: pricing, legal review, rollout 🚀",
    "Line one\r\nLine two\r\nLine three",
    'Specs: 24" monitor, 3.5" drive; shipped "as is"',
    'TODO:\n- confirm budget, timeline\n- send "final" quote',
    "Ça marche ! Größe: 10 x 20 cm; naïve café façade; Ærøskøbing",
    "東京都千代田区丸の内1-1-1、担当: 山田",
    "Tab\tseparated\tvalues, and a backslash \\ here",
    "Pipe | semicolon ; colon : apostrophe O'Brien's — ok",
    "<b>HTML-like</b> text & entities &amp; <not a tag>",
    "SQL-ish: '; DROP TABLE Contact; -- (harmless)",
    "Emoji with ZWJ: 👩‍💻 and flags 🇩🇪🇯🇵",
    "Very, very, very long comma, separated, list, of, items, to, split, on",
)
EDGE_SHARE = 0.06

Person = tuple[str, str, str, str, int]  # first, last, ascii first, ascii last, locale index
Address = tuple[Any, ...]  # in ADDRESS_PARTS order: street ... geocodeAccuracy
ADDRESS_KEYS = tuple(key for key, _suffix, _type in ADDRESS_PARTS)


Company = tuple[str, str, int]  # name, e-mail domain, locale index


@dataclass(frozen=True)
class LocalePool:
    """Values of one locale."""

    first_names: tuple[tuple[str, str], ...]  # (display, ascii)
    last_names: tuple[tuple[str, str], ...]
    companies: tuple[Company, ...]
    addresses: tuple[Address, ...]
    phones: tuple[str, ...]
    jobs: tuple[str, ...]
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Pools:
    """Values rows pick from, per locale and all locales together; built once per seed."""

    locales: tuple[LocalePool, ...]
    locale_slots: tuple[int, ...]  # locale indices, each as often as its weight
    companies: tuple[Company, ...]
    addresses: tuple[Address, ...]
    phones: tuple[str, ...]
    jobs: tuple[str, ...]
    sentences: tuple[str, ...]
    words: tuple[str, ...]
    cities: tuple[str, ...]


_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "œ": "oe", "ł": "l"})
_LEGAL_WORDS = frozenset(
    ("inc", "llc", "ltd", "plc", "gmbh", "co", "kg", "ag", "sarl", "sa", "sas", "and", "und", "et",
     "y", "group", "gbr", "ohg", "mbh", "s", "l", "com", "sat", "sl", "sll", "srl", "e", "v", "ev",
     "cie")
)  # fmt: skip


def ascii_fold(text: str) -> str:
    """Drop diacritics (``Müller`` -> ``Muller``); characters without an ASCII form vanish."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def email_local(text: str) -> str:
    """A lower-case e-mail local part from a name, keeping apostrophes (``o'brien``)."""
    return re.sub(r"[^a-z0-9'_-]+", "", ascii_fold(text).lower())


def _slug(name: str) -> str:
    words = re.split(r"[^a-z0-9]+", ascii_fold(name).lower())
    return "-".join([w for w in words if w and w not in _LEGAL_WORDS][:2])


def _distinct(values: Iterator[Any], size: int, attempts: int = 2) -> tuple[Any, ...]:
    """Up to ``size`` distinct values from an iterator, giving up after ``attempts * size``."""
    seen: dict[Any, None] = {}
    for value in itertools.islice(values, size * attempts):
        seen.setdefault(value, None)
        if len(seen) == size:
            break
    return tuple(seen)


def _share(total: int, spec: LocaleSpec) -> int:
    return max(10, total * spec.weight // 100)


def _names(fake: Any, spec: LocaleSpec, first: bool) -> tuple[tuple[str, str], ...]:
    if spec.code == "ja_JP":
        pair = fake.first_name_pair if first else fake.last_name_pair
        draws = ((kanji, roman.lower()) for kanji, _kana, roman in iter(pair, None))
    else:
        draw = fake.first_name if first else fake.last_name
        draws = ((name, email_local(name)) for name in iter(draw, None))
    return _distinct(draws, _share(2000, spec))


def _street(fake: Any, spec: LocaleSpec, rng: random.Random) -> str:
    if spec.code == "ja_JP":
        return f"{fake.town()}{fake.chome()}{fake.ban()}{fake.gou()}"
    street = str(fake.street_address())
    if rng.random() < 0.08:
        street += f"\nSuite {rng.randint(100, 999)}"
    return street


def _address(fake: Any, spec: LocaleSpec, rng: random.Random) -> Address:
    geocoded = rng.random() < 0.92
    return (
        _street(fake, spec, rng),
        str(fake.city()),
        str(fake.administrative_unit()) if rng.random() < 0.95 else None,
        str(fake.postcode()) if rng.random() < 0.97 else None,
        rng.choice(spec.countries),
        round(rng.uniform(*spec.lat), 6) if geocoded else None,
        round(rng.uniform(*spec.lon), 6) if geocoded else None,
        rng.choice(GEOCODE_ACCURACY) if geocoded else None,
    )


def _company(fake: Any, index: int) -> Company:
    name = str(fake.company())
    slug = _slug(name)
    if not slug:  # Japanese company names have no ASCII letters
        slug = f"{fake.last_romanized_name().lower()}-{zlib.crc32(name.encode()) % 1000}"
    return name, f"{slug}.example", index


def _locale_pool(spec: LocaleSpec, index: int, seed: int) -> LocalePool:
    from faker import Faker

    fake = Faker(spec.code)
    fake.seed_instance(seed * 100 + index)
    rng = random.Random(f"{seed}:pools:{spec.code}")
    return LocalePool(
        first_names=_names(fake, spec, first=True),
        last_names=_names(fake, spec, first=False),
        companies=_distinct((_company(fake, index) for _ in itertools.count()), _share(1500, spec)),
        addresses=tuple(_address(fake, spec, rng) for _ in range(_share(1000, spec))),
        phones=tuple(str(fake.phone_number()) for _ in range(_share(600, spec))),
        jobs=_distinct((str(fake.job()) for _ in itertools.count()), _share(400, spec)),
        sentences=tuple(str(fake.sentence()) for _ in range(_share(1200, spec))),
    )


@functools.lru_cache(maxsize=4)
def build_pools(seed: int) -> Pools:
    """Build (once per seed) the value pools, with Faker seeded per locale."""
    parts = tuple(_locale_pool(spec, index, seed) for index, spec in enumerate(LOCALES))

    def merged(kind: str) -> tuple[Any, ...]:
        return tuple(value for part in parts for value in getattr(part, kind))

    sentences = merged("sentences")
    words = _distinct((w.strip(".,;:!?。、") for s in sentences for w in s.split()), 3000)
    cities = (a[1] for a in merged("addresses"))
    return Pools(
        locales=parts,
        locale_slots=tuple(i for i, spec in enumerate(LOCALES) for _ in range(spec.weight)),
        companies=merged("companies"),
        addresses=merged("addresses"),
        phones=merged("phones"),
        jobs=merged("jobs"),
        sentences=sentences,
        words=tuple(w for w in words if w),
        cities=tuple(dict.fromkeys([*CITY_EXTRAS, *cities])),
    )


# --- reading what is already in the database ----------------------------------------------------


class OrgIndex:
    """Cached read access to rows already stored: parents to point at, values to keep unique."""

    def __init__(self, conn: sqlite3.Connection, catalog: Catalog) -> None:
        self._conn = conn
        self._catalog = catalog
        self._cache: dict[tuple[str, ...], Any] = {}

    def _object(self, name: str, fields: Sequence[str]) -> ObjectDef | None:
        obj = self._catalog.get(name)
        if obj is None or not all(_is_stored(obj, f) for f in fields):
            return None
        exists = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (obj.name,)
        ).fetchone()
        return obj if exists else None

    def _cached(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def rows(self, name: str, fields: Sequence[str], *, live: bool = True) -> dict[str, tuple]:
        """Id -> values of ``fields`` for stored rows (only not deleted ones when ``live``)."""

        def load() -> dict[str, tuple]:
            obj = self._object(name, fields)
            if obj is None:
                return {}
            columns = ", ".join(quote(f) for f in ("Id", *fields))
            where = ' WHERE NOT "IsDeleted"' if live and _is_stored(obj, "IsDeleted") else ""
            sql = f"SELECT {columns} FROM {quote(obj.name)}{where} ORDER BY rowid"
            return {row[0]: tuple(row[1:]) for row in self._conn.execute(sql)}

        return self._cached(("rows", name, str(live), *fields), load)

    def ids(self, name: str) -> list[str]:
        """Ids of the stored, not deleted rows of an object, oldest first."""
        return self._cached(("ids", name), lambda: list(self.rows(name, ())))

    def column(self, name: str, field: str) -> dict[str, Any]:
        """Id -> value of one field for the not deleted rows."""
        return self._cached(
            ("column", name, field), lambda: {k: v[0] for k, v in self.rows(name, (field,)).items()}
        )

    def groups(self, name: str, field: str) -> dict[Any, list[str]]:
        """Value of a field -> Ids of the not deleted rows that have it."""

        def load() -> dict[Any, list[str]]:
            out: dict[Any, list[str]] = {}
            for key, value in self.column(name, field).items():
                if value is not None:
                    out.setdefault(value, []).append(key)
            return out

        return self._cached(("groups", name, field), load)

    def timeline(
        self, name: str, subset: Sequence[str] | None = None
    ) -> tuple[list[str], list[str]]:
        """Ids of live rows (or of ``subset``) ordered by CreatedDate, and those CreatedDates."""
        if subset is None:
            return self._cached(("timeline", name), lambda: self.timeline(name, self.ids(name)))
        created = self.column(name, "CreatedDate")
        pairs = sorted((created.get(i) or "", i) for i in subset)
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def lowered(self, name: str, field: str) -> set[str]:
        """Lower-cased values of a field over all rows (deleted ones too)."""
        values = self.rows(name, (field,), live=False).values()
        return {v[0].lower() for v in values if isinstance(v[0], str)}

    def count(self, name: str) -> int:
        """How many rows the object's table holds."""
        obj = self._object(name, ())
        if obj is None:
            return 0
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {quote(obj.name)}").fetchone()[0])

    def max_number(self, name: str, field: str, prefix: str) -> int:
        """The largest number in values ``prefix`` + digits of a field (0 when none)."""
        obj = self._object(name, (field,))
        if obj is None:
            return 0
        sql = (
            f"SELECT MAX(CAST(SUBSTR({quote(field)}, ?) AS INTEGER)) FROM {quote(obj.name)} "
            f"WHERE {quote(field)} LIKE ?"
        )
        row = self._conn.execute(sql, (len(prefix) + 1, prefix + "%")).fetchone()
        return int(row[0] or 0)

    def forget(self, name: str) -> None:
        """Drop what is cached about an object after rows were added to it."""
        self._cache = {k: v for k, v in self._cache.items() if k[1] != name}


def _is_stored(obj: ObjectDef, name: str) -> bool:
    f = obj.field(name)
    return f is not None and f.is_stored


# --- batches and generators ---------------------------------------------------------------------

Column = list[Any]
ColumnFn = Callable[["Batch", FieldDef], Column]


@dataclass(frozen=True)
class Gen:
    """A column generator and the share of its values turned null (None: the default share)."""

    fn: ColumnFn
    nulls: float | None = None


DEFAULT_NULLS = 0.05
DELETED_SHARE = 0.02


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
    ) -> None:
        self.obj = obj
        self.ids = ids
        self.n = len(ids)
        self.start = start  # rows the table held before this batch
        self.window = window  # this batch's part of the rows added by one call
        self.rng = rng
        self.r = rng.random
        self.pools = build_pools(seed)
        self.index = index
        self.seed = seed
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
        gen = resolve_generator(self.obj, name, f)
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
        """A function giving, for row ``i``, a live row of ``name`` (or of ``subset``) created
        before row ``i`` (the oldest one when none is); None when there are no rows."""
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


# --- generator building blocks --------------------------------------------------------------------


def const(value: Any) -> ColumnFn:
    """The same value in every row."""
    return lambda b, _f: [value] * b.n


def flag(share: float) -> ColumnFn:
    """1 in about ``share`` of the rows, else 0."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        r = b.r
        return [1 if r() < share else 0 for _ in range(b.n)]

    return gen


def choice(values: Sequence[Any]) -> ColumnFn:
    """A uniformly picked element of ``values`` per row."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        r, k = b.r, len(values)
        return [values[int(r() * k)] for _ in range(b.n)]

    return gen


def pool(attribute: str) -> ColumnFn:
    """A uniformly picked element of one of the pools (``phones``, ``jobs``, ...)."""
    return lambda b, f: choice(getattr(b.pools, attribute))(b, f)


def weighted(weights: Mapping[str, float]) -> ColumnFn:
    """A picklist value by weight; only the field's own picklist values are ever used."""

    def gen(b: Batch, f: FieldDef) -> Column:
        allowed = f.picklist_values or tuple(weights)
        cum = list(itertools.accumulate(weights.get(v, 1.0) for v in allowed))
        return b.rng.choices(allowed, cum_weights=cum, k=b.n)

    return gen


def derive(fn: Callable[..., Any], *sources: str) -> ColumnFn:
    """``fn`` applied to other columns of the same row."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        return [fn(*values) for values in zip(*(b.col(s) for s in sources), strict=True)]

    return gen


def derive_r(fn: Callable[..., Any], *sources: str) -> ColumnFn:
    """Like ``derive``, with the batch's ``random()`` as the first argument."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        r = b.r
        return [fn(r, *values) for values in zip(*(b.col(s) for s in sources), strict=True)]

    return gen


def item(source: str, position: int) -> ColumnFn:
    """One element of a hidden tuple column (None where the tuple is None)."""
    return lambda b, _f: [None if t is None else t[position] for t in b.col(source)]


def same_as(source: str) -> ColumnFn:
    """A copy of another column."""
    return lambda b, _f: list(b.col(source))


def when(condition: str, inner: ColumnFn) -> ColumnFn:
    """``inner``'s values where the ``condition`` column is truthy, else null."""

    def gen(b: Batch, f: FieldDef) -> Column:
        return [v if c else None for v, c in zip(inner(b, f), b.col(condition), strict=True)]

    return gen


def uniform_int(low: int, high: int) -> ColumnFn:
    """An integer in [low, high]."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        r, width = b.r, high - low + 1
        return [low + int(r() * width) for _ in range(b.n)]

    return gen


def uniform_float(low: float, high: float, digits: int) -> ColumnFn:
    """A float in [low, high] rounded to ``digits``."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        r, width = b.r, high - low
        return [round(low + r() * width, digits) for _ in range(b.n)]

    return gen


def lognormal(mu: float, sigma: float, digits: int, cap: float = 5e10) -> ColumnFn:
    """A skewed positive amount (revenue, prices) rounded to ``digits`` (may be negative)."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        gauss = b.rng.gauss
        return [round(min(math.exp(gauss(mu, sigma)), cap), digits) for _ in range(b.n)]

    return gen


def whole(inner: ColumnFn) -> ColumnFn:
    """``inner``'s numbers as ints."""
    return lambda b, f: [None if v is None else int(v) for v in inner(b, f)]


def datetime_of(source: str) -> ColumnFn:
    """Stored datetimes from a hidden column of seconds."""
    return lambda b, _f: [None if s is None else datetime_text(s) for s in b.col(source)]


def date_of(source: str) -> ColumnFn:
    """Stored dates from a hidden column of days."""
    return lambda b, _f: [None if d is None else date_text(d) for d in b.col(source)]


def _seconds_after(b: Batch, days: int) -> list[int]:
    r, limit = b.r, days * DAY
    return [c + int(r() * min(limit, SPAN - c)) for c in b.col("_created")]


def datetime_after(days: int) -> ColumnFn:
    """A datetime within ``days`` after the row's CreatedDate (capped at the range end)."""
    return lambda b, _f: [datetime_text(s) for s in _seconds_after(b, days)]


def date_after(days: int) -> ColumnFn:
    """A date within ``days`` after the row's CreatedDate (capped at the range end)."""
    return lambda b, _f: [date_text(s // DAY) for s in _seconds_after(b, days)]


def _seconds_in_life(b: Batch) -> list[int]:
    r = b.r
    pairs = zip(b.col("_created"), b.col("_modified"), strict=True)
    return [c + int((m - c) * r()) for c, m in pairs]


def during_life(as_date: bool = False) -> ColumnFn:
    """A moment between CreatedDate and LastModifiedDate (the change that set the value)."""
    fmt = (lambda s: date_text(s // DAY)) if as_date else datetime_text
    return lambda b, _f: [fmt(s) for s in _seconds_in_life(b)]


def business_times(b: Batch, _f: FieldDef) -> Column:
    """Times of day between 08:00 and 18:00 on quarter hours."""
    r = b.r
    return [time_text(8 * 3600 + int(r() * 40) * 900) for _ in range(b.n)]


def sequence_text(field: str, prefix: str, width: int, first: int) -> ColumnFn:
    """Consecutive numbers after the largest one stored (``00001042``, ``ACC-0000012``)."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        start = max(b.index.max_number(b.obj.name, field, prefix), first - 1) + 1
        return [f"{prefix}{start + i:0{width}d}" for i in range(b.n)]

    return gen


def ordinals(b: Batch, _f: FieldDef) -> Column:
    """The row's position in its table (0 for the first row ever)."""
    return list(range(b.start, b.start + b.n))


def pickers(b: Batch, names: Sequence[str]) -> list[Callable[[int], str]]:
    """Pickers of the objects among ``names`` that have rows."""
    return [p for p in (b.picker(name) for name in names) if p is not None]


def pick_any(r: Callable[[], float], choices: list[Callable[[int], str]], i: int) -> str | None:
    """Row ``i``'s pick from a random one of ``choices``."""
    return choices[int(r() * len(choices))](i) if choices else None


def ref_to(*targets: str) -> ColumnFn:
    """An Id of a live row of ``targets`` (default: the field's referenceTo), created before
    the referring row."""

    def gen(b: Batch, f: FieldDef) -> Column:
        choices, r = pickers(b, targets or f.reference_to), b.r
        if len(choices) == 1:
            return [choices[0](i) for i in range(b.n)]
        return [pick_any(r, choices, i) for i in range(b.n)]

    return gen


def _earlier_rows(b: Batch, chance: Callable[[int], float]) -> Column:
    """Per row, with ``chance(i)``, an Id of an earlier live row of the same object."""
    candidates = list(b.index.ids(b.obj.name))
    deleted = b.col("IsDeleted") if b.obj.has_field("IsDeleted") else [0] * b.n
    r, out = b.r, list[Any]()
    for i, (new_id, gone) in enumerate(zip(b.ids, deleted, strict=True)):
        hit = candidates and r() < chance(i)
        out.append(candidates[int(r() * len(candidates))] if hit else None)
        if not gone:
            candidates.append(new_id)
    return out


def self_ref(share: float) -> ColumnFn:
    """A parent of the same object (ParentId, ManagerId), always an earlier row: no cycles."""
    return lambda b, _f: _earlier_rows(b, lambda _i: share)


def _merged_into(b: Batch, _f: FieldDef) -> Column:
    """MasterRecordId: half of the deleted rows were merged into a surviving record."""
    deleted = b.col("IsDeleted") if b.obj.has_field("IsDeleted") else [0] * b.n
    return _earlier_rows(b, lambda i: 0.5 if deleted[i] else 0.0)


def parent_value(target: str, field: str, via: str) -> ColumnFn:
    """A field of the parent row a reference column points at."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        values = b.index.column(target, field)
        return [values.get(parent) for parent in b.col(via)]

    return gen


def fit(value: Any, f: FieldDef) -> Any:
    """``value`` when the field allows it, else the field's first picklist value."""
    allowed = f.picklist_values
    return value if not allowed or value in allowed else allowed[0]


def fitted(inner: ColumnFn) -> ColumnFn:
    """``inner``'s values, replaced by an allowed picklist value where not allowed."""
    return lambda b, f: [None if v is None else fit(v, f) for v in inner(b, f)]


# --- people, companies, e-mail and text -----------------------------------------------------------

_SPECIAL_PEOPLE: tuple[Person, ...] = tuple(
    (first, last, email_local(first), email_local(last), 0) for first, last in SPECIAL_NAMES
)


def draw_person(r: Callable[[], float], pools: Pools) -> Person:
    """A random person: first and last name from one locale, with ASCII forms for e-mails."""
    if r() < SPECIAL_NAME_SHARE:
        return _SPECIAL_PEOPLE[int(r() * len(_SPECIAL_PEOPLE))]
    slot = pools.locale_slots[int(r() * len(pools.locale_slots))]
    firsts, lasts = pools.locales[slot].first_names, pools.locales[slot].last_names
    first, first_ascii = firsts[int(r() * len(firsts))]
    last, last_ascii = lasts[int(r() * len(lasts))]
    return first, last, first_ascii, last_ascii, slot


def people(b: Batch, _f: FieldDef) -> Column:
    """One person per row (the hidden ``_person`` column names and e-mails derive from)."""
    return [draw_person(b.r, b.pools) for _ in range(b.n)]


def person_part(position: int) -> ColumnFn:
    """First name (0) or last name (1) of the row's person."""
    return item("_person", position)


def full_names(b: Batch, _f: FieldDef) -> Column:
    """Independent random full names (assistants, web-form senders)."""
    return [" ".join(draw_person(b.r, b.pools)[:2]) for _ in range(b.n)]


def companies(b: Batch, f: FieldDef) -> Column:
    """A (name, domain, locale) company per row, from any locale."""
    return choice(b.pools.companies)(b, f)


def localized(kind: str, share: float = 0.85) -> ColumnFn:
    """A value of a pool (``phones``, ``addresses``...) from the row's ``_locale`` in ``share``
    of the rows, else from any locale."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        anywhere = getattr(b.pools, kind)
        local = [getattr(part, kind) for part in b.pools.locales]
        r, out = b.r, []
        for locale in b.col("_locale"):
            values = local[locale] if r() < share else anywhere
            out.append(values[int(r() * len(values))])
        return out

    return gen


def company_names(b: Batch, f: FieldDef) -> Column:
    """Company names from the pool."""
    return [c[0] for c in companies(b, f)]


def _mixed_case(domain: str) -> str:
    head, _, tail = domain.rpartition(".")
    return f"{head.capitalize()}.{tail.upper()}" if head else domain.upper()


def email_address(r: Callable[[], float], person: Person, domain: str) -> str:
    """An address in one of the usual shapes; some in mixed case (``Zoe.Brien@Example.COM``)."""
    first, last = person[2] or "info", person[3] or "contact"
    x = r()
    if x < 0.6:
        local = f"{first}.{last}"
    elif x < 0.72:
        local = f"{first[0]}{last}"
    elif x < 0.84:
        return f"{first.capitalize()}.{last.capitalize()}@{_mixed_case(domain)}"
    elif x < 0.95:
        local = f"{first}_{last}{int(r() * 100)}"
    else:
        local = f"{last}.{first}+crm"
    return f"{local}@{domain}"


def make_unique(value: str, seen: set[str], counters: dict[str, int]) -> str:
    """``value``, or ``value`` with a number before the ``@``, unseen (ignoring case)."""
    key = value.lower()
    if key not in seen:
        seen.add(key)
        return value
    local, at, domain = value.partition("@")
    number = counters.get(key, 1)
    while True:
        number += 1
        candidate = f"{local}{number}{at}{domain}"
        if candidate.lower() not in seen:
            counters[key] = number
            seen.add(candidate.lower())
            return candidate


def unique_emails(b: Batch, f: FieldDef) -> Column:
    """E-mails from the row's person and ``_email_domain``, unique within the object."""
    seen, r = set(b.index.lowered(b.obj.name, f.name)), b.r
    counters: dict[str, int] = {}
    pairs = zip(b.col("_person"), b.col("_email_domain"), strict=True)
    return [make_unique(email_address(r, p, d), seen, counters) for p, d in pairs]


def plain_emails(b: Batch, _f: FieldDef) -> Column:
    """E-mails of random people (uniqueness not needed)."""
    r, pools, domains = b.r, b.pools, b.pools.companies
    return [
        email_address(r, draw_person(r, pools), domains[int(r() * len(domains))][1])
        for _ in range(b.n)
    ]


def _domain_or_free_mail(r: Callable[[], float], domain: str | None) -> str:
    if domain and r() < 0.75:
        return domain
    return FREE_MAIL[int(r() * len(FREE_MAIL))]


def _website_domain(url: str | None) -> str | None:
    return url.split("://", 1)[-1].removeprefix("www.").split("/", 1)[0] if url else None


def contact_email_domains(b: Batch, _f: FieldDef) -> Column:
    """Mostly the domain of the Contact's Account website, else a free-mail domain."""
    websites = b.index.column("Account", "Website")
    return [
        _domain_or_free_mail(b.r, _website_domain(websites.get(a)) if a else None)
        for a in b.col("AccountId")
    ]


def paragraphs(max_sentences: int, edge: float = EDGE_SHARE) -> ColumnFn:
    """Text of 1..``max_sentences`` sentences of one language joined by spaces, ``\\n`` or
    ``\\r\\n``, some with awkward content (quotes, commas, emoji, non-Latin scripts)."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        r, slots, edges = b.r, b.pools.locale_slots, EDGE_TEXTS
        languages = [part.sentences for part in b.pools.locales]
        out = []
        for _ in range(b.n):
            sentences = languages[slots[int(r() * len(slots))]]
            k = len(sentences)
            parts = [sentences[int(r() * k)] for _ in range(1 + int(r() * max_sentences))]
            if r() < edge:
                parts.insert(int(r() * len(parts)), edges[int(r() * len(edges))])
            x = r()
            out.append((" " if x < 0.75 else "\n" if x < 0.93 else "\r\n").join(parts))
        return out

    return gen


def short_texts(b: Batch, f: FieldDef) -> Column:
    """One sentence per row."""
    return pool("sentences")(b, f)


def titled_words(r: Callable[[], float], words: Sequence[str], count: int) -> str:
    """``count`` random words, capitalized."""
    return " ".join(words[int(r() * len(words))].capitalize() for _ in range(count))


# --- common and generic generators ---------------------------------------------------------


def ids(b: Batch, _f: FieldDef) -> Column:
    """The reserved record Ids."""
    return list(b.ids)


def created_between(first: float, last: float) -> ColumnFn:
    """Creation moments in the part [first, last] of the demo range, ascending with the Ids
    as in a real org (each chunk of a larger run gets its own slice of that part)."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        low, high = (int(SPAN * (first + (last - first) * w)) for w in b.window)
        r, width = b.r, high - low
        return sorted(low + int(r() * width) for _ in range(b.n))

    return gen


def modified_seconds(b: Batch, _f: FieldDef) -> Column:
    """LastModifiedDate: a third of the rows untouched since creation, the rest later."""
    r = b.r
    return [c if r() < 0.35 else c + int((SPAN - c) * r() ** 3) for c in b.col("_created")]


def modstamp_seconds(b: Batch, _f: FieldDef) -> Column:
    """SystemModstamp: the last modification, sometimes a bit later (system updates)."""
    r = b.r
    return [m if r() < 0.85 else min(SPAN, m + 1 + int(r() * 7200)) for m in b.col("_modified")]


def owners(b: Batch, _f: FieldDef) -> Column:
    """A User created before the row (the first User for the first Users themselves)."""
    pick = b.picker("User")
    if pick is None:
        return [b.ids[0] if b.obj.name == "User" else None] * b.n
    return [pick(i) for i in range(b.n)]


def modifiers(b: Batch, f: FieldDef) -> Column:
    """LastModifiedById: the creator in half of the rows, else another User."""
    r = b.r
    return [c if r() < 0.5 else o for c, o in zip(b.col("CreatedById"), owners(b, f), strict=True)]


def photo_urls(b: Batch, _f: FieldDef) -> Column:
    """The relative photo URL Salesforce reports."""
    return [f"/services/images/photo/{record_id}" for record_id in b.ids]


def websites(b: Batch, _f: FieldDef) -> Column:
    """The company's website."""
    return [f"https://www.{c[1]}" for c in b.col("_company")]


def bounced(b: Batch, _f: FieldDef) -> Column:
    """True for the 3% of rows with an e-mail whose last mail bounced."""
    r = b.r
    return [bool(email) and r() < 0.03 for email in b.col("Email")]


addresses = localized("addresses")


def locations(b: Batch, f: FieldDef) -> Column:
    """A (latitude, longitude) per row, from geocoded pool addresses."""
    return [(a[5], a[6]) if a[5] is not None else None for a in addresses(b, f)]


def _compound_parts(obj: ObjectDef, f: FieldDef) -> Gen | None:
    """A generator for a component of an address or location field."""
    compound = obj.field(f.compound_field_name or "")
    if compound is None or compound.type not in ("address", "location"):
        return None
    key = next((k for k, name in compound.compound_parts if name == f.name), "")
    if compound.type == "location":
        return Gen(item(f"_loc:{compound.name}", 0 if key == "latitude" else 1), 0)
    return Gen(fitted(item(f"_addr:{compound.name}", ADDRESS_KEYS.index(key))), 0)


def picklist_values(b: Batch, f: FieldDef) -> Column:
    """A uniformly picked value of the field's picklist."""
    values = f.picklist_values or (GEOCODE_ACCURACY if "Geocode" in f.name else ("Other",))
    return choice(values)(b, f)


def multipicklist_values(b: Batch, f: FieldDef) -> Column:
    """One to three of the field's values, ``;``-separated in picklist order."""
    values = f.picklist_values or ("Other",)
    rng, out = b.rng, []
    for _ in range(b.n):
        k = 1 + int(rng.random() * min(3, len(values)))
        out.append(";".join(values[i] for i in sorted(rng.sample(range(len(values)), k))))
    return out


def generic_strings(b: Batch, f: FieldDef) -> Column:
    """Short codes for short fields, else one to three capitalized words."""
    r, words = b.r, b.pools.words
    if 0 < f.length <= 12:
        return [f"{int(r() * 36**6):06X}"[: f.length] for _ in range(b.n)]
    return [titled_words(r, words, 1 + int(r() * 3)) for _ in range(b.n)]


def generic_names(b: Batch, _f: FieldDef) -> Column:
    """Record names of objects without a specific generator (``Harbor Quill 1042``)."""
    r, words = b.r, b.pools.words
    return [f"{titled_words(r, words, 2)} {b.start + i + 1}" for i in range(b.n)]


def generic_urls(b: Batch, f: FieldDef) -> Column:
    """URLs on company domains."""
    r, words = b.r, b.pools.words
    return [
        f"https://www.{c[1]}/{email_local(words[int(r() * len(words))]) or 'home'}"
        for c in companies(b, f)
    ]


def generic_flags(b: Batch, f: FieldDef) -> Column:
    """Booleans, mostly matching the field's default."""
    return flag(0.8 if f.default_value is True else 0.25)(b, f)


def generic_ints(b: Batch, f: FieldDef) -> Column:
    """Integers that fit the field's precision."""
    high = min(10 ** min(f.precision or 4, 9) - 1, 1_000_000)
    return uniform_int(0, high)(b, f)


def generic_numbers(b: Batch, f: FieldDef) -> Column:
    """Percentages up to 100, skewed currency amounts, other numbers within precision."""
    digits = max(0, min(f.scale, 6))
    if f.type == "currency":
        return lognormal(9.0, 1.6, digits, 10 ** min(max(f.precision - f.scale, 1), 12) - 1)(b, f)
    high = 100.0 if f.type == "percent" else float(10 ** min(max(f.precision - f.scale, 1), 6))
    return uniform_float(0.0, high, digits)(b, f)


def generic_dates(b: Batch, f: FieldDef) -> Column:
    """Dates within the demo range."""
    return [date_text(d) for d in uniform_int(0, LAST_DAY)(b, f)]


def generic_datetimes(b: Batch, f: FieldDef) -> Column:
    """Datetimes within the demo range."""
    return [datetime_text(s) for s in uniform_int(0, SPAN)(b, f)]


def generic_times(b: Batch, f: FieldDef) -> Column:
    """Times of day on whole minutes."""
    return [time_text(m * 60) for m in uniform_int(0, 24 * 60 - 1)(b, f)]


def generic_base64(b: Batch, f: FieldDef) -> Column:
    """Base64 of a short UTF-8 text."""
    return [base64.b64encode(s.encode()).decode("ascii") for s in short_texts(b, f)]


def nothing(b: Batch, _f: FieldDef) -> Column:
    """Nulls (for columns no generator knows)."""
    return [None] * b.n


TYPE_GENERATORS: dict[str, ColumnFn] = {
    "id": ids,
    "string": generic_strings,
    "encryptedstring": generic_strings,
    "combobox": picklist_values,
    "textarea": paragraphs(3),
    "picklist": picklist_values,
    "multipicklist": multipicklist_values,
    "email": plain_emails,
    "phone": pool("phones"),
    "url": generic_urls,
    "boolean": generic_flags,
    "int": generic_ints,
    "long": generic_ints,
    "double": generic_numbers,
    "currency": generic_numbers,
    "percent": generic_numbers,
    "date": generic_dates,
    "datetime": generic_datetimes,
    "time": generic_times,
    "reference": ref_to(),
    "base64": generic_base64,
}

DEPARTMENTS = (
    "Sales", "Marketing", "Finance", "IT", "Operations", "Customer Support", "Legal",
    "Human Resources", "R&D", "Procurement", "Einkauf", "Direction générale",
)  # fmt: skip
BOUNCE_REASONS = (
    "550 5.1.1 User unknown",
    "552 5.2.2 Mailbox full",
    "554 5.7.1 Message rejected: spam, policy",
    'Remote server said: "mailbox unavailable"',
)

COMMON_GENERATORS: dict[str, Gen] = {
    "Id": Gen(ids, 0),
    "IsDeleted": Gen(flag(DELETED_SHARE), 0),
    "_created": Gen(created_between(0.0, 1.0), 0),
    "_modified": Gen(modified_seconds, 0),
    "_modstamp": Gen(modstamp_seconds, 0),
    "CreatedDate": Gen(datetime_of("_created"), 0),
    "LastModifiedDate": Gen(datetime_of("_modified"), 0),
    "SystemModstamp": Gen(datetime_of("_modstamp"), 0),
    "OwnerId": Gen(owners, 0),
    "CreatedById": Gen(owners, 0),
    "LastModifiedById": Gen(modifiers, 0),
    "MasterRecordId": Gen(_merged_into, 0),
    "Name": Gen(generic_names, 0),
    "_person": Gen(people, 0),
    "_locale": Gen(item("_person", 4), 0),
    "_company": Gen(localized("companies", 0.8), 0),
    "_email_domain": Gen(derive_r(lambda r, c: _domain_or_free_mail(r, c[1]), "_company"), 0),
    "Salutation": Gen(picklist_values, 0.4),
    "FirstName": Gen(person_part(0), 0.02),
    "LastName": Gen(person_part(1), 0),
    "Email": Gen(unique_emails, 0.04),
    "Title": Gen(localized("jobs", 0.9), 0.1),
    "Department": Gen(choice(DEPARTMENTS), 0.25),
    "Description": Gen(paragraphs(4), 0.2),
    "Phone": Gen(localized("phones"), 0.05),
    "Fax": Gen(localized("phones"), 0.6),
    "MobilePhone": Gen(localized("phones"), 0.25),
    "HomePhone": Gen(localized("phones"), 0.6),
    "OtherPhone": Gen(localized("phones"), 0.85),
    "Website": Gen(websites, 0.1),
    "PhotoUrl": Gen(photo_urls, 0.3),
    "Jigsaw": Gen(derive_r(lambda r, _i: f"{int(r() * 1e8):08d}", "Id"), 0.7),
    "JigsawCompanyId": Gen(derive(lambda j: j and f"C{j}", "Jigsaw"), 0),
    "JigsawContactId": Gen(derive(lambda j: j and f"P{j}", "Jigsaw"), 0),
    "SicDesc": Gen(
        choice(
            (
                "Computer Programming Services",
                "Electronic Computers",
                "Management Consulting",
                "Commercial Banks",
                "Grocery Stores",
                "Hospitals",
                "Telephone Communications",
                "Motor Vehicle Parts",
                "Real Estate Agents & Managers",
                "Engineering Services",
            )
        ),
        0.4,
    ),
    "AnnualRevenue": Gen(lognormal(15.5, 1.9, -3), 0.15),
    "NumberOfEmployees": Gen(whole(lognormal(4.5, 1.8, 0, 2_000_000)), 0.1),
    "HasOptedOutOfEmail": Gen(flag(0.08), 0),
    "DoNotCall": Gen(flag(0.04), 0),
    "LastActivityDate": Gen(date_after(365), 0.35),
    "LastViewedDate": Gen(datetime_after(400), 0.45),
    "LastReferencedDate": Gen(
        derive_r(lambda r, v: v and (v if r() < 0.6 else _later(v, r)), "LastViewedDate"), 0
    ),
    "_bounced": Gen(bounced, 0),
    "IsEmailBounced": Gen(derive(int, "_bounced"), 0),
    "EmailBouncedReason": Gen(when("_bounced", choice(BOUNCE_REASONS)), 0),
    "EmailBouncedDate": Gen(when("_bounced", during_life()), 0),
}


def _later(stored: str, r: Callable[[], float]) -> str:
    """A stored datetime moved up to three days later."""
    moment = dt.datetime.fromisoformat(stored[:19]).replace(tzinfo=dt.UTC)
    second = int((moment - START).total_seconds()) + int(r() * 3 * DAY)
    return datetime_text(min(second, SPAN))


# --- per-object generators ------------------------------------------------------------------

ACCOUNT_SUFFIXES = ("Holdings", "International", "Group", "Europe", "Japan", "(Old)", "- EMEA")


def account_names(b: Batch, _f: FieldDef) -> Column:
    """Company names, a third with a suffix (duplicates stay possible, as in real orgs)."""
    r, k = b.r, len(ACCOUNT_SUFFIXES)
    return [
        c[0] if r() < 0.67 else f"{c[0]} {ACCOUNT_SUFFIXES[int(r() * k)]}"
        for c in b.col("_company")
    ]


def shipping_addresses(b: Batch, f: FieldDef) -> Column:
    """The billing address for 60% of accounts, another address for the rest."""
    r, others = b.r, addresses(b, f)
    return [a if a is not None and r() < 0.6 else o for a, o in zip(
        b.col("_addr:BillingAddress"), others, strict=True)]  # fmt: skip


def reports_to(b: Batch, _f: FieldDef) -> Column:
    """For 40% of Contacts, the first earlier Contact of the same Account."""
    first_by_account: dict[str, str] = {}
    r, out = b.r, list[Any]()
    for contact, account, gone in zip(b.ids, b.col("AccountId"), b.col("IsDeleted"), strict=True):
        boss = first_by_account.get(account) if account else None
        out.append(boss if boss and r() < 0.4 else None)
        if account and not gone:
            first_by_account.setdefault(account, contact)
    return out


LANGUAGES = ("English", "English, German", "Français", "日本語, English", "Español", "Deutsch")
LEAD_STATUS = {
    "Open - Not Contacted": 40,
    "Working - Contacted": 30,
    "Closed - Converted": 15,
    "Closed - Not Converted": 15,
}


def lead_conversions(b: Batch, _f: FieldDef) -> Column:
    """(Account, Contact, Opportunity) a converted Lead became; None for the others."""
    contact_accounts = b.index.column("Contact", "AccountId")
    contacts = [c for c, a in contact_accounts.items() if a]
    opportunities = b.index.groups("Opportunity", "AccountId")
    r, out = b.r, list[Any]()
    for converted in b.col("IsConverted"):
        if not converted or not contacts:
            out.append(None)
            continue
        contact = contacts[int(r() * len(contacts))]
        account = contact_accounts[contact]
        deals = opportunities.get(account, [])
        out.append((account, contact, deals[int(r() * len(deals))] if deals else None))
    return out


STAGES = {  # stage: (probability, forecast category, weight)
    "Prospecting": (10, "Pipeline", 8),
    "Qualification": (10, "Pipeline", 8),
    "Needs Analysis": (20, "Pipeline", 7),
    "Value Proposition": (50, "Pipeline", 6),
    "Id. Decision Makers": (60, "Pipeline", 5),
    "Perception Analysis": (70, "Pipeline", 4),
    "Proposal/Price Quote": (75, "Best Case", 5),
    "Negotiation/Review": (90, "Commit", 5),
    "Closed Won": (100, "Closed", 28),
    "Closed Lost": (0, "Omitted", 24),
}
DEAL_KINDS = (
    "New Business", "Renewal", "Upsell", "Expansion EMEA", "250 Licenses", "Pilot, Phase 1",
    'Rollout "Wave 2"', "Services", "Add-on: Analytics", "Erweiterung", "Renouvellement",
)  # fmt: skip
NEXT_STEPS = (
    "Send proposal", "Schedule demo", "Follow up with CFO", "Legal review, then signature",
    'Confirm "go" with sponsor', "Technical deep dive", "Angebot nachfassen",
)  # fmt: skip


def is_closed_stage(stage: str | None) -> bool:
    """True for the closed stages (won or lost)."""
    return bool(stage) and str(stage).startswith("Closed")


def is_won_stage(stage: str | None) -> bool:
    """True for the won stage."""
    return bool(stage) and str(stage).startswith("Closed") and "Won" in str(stage)


def opportunity_names(b: Batch, f: FieldDef) -> Column:
    """``<Account name> - <kind of deal>``."""
    names, r, k = b.index.column("Account", "Name"), b.r, len(DEAL_KINDS)
    fallback = company_names(b, f)
    return [
        f"{names.get(a) or other} - {DEAL_KINDS[int(r() * k)]}"
        for a, other in zip(b.col("AccountId"), fallback, strict=True)
    ]


def close_days(b: Batch, _f: FieldDef) -> Column:
    """Closed deals close within six months of creation; open ones up to a year ahead."""
    r = b.r
    return [
        min(c // DAY + 5 + int(r() * 175), LAST_DAY) if is_closed_stage(s)
        else c // DAY + 15 + int(r() * 350)
        for c, s in zip(b.col("_created"), b.col("StageName"), strict=True)
    ]  # fmt: skip


FORECAST_CATEGORIES = {"Closed Won": "Closed", "Closed Lost": "Omitted"} | {
    s: {"Commit": "Forecast", "Best Case": "BestCase"}.get(v[1], v[1])
    for s, v in STAGES.items()
    if not s.startswith("Closed")
}


def account_contacts(source: str) -> ColumnFn:
    """A Contact of the Account in column ``source`` (null when it has none)."""

    def gen(b: Batch, _f: FieldDef) -> Column:
        by_account, r = b.index.groups("Contact", "AccountId"), b.r
        out = []
        for account in b.col(source):
            colleagues = by_account.get(account, [])
            out.append(colleagues[int(r() * len(colleagues))] if colleagues else None)
        return out

    return gen


def _quarter(day: int) -> int:
    return (int(date_text(day)[5:7]) - 1) // 3 + 1


def line_items(b: Batch, _f: FieldDef) -> Column:
    """(Opportunity, PricebookEntry, Product2, list price, product code, product name):
    an active entry of the Opportunity's price book."""
    books = {o: p for o, p in b.index.column("Opportunity", "Pricebook2Id").items() if p}
    pick_deal = b.picker("Opportunity", list(books) or None)
    entries = b.index.rows(
        "PricebookEntry", ("Pricebook2Id", "Product2Id", "UnitPrice", "ProductCode", "Name")
    )
    by_book: dict[str, list[str]] = {}
    for entry_id, (book, *_rest) in entries.items():
        by_book.setdefault(book, []).append(entry_id)
    r, out = b.r, list[Any]()
    for i in range(b.n):
        deal = pick_deal(i) if pick_deal else None
        choices = by_book.get(books.get(deal or "") or "", [])
        entry: str | None = choices[int(r() * len(choices))] if choices else None
        details = entries[entry][1:] if entry else (None, None, None, None)
        out.append((deal, entry, *details))
    return out


def line_names(b: Batch, _f: FieldDef) -> Column:
    """``<Opportunity name> <Product name>``, as Salesforce names line items."""
    names = b.index.column("Opportunity", "Name")
    return [
        " ".join(x for x in (names.get(line[0] or ""), line[5]) if x) or None
        for line in b.col("_line")
    ]


def contact_roles(b: Batch, _f: FieldDef) -> Column:
    """(Opportunity, Contact): a Contact of the deal's Account where there is one."""
    deal_accounts = b.index.column("Opportunity", "AccountId")
    by_account = b.index.groups("Contact", "AccountId")
    pick_deal, pick_contact = b.picker("Opportunity"), b.picker("Contact")
    r, out = b.r, list[Any]()
    for i in range(b.n):
        deal = pick_deal(i) if pick_deal else None
        colleagues = by_account.get(deal_accounts.get(deal or ""))
        if colleagues:
            out.append((deal, colleagues[int(r() * len(colleagues))]))
        else:
            out.append((deal, pick_contact(i) if pick_contact else None))
    return out


def first_per_deal(b: Batch, _f: FieldDef) -> Column:
    """1 for the first role of each Opportunity in the batch."""
    seen: set[str] = set()
    out = []
    for deal, _contact in b.col("_role"):
        out.append(int(deal not in seen))
        seen.add(deal)
    return out


def case_accounts(b: Batch, _f: FieldDef) -> Column:
    """The Contact's Account; for Cases without a Contact, sometimes a random Account."""
    contact_accounts = b.index.column("Contact", "AccountId")
    pick, r = b.picker("Account"), b.r
    return [
        contact_accounts.get(c) if c else (pick(i) if pick and r() < 0.5 else None)
        for i, c in enumerate(b.col("ContactId"))
    ]


CASE_SUBJECTS = (
    "Generator will not start", "Error E-42 on control panel", "Invoice question, March",
    'Login fails with "invalid grant"', "Replacement part request", "Installation scheduling",
    "Performance degraded after update", "Passwort zurücksetzen", "Problème de facturation",
    "設置の問題について", "Data export missing rows", "Feature request: dark mode 🌙",
)  # fmt: skip
CAMPAIGN_THEMES = (
    "Spring Webinar", "Dreamforce Booth", "Customer Summit", "Frühjahrs-Roadshow München",
    "Salon Big Data Paris", "東京 Partner Summit", 'Trade Show "Cloud Expo", Booth 12',
    "Holiday Promo 🎄", "Q3 Nurture Email", "Partner Enablement", "Product Launch: CloudSync",
)  # fmt: skip


def campaign_names(b: Batch, _f: FieldDef) -> Column:
    """``<theme> <year>``, cycling through the themes."""
    k = len(CAMPAIGN_THEMES)
    return [f"{CAMPAIGN_THEMES[s % k]} {2024 + s // k % 3}" for s in b.col("_seq")]


def actual_costs(b: Batch, _f: FieldDef) -> Column:
    """60-120% of the budget, for campaigns that have started."""
    r, out = b.r, list[Any]()
    for budget, status in zip(b.col("BudgetedCost"), b.col("Status"), strict=True):
        started = budget is not None and status in ("In Progress", "Completed")
        out.append(round(budget * (0.6 + r() * 0.6), 2) if started else None)
    return out


def campaign_members(b: Batch, _f: FieldDef) -> Column:
    """(Campaign, Lead, Contact): 40% Leads, 60% Contacts, avoiding repeated pairs."""
    campaigns, leads, contacts = (b.picker(n) for n in ("Campaign", "Lead", "Contact"))
    seen: set[tuple[str, str]] = set()
    r, out = b.r, list[Any]()
    for i in range(b.n):
        member: tuple[str | None, str | None, str | None] = (None, None, None)
        for _attempt in range(5):
            campaign = campaigns(i) if campaigns else None
            use_lead = leads is not None and (r() < 0.4 or contacts is None)
            pick = leads if use_lead else contacts
            who = pick(i) if pick else None
            member = (campaign, who, None) if use_lead else (campaign, None, who)
            if campaign is None or who is None or (campaign, who) not in seen:
                break
        seen.add((member[0] or "", member[1] or member[2] or ""))
        out.append(member)
    return out


def activity_whos(b: Batch, _f: FieldDef) -> Column:
    """(Id, object) of the person an activity is about: a Contact, a Lead or nobody."""
    contacts, leads, r = b.picker("Contact"), b.picker("Lead"), b.r
    out: Column = []
    for i in range(b.n):
        x = r()
        if x < 0.6 and contacts:
            out.append((contacts(i), "Contact"))
        elif x < 0.85 and leads:
            out.append((leads(i), "Lead"))
        else:
            out.append(None)
    return out


def activity_whats(b: Batch, _f: FieldDef) -> Column:
    """(Id, object) an activity relates to: none for Leads (as Salesforce requires), the
    Contact's Account, one of its deals or cases, or any Account/Opportunity/Case/Campaign."""
    contact_accounts = b.index.column("Contact", "AccountId")
    deals = b.index.groups("Opportunity", "AccountId")
    cases = b.index.groups("Case", "ContactId")
    targets = b.obj.field("WhatId")
    names = targets.reference_to if targets else ()
    groups = [(name, pick) for name in names if (pick := b.picker(name))]
    r, out = b.r, list[Any]()
    for i, who in enumerate(b.col("_who")):
        if who and who[1] == "Lead":
            out.append(None)
        elif who:
            account, x = contact_accounts.get(who[0]), r()
            options = deals.get(account, []) if x < 0.3 else cases.get(who[0], [])
            if x < 0.55 and options:
                out.append((options[int(r() * len(options))], "Opportunity" if x < 0.3 else "Case"))
            else:
                out.append((account, "Account") if account and x < 0.85 else None)
        elif groups:
            name, pick = groups[int(r() * len(groups))]
            out.append((pick(i), name))
        else:
            out.append(None)
    return out


def activity_accounts(b: Batch, _f: FieldDef) -> Column:
    """The Account of the activity's What (or of its Contact)."""
    accounts_of = {
        name: b.index.column(name, "AccountId") for name in ("Opportunity", "Case", "Contact")
    }
    out = []
    for what, who in zip(b.col("_what"), b.col("_who"), strict=True):
        account = None
        for ref in (what, who):
            if ref and ref[1] == "Account":
                account = ref[0]
            elif ref:
                account = accounts_of.get(ref[1], {}).get(ref[0])
            if account:
                break
        out.append(account)
    return out


def event_starts(b: Batch, _f: FieldDef) -> Column:
    """Start second: around creation, on quarter hours; all-day events at midnight."""
    r, out = b.r, list[Any]()
    for created, all_day in zip(b.col("_created"), b.col("IsAllDayEvent"), strict=True):
        second = max(0, min(SPAN, created + int((r() * 90 - 30) * DAY)))
        out.append(second - second % DAY if all_day else second - second % 900)
    return out


def event_minutes(b: Batch, _f: FieldDef) -> Column:
    """1440 for all-day events, else 15 to 240 minutes in quarter hours."""
    r = b.r
    return [1440 if a else 15 * (1 + int(r() * 16)) for a in b.col("IsAllDayEvent")]


def _customer_of_case(b: Batch) -> dict[str, tuple[str, str]]:
    contacts = b.index.rows("Contact", ("FirstName", "LastName", "Email"))
    people_ = {}
    for case, contact in b.index.column("Case", "ContactId").items():
        row = contacts.get(contact)
        if row and row[2]:
            people_[case] = (" ".join(x for x in row[:2] if x), row[2])
    return people_


def email_customers(b: Batch, f: FieldDef) -> Column:
    """(name, address) of the customer: the Case's Contact, else a random person."""
    known, randoms = _customer_of_case(b), plain_emails(b, f)
    names = full_names(b, f)
    return [
        known.get(case or "") or (name, address)
        for case, name, address in zip(b.col("ParentId"), names, randoms, strict=True)
    ]


SUPPORT = ("Support Team", "support@demo.example.com")


def email_parties(position: int) -> ColumnFn:
    """From (0) or To (1) side as (name, address): the customer writes incoming mail."""
    return derive(
        lambda incoming, customer: (
            (customer if incoming else SUPPORT)
            if position == 0
            else (SUPPORT if incoming else customer)
        ),
        "Incoming",
        "_customer",
    )


def email_bodies(b: Batch, f: FieldDef) -> Column:
    """A greeting, a few sentences and a signature, with CRLF line ends."""
    texts = paragraphs(5, 0.15)(b, f)
    return [
        f"Hello {to[0].split(' ')[0]},\r\n\r\n{text}\r\n\r\nBest regards,\r\n{sender[0]}"
        for to, sender, text in zip(b.col("_to"), b.col("_from"), texts, strict=True)
    ]


def email_html(text: str | None) -> str | None:
    """An HTML rendering of a plain text body."""
    if text is None:
        return None
    body = "<br>".join(html.escape(line) for line in text.split("\r\n"))
    return f"<html><body><p>{body}</p></body></html>"


def email_headers(message_id: str, sender: tuple[str, str], to: tuple[str, str]) -> str:
    """A few RFC 822 headers."""
    return (
        f'From: "{sender[0]}" <{sender[1]}>\r\nTo: {to[1]}\r\n'
        f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8"
    )


def email_subjects(b: Batch, f: FieldDef) -> Column:
    """``Re:`` / ``Fwd:`` + the Case subject, else a sentence."""
    subjects, fallback, r = b.index.column("Case", "Subject"), short_texts(b, f), b.r
    prefixes = ("Re: ", "RE: ", "Fwd: ", "", "AW: ")
    return [
        prefixes[int(r() * len(prefixes))] + (subjects.get(case or "") or other)
        for case, other in zip(b.col("ParentId"), fallback, strict=True)
    ]


def cc_lists(b: Batch, f: FieldDef) -> Column:
    """One or two addresses separated by ``; ``."""
    first, second, r = plain_emails(b, f), plain_emails(b, f), b.r
    return [a if r() < 0.6 else f"{a}; {c}" for a, c in zip(first, second, strict=True)]


ATTACHMENT_NAMES = (
    "Quote", "Angebot Müller", "見積書", "Contract (signed)", "notes, final", 'Spec "v2"',
    "Rapport d'activité", "export", "Screenshot 2025-03-01", "invoice_0042",
)  # fmt: skip


def _file_text(kind: str, sentences: list[str]) -> str:
    if kind == "csv":
        rows = "".join(
            f'{i},"{s.replace(chr(34), chr(34) * 2)}"\r\n' for i, s in enumerate(sentences)
        )
        return "id,comment\r\n" + rows
    if kind == "json":
        return json.dumps({"notes": sentences, "version": 2}, ensure_ascii=False)
    return "\n".join(sentences) + "\n"


FILE_KINDS = (("txt", "text/plain"), ("csv", "text/csv"), ("json", "application/json"))


def attachment_files(b: Batch, _f: FieldDef) -> Column:
    """(name, content type, bytes) of a small text, CSV or JSON file."""
    r, sentences, out = b.r, b.pools.sentences, list[Any]()
    for seq in b.col("_seq"):
        kind, content_type = FILE_KINDS[int(r() * len(FILE_KINDS))]
        lines = [sentences[int(r() * len(sentences))] for _ in range(1 + int(r() * 6))]
        if r() < 0.2:
            lines.append(EDGE_TEXTS[int(r() * len(EDGE_TEXTS))])
        name = f"{ATTACHMENT_NAMES[int(r() * len(ATTACHMENT_NAMES))]} {seq + 1}.{kind}"
        out.append((name, content_type, _file_text(kind, lines).encode("utf-8")))
    return out


PRODUCT_LINES = (
    ("GenWatt Diesel", "Hardware", "Each", ("10kW", "200kW", "1000kW")),
    ("GenWatt Propane", "Hardware", "Each", ("100kW", "500kW", "1500kW")),
    ("GenWatt Gasoline", "Hardware", "Each", ("300kW", "750kW", "2000kW")),
    ("Installation:", "Services", "Hour", ("Portable", "Industrial - High", "Industrial - Low")),
    ("SLA:", "Support", "License", ("Bronze", "Silver", "Gold", "Platinum")),
    ("CloudSync", "Software", "License", ("Starter", "Professional", "Enterprise", "Unlimited")),
    ("Analytics Studio", "Software", "License", ("Team", "Business", "Enterprise")),
    ("Größenmesser Sensor", "Hardware", "Each", ("S", "M", "L", "XL")),
    ("Field Service Visit", "Services", "Hour", ("Standard", "Weekend", "Emergency 24/7")),
    ("Training", "Services", "Hour", ("Admin, Basic", 'Developer "Deep Dive"', "On-site")),
    ("Data Connector", "Software", "License", ("Snowflake", "PostgreSQL", "S3", "東京リージョン")),
    ("Replacement Part", "Hardware", "Each", ("Filter", "Fan Belt", "Control Board", "Battery")),
    ("Premium Support", "Support", "License", ("Monthly", "Annual", "3-Year")),
    ("Consulting", "Services", "Hour", ("Architect", "Project Manager", "Data Engineer")),
    ("Café Kiosk Bundle", "Hardware", "Each", ("Standard", "Deluxe ☕")),
)
PRODUCTS = tuple(
    (f"{line} {variant}", family, unit)
    for line, family, unit, variants in PRODUCT_LINES
    for variant in variants
)


def products(b: Batch, _f: FieldDef) -> Column:
    """(name, family, unit) cycling through the product list, versioned after the first round."""
    k = len(PRODUCTS)
    return [
        (PRODUCTS[s % k][0] + (f" v{s // k + 1}" if s >= k else ""), *PRODUCTS[s % k][1:])
        for s in b.col("_seq")
    ]


PRICEBOOKS = ("Standard Price Book", "Partner Price Book", "EMEA Price Book (EUR)")


def list_price(seed: int, product: str) -> float:
    """The standard price of a product (stable per seed and product Id)."""
    rng = random.Random(f"{seed}:price:{product}")
    return float(rng.choice((49, 99, 250, 500, 1200, 5000, 15000, 75000)) * rng.randint(1, 4))


def book_factor(seed: int, book: str, standard: bool) -> float:
    """How a price book's prices relate to the standard prices."""
    return 1.0 if standard else round(random.Random(f"{seed}:book:{book}").uniform(0.75, 1.15), 2)


def price_entries(b: Batch, _f: FieldDef) -> Column:
    """(Pricebook2, Product2, is standard): every missing pair first (standard book first),
    then random pairs."""
    standard = b.index.column("Pricebook2", "IsStandard")
    books = sorted(b.index.ids("Pricebook2"), key=lambda x: not standard.get(x))
    goods = b.index.ids("Product2")
    have = set(b.index.rows("PricebookEntry", ("Pricebook2Id", "Product2Id"), live=False).values())
    missing = [(x, p) for x in books for p in goods if (x, p) not in have]
    r, out = b.r, list[Any]()
    for i in range(b.n):
        if i < len(missing):
            book, good = missing[i]
        elif books and goods:
            book, good = books[int(r() * len(books))], goods[int(r() * len(goods))]
        else:
            out.append(None)
            continue
        out.append((book, good, bool(standard.get(book))))
    return out


def entry_prices(b: Batch, _f: FieldDef) -> Column:
    """The standard price times the price book's factor (unless UseStandardPrice)."""
    out: Column = []
    for pair, same in zip(b.col("_pair"), b.col("UseStandardPrice"), strict=True):
        if pair is None:
            out.append(None)
            continue
        book, good, standard = pair
        factor = 1.0 if same else book_factor(b.seed, book, standard)
        out.append(round(list_price(b.seed, good) * factor, 2))
    return out


ROLES = (
    ("CEO", None), ("VP, Sales", 0), ("VP, Customer Support", 0), ("Sales Manager, Americas", 1),
    ("Sales Manager, EMEA & APAC", 1), ("Sales Representative", 3), ("Support Manager", 2),
    ("Support Agent", 6),
)  # fmt: skip


def role_names(b: Batch, _f: FieldDef) -> Column:
    """The role hierarchy, repeated with a number after the first round."""
    k = len(ROLES)
    return [ROLES[s % k][0] + (f" {s // k + 1}" if s >= k else "") for s in b.col("_seq")]


def parent_roles(b: Batch, _f: FieldDef) -> Column:
    """The parent in the hierarchy (the same round of roles)."""
    existing, k, out = b.index.ids("UserRole"), len(ROLES), list[Any]()
    for s in b.col("_seq"):
        parent = ROLES[s % k][1]
        ordinal = None if parent is None else s - s % k + parent
        if ordinal is None:
            out.append(None)
        elif ordinal >= b.start:
            out.append(b.ids[ordinal - b.start])
        else:
            out.append(existing[ordinal] if ordinal < len(existing) else None)
    return out


INTEGRATION_PERSON: Person = ("Integration", "User", "integration", "user", 0)


def user_people(b: Batch, f: FieldDef) -> Column:
    """People; the very first User is the integration user."""
    out = people(b, f)
    if b.start == 0 and out:
        out[0] = INTEGRATION_PERSON
    return out


def usernames(b: Batch, _f: FieldDef) -> Column:
    """``first.last@demo.example.com``, unique; the first User gets INTEGRATION_USERNAME."""
    seen = set(b.index.lowered("User", "Username"))
    counters: dict[str, int] = {}
    out = []
    for s, p in zip(b.col("_seq"), b.col("_person"), strict=True):
        name = INTEGRATION_USERNAME if s == 0 else f"{p[2] or 'user'}.{p[3]}@demo.example.com"
        out.append(make_unique(name, seen, counters))
    return out


def locale_attribute(attribute: str) -> ColumnFn:
    """A setting of the person's locale (time zone, language), fitted to the picklist."""
    return fitted(derive(lambda p: getattr(LOCALES[p[4]], attribute), "_person"))


def project_names(b: Batch, _f: FieldDef) -> Column:
    """``<Account> — <kind of project>``."""
    names, r = b.index.column("Account", "Name"), b.r
    kinds = ("Implementation", "Data Migration", "Rollout, Phase 2", "Einführung", "Audit")
    return [
        f"{names.get(a or '') or 'Internal'} — {kinds[int(r() * len(kinds))]}"
        for a in b.col("Account__c")
    ]


def account_deals(b: Batch, _f: FieldDef) -> Column:
    """One of the Account's Opportunities for 60% of rows."""
    deals, r = b.index.groups("Opportunity", "AccountId"), b.r
    out = []
    for account in b.col("Account__c"):
        options = deals.get(account, [])
        out.append(options[int(r() * len(options))] if options and r() < 0.6 else None)
    return out


def long_notes(b: Batch, f: FieldDef) -> Column:
    """Paragraphs; 2% of rows carry 20-60 KB of text (capped at the field length)."""
    r, sentences, k = b.r, b.pools.sentences, len(b.pools.sentences)
    out = []
    for short in paragraphs(6)(b, f):
        long = r() < 0.02
        count = 300 + int(r() * 700) if long else 0
        out.append("\n\n".join(sentences[int(r() * k)] for _ in range(count)) if long else short)
    return out


def group_names(b: Batch, f: FieldDef) -> Column:
    """``<city> <topic> Community``."""
    cities = choice(b.pools.cities[:300])(b, f)
    topics = choice(("Data", "Admins", "Developers", "Women in Tech", "Nutzer"))(b, f)
    return [f"{c} {t} Community" for c, t in zip(cities, topics, strict=True)]


def event_locations(b: Batch, f: FieldDef) -> Column:
    """Cities, video calls and meeting rooms."""
    return choice((*b.pools.cities[:200], "Zoom", "Teams", 'Room 4.12, Bldg "A"'))(b, f)


def related_records(b: Batch, f: FieldDef) -> Column:
    """The parent Case, else an Account or Opportunity."""
    others = ref_to("Account", "Opportunity")(b, f)
    return [p or o for p, o in zip(b.col("ParentId"), others, strict=True)]


OBJECT_GENERATORS: dict[str, dict[str, Gen]] = {
    "UserRole": {
        "_seq": Gen(ordinals, 0),
        "_created": Gen(created_between(0.0, 0.01), 0),
        "Name": Gen(role_names, 0),
        "ParentRoleId": Gen(parent_roles, 0),
        "RollupDescription": Gen(same_as("Name"), 0),
        "DeveloperName": Gen(derive(lambda n: re.sub(r"\W+", "_", n).strip("_"), "Name"), 0),
        "OpportunityAccessForAccountOwner": Gen(weighted({"Edit": 3, "Read": 2, "None": 1}), 0),
        "CaseAccessForAccountOwner": Gen(weighted({"Edit": 3, "Read": 2, "None": 1}), 0),
        "ContactAccessForAccountOwner": Gen(weighted({"Edit": 3, "Read": 2, "None": 1}), 0),
        "PortalType": Gen(fitted(const("None")), 0),
    },
    "User": {
        "_seq": Gen(ordinals, 0),
        "_created": Gen(derive(lambda c, s: 0 if s == 0 else c, "_base_created", "_seq"), 0),
        "_base_created": Gen(created_between(0.0, 0.2), 0),
        "_person": Gen(user_people, 0),
        "_addr:Address": Gen(addresses, 0.4),
        "Username": Gen(usernames, 0),
        "Email": Gen(same_as("Username"), 0),
        "Alias": Gen(derive(lambda p: (p[2][:1] + p[3])[:8] or "user", "_person"), 0),
        "CommunityNickname": Gen(derive(lambda u: u.split("@")[0][:40], "Username"), 0),
        "CompanyName": Gen(const("Demo Org, Inc."), 0),
        "Division": Gen(choice(("Americas", "EMEA", "APAC")), 0.3),
        "IsActive": Gen(derive_r(lambda r, s: int(s == 0 or r() < 0.92), "_seq"), 0),
        "TimeZoneSidKey": Gen(locale_attribute("time_zone"), 0),
        "LocaleSidKey": Gen(fitted(derive(lambda p: LOCALES[p[4]].code, "_person")), 0),
        "LanguageLocaleKey": Gen(locale_attribute("language"), 0),
        "EmailEncodingKey": Gen(weighted({"UTF-8": 19, "ISO-8859-1": 1}), 0),
        "UserType": Gen(fitted(const("Standard")), 0),
        "UserRoleId": Gen(when("_seq", ref_to("UserRole")), 0.1),
        "EmployeeNumber": Gen(derive(lambda s: f"E{s + 1:05d}", "_seq"), 0.2),
        "ManagerId": Gen(self_ref(0.7), 0),
        "LastLoginDate": Gen(datetime_after(900), 0.1),
    },
    "Account": {
        "_company": Gen(companies, 0),
        "_locale": Gen(item("_company", 2), 0),
        "Name": Gen(account_names, 0),
        "Type": Gen(
            weighted(
                {
                    "Customer - Direct": 35,
                    "Prospect": 30,
                    "Customer - Channel": 15,
                    "Partner": 10,
                    "Other": 10,
                }
            ),
            0.05,
        ),
        "ParentId": Gen(self_ref(0.08), 0),
        "_addr:BillingAddress": Gen(addresses, 0.05),
        "_addr:ShippingAddress": Gen(shipping_addresses, 0.15),
        "_loc:Headquarters__c": Gen(
            derive(lambda a: a and (a[5], a[6]), "_addr:BillingAddress"), 0.1
        ),
        "Customer_Tier__c": Gen(
            weighted({"Bronze": 4, "Silver": 3, "Gold": 2, "Platinum": 1}), 0.2
        ),
        "Health_Score__c": Gen(uniform_float(0, 100, 2), 0.2),
        "Account_Number_Ext__c": Gen(sequence_text("Account_Number_Ext__c", "ACC-", 7, 1), 0),
    },
    "Contact": {
        "AccountId": Gen(ref_to("Account"), 0.03),
        "_email_domain": Gen(contact_email_domains, 0),
        "ReportsToId": Gen(reports_to, 0),
        "_addr:OtherAddress": Gen(addresses, 0.75),
        "AssistantName": Gen(full_names, 0.85),
        "AssistantPhone": Gen(localized("phones"), 0.85),
        "Birthdate": Gen(date_of("_birth_day"), 0.6),
        "_birth_day": Gen(uniform_int(-27000, -7300), 0),
        "LastCURequestDate": Gen(datetime_after(300), 0.85),
        "LastCUUpdateDate": Gen(datetime_after(300), 0.85),
        "Languages__c": Gen(choice(LANGUAGES), 0.5),
        "Level__c": Gen(weighted({"Primary": 5, "Secondary": 3, "Tertiary": 1}), 0.2),
        "Preferred_Contact_Time__c": Gen(business_times, 0.5),
        "Lifetime_Value__c": Gen(lognormal(9.0, 1.5, 2), 0.3),
    },
    "Lead": {
        "Company": Gen(item("_company", 0), 0),
        "_addr:Address": Gen(addresses, 0.1),
        "Website": Gen(websites, 0.3),
        "Status": Gen(weighted(LEAD_STATUS), 0),
        "Rating": Gen(weighted({"Hot": 2, "Warm": 5, "Cold": 4}), 0.3),
        "IsConverted": Gen(derive(lambda s: int(s == "Closed - Converted"), "Status"), 0),
        "_conversion": Gen(lead_conversions, 0),
        "ConvertedDate": Gen(when("IsConverted", during_life(as_date=True)), 0),
        "ConvertedAccountId": Gen(item("_conversion", 0), 0),
        "ConvertedContactId": Gen(item("_conversion", 1), 0),
        "ConvertedOpportunityId": Gen(item("_conversion", 2), 0),
        "IsUnreadByOwner": Gen(
            derive_r(lambda r, s: int(s == "Open - Not Contacted" and r() < 0.5), "Status"), 0
        ),
        "Score__c": Gen(uniform_float(0, 100, 1), 0.2),
    },
    "Opportunity": {
        "AccountId": Gen(ref_to("Account"), 0.02),
        "IsPrivate": Gen(flag(0.02), 0),
        "Name": Gen(opportunity_names, 0),
        "StageName": Gen(weighted({s: v[2] for s, v in STAGES.items()}), 0),
        "Amount": Gen(lognormal(10.5, 1.3, -2, 5e8), 0.03),
        "Probability": Gen(derive(lambda s: STAGES.get(s, (50,))[0], "StageName"), 0),
        "TotalOpportunityQuantity": Gen(whole(uniform_int(1, 500)), 0.5),
        "_close": Gen(close_days, 0),
        "CloseDate": Gen(date_of("_close"), 0),
        "NextStep": Gen(when("_open", choice(NEXT_STEPS)), 0.3),
        "_open": Gen(derive(lambda s: not is_closed_stage(s), "StageName"), 0),
        "IsClosed": Gen(derive(lambda s: int(is_closed_stage(s)), "StageName"), 0),
        "IsWon": Gen(derive(lambda s: int(is_won_stage(s)), "StageName"), 0),
        "ForecastCategoryName": Gen(
            fitted(derive(lambda s: STAGES.get(s, (0, "Pipeline"))[1], "StageName")), 0
        ),
        "CampaignId": Gen(ref_to("Campaign"), 0.7),
        "HasOpportunityLineItem": Gen(const(0), 0),
        "Pricebook2Id": Gen(ref_to("Pricebook2"), 0.15),
        "FiscalYear": Gen(derive(lambda d: int(date_text(d)[:4]), "_close"), 0),
        "FiscalQuarter": Gen(derive(_quarter, "_close"), 0),
        "Fiscal": Gen(derive(lambda d: f"{date_text(d)[:4]} {_quarter(d)}", "_close"), 0),
        # Fields the connector docs list that the catalog may add later:
        "ForecastCategory": Gen(
            fitted(derive(lambda s: FORECAST_CATEGORIES.get(s, "Pipeline"), "StageName")), 0
        ),
        "ContactId": Gen(account_contacts("AccountId"), 0.2),
        "HasOpenActivity": Gen(flag(0.3), 0),
        "HasOverdueTask": Gen(flag(0.1), 0),
        "LastStageChangeDate": Gen(during_life(), 0.2),
        "PushCount": Gen(uniform_int(0, 4), 0),
        "Competitor__c": Gen(company_names, 0.6),
        "Delivery_Status__c": Gen(when("IsWon", picklist_values), 0),
    },
    "OpportunityLineItem": {
        "_line": Gen(line_items, 0),
        "OpportunityId": Gen(item("_line", 0), 0),
        "PricebookEntryId": Gen(item("_line", 1), 0),
        "Product2Id": Gen(item("_line", 2), 0),
        "ListPrice": Gen(item("_line", 3), 0),
        "ProductCode": Gen(item("_line", 4), 0),
        "Name": Gen(line_names, 0),
        "SortOrder": Gen(uniform_int(1, 10), 0.5),
        "Quantity": Gen(whole(uniform_int(1, 100)), 0),
        "UnitPrice": Gen(
            derive_r(lambda r, p: p and round(p * (1 - int(r() * 4) * 0.05), 2), "ListPrice"), 0
        ),
        "TotalPrice": Gen(derive(lambda q, u: u and round(q * u, 2), "Quantity", "UnitPrice"), 0),
        "ServiceDate": Gen(date_after(180), 0.5),
        "Description": Gen(short_texts, 0.6),
    },
    "OpportunityContactRole": {
        "_role": Gen(contact_roles, 0),
        "OpportunityId": Gen(item("_role", 0), 0),
        "ContactId": Gen(item("_role", 1), 0),
        "Role": Gen(weighted({"Decision Maker": 3, "Economic Buyer": 2, "Evaluator": 3}), 0.1),
        "IsPrimary": Gen(first_per_deal, 0),
    },
    "Case": {
        "CaseNumber": Gen(sequence_text("CaseNumber", "", 8, 1000), 0),
        "ContactId": Gen(ref_to("Contact"), 0.08),
        "AccountId": Gen(case_accounts, 0),
        "ParentId": Gen(self_ref(0.05), 0),
        "Origin": Gen(weighted({"Phone": 35, "Email": 40, "Web": 25}), 0.03),
        "_web": Gen(derive(lambda o: o == "Web", "Origin"), 0),
        "SuppliedName": Gen(when("_web", derive(lambda p: f"{p[0]} {p[1]}", "_person")), 0),
        "SuppliedEmail": Gen(
            when(
                "_web", derive_r(lambda r, p, c: email_address(r, p, c[1]), "_person", "_company")
            ),
            0,
        ),
        "SuppliedPhone": Gen(when("_web", localized("phones")), 0),
        "SuppliedCompany": Gen(when("_web", item("_company", 0)), 0),
        "Status": Gen(weighted({"New": 20, "Working": 25, "Escalated": 10, "Closed": 45}), 0),
        "Subject": Gen(choice(CASE_SUBJECTS), 0.02),
        "Priority": Gen(weighted({"High": 20, "Medium": 55, "Low": 25}), 0),
        "IsClosed": Gen(derive(lambda s: int(s == "Closed"), "Status"), 0),
        "ClosedDate": Gen(when("IsClosed", during_life()), 0),
        "IsEscalated": Gen(derive_r(lambda r, s: int(s == "Escalated" or r() < 0.03), "Status"), 0),
        "Comments": Gen(paragraphs(3, 0.1), 0.5),
        "SLA_Violation__c": Gen(weighted({"No": 85, "Yes": 15}), 0.1),
        "Product__c": Gen(choice([p[0] for p in PRODUCTS]), 0.3),
    },
    "Campaign": {
        "_seq": Gen(ordinals, 0),
        "Name": Gen(campaign_names, 0),
        "ParentId": Gen(self_ref(0.2), 0),
        "Status": Gen(weighted({"Planned": 2, "In Progress": 3, "Completed": 4, "Aborted": 1}), 0),
        "_start": Gen(derive_r(lambda r, c: c // DAY + int(r() * 60), "_created"), 0),
        "StartDate": Gen(date_of("_start"), 0.05),
        "EndDate": Gen(derive_r(lambda r, d: date_text(d + 1 + int(r() * 90)), "_start"), 0.1),
        "ExpectedRevenue": Gen(lognormal(12.0, 1.0, -3), 0.2),
        "BudgetedCost": Gen(lognormal(9.5, 1.0, -2), 0.2),
        "ActualCost": Gen(actual_costs, 0),
        "ExpectedResponse": Gen(uniform_float(0.5, 25, 2), 0.2),
        "NumberSent": Gen(whole(uniform_int(100, 50_000)), 0.3),
        "IsActive": Gen(derive(lambda s: int(s in ("Planned", "In Progress")), "Status"), 0),
        "NumberOfLeads": Gen(const(0), 0),
        "NumberOfContacts": Gen(const(0), 0),
        "NumberOfResponses": Gen(const(0), 0),
        "NumberOfOpportunities": Gen(const(0), 0),
        "AmountAllOpportunities": Gen(const(0.0), 0),
    },
    "CampaignMember": {
        "_member": Gen(campaign_members, 0),
        "CampaignId": Gen(item("_member", 0), 0),
        "LeadId": Gen(item("_member", 1), 0),
        "ContactId": Gen(item("_member", 2), 0),
        "Status": Gen(weighted({"Sent": 40, "Received": 20, "Responded": 25, "Planned": 15}), 0),
        "HasResponded": Gen(derive(lambda s: int(s == "Responded"), "Status"), 0),
        "FirstRespondedDate": Gen(when("HasResponded", during_life(as_date=True)), 0),
        "Type": Gen(derive(lambda m: "Lead" if m and m[1] else "Contact", "_member"), 0),
    },
    "Task": {
        "_who": Gen(activity_whos, 0),
        "_what": Gen(activity_whats, 0),
        "WhoId": Gen(item("_who", 0), 0),
        "WhatId": Gen(item("_what", 0), 0),
        "AccountId": Gen(activity_accounts, 0),
        "ActivityDate": Gen(date_after(60), 0.1),
        "Status": Gen(weighted({"Completed": 55, "Not Started": 20, "In Progress": 15}), 0),
        "Priority": Gen(weighted({"High": 15, "Normal": 70, "Low": 15}), 0),
        "IsHighPriority": Gen(derive(lambda p: int(p == "High"), "Priority"), 0),
        "IsClosed": Gen(derive(lambda s: int(s == "Completed"), "Status"), 0),
        "TaskSubtype": Gen(weighted({"Task": 5, "Email": 3, "Call": 4}), 0),
        "_call": Gen(derive(lambda t: t == "Call", "TaskSubtype"), 0),
        "CallDurationInSeconds": Gen(when("_call", uniform_int(20, 3600)), 0.1),
        "CallType": Gen(when("_call", picklist_values), 0),
        "IsReminderSet": Gen(flag(0.2), 0),
        "ReminderDateTime": Gen(when("IsReminderSet", datetime_after(30)), 0),
        "CompletedDateTime": Gen(when("IsClosed", during_life()), 0),
    },
    "Event": {
        "_who": Gen(activity_whos, 0),
        "_what": Gen(activity_whats, 0),
        "WhoId": Gen(item("_who", 0), 0),
        "WhatId": Gen(item("_what", 0), 0),
        "AccountId": Gen(activity_accounts, 0),
        "Location": Gen(event_locations, 0.2),
        "IsAllDayEvent": Gen(flag(0.1), 0),
        "_start": Gen(event_starts, 0),
        "DurationInMinutes": Gen(event_minutes, 0),
        "StartDateTime": Gen(datetime_of("_start"), 0),
        "ActivityDateTime": Gen(datetime_of("_start"), 0),
        "ActivityDate": Gen(derive(lambda s: date_text(s // DAY), "_start"), 0),
        "EndDateTime": Gen(
            derive(lambda s, m: datetime_text(s + m * 60), "_start", "DurationInMinutes"), 0
        ),
        "ShowAs": Gen(weighted({"Busy": 8, "OutOfOffice": 1, "Free": 1}), 0),
        "IsPrivate": Gen(flag(0.05), 0),
    },
    "EmailMessage": {
        "ParentId": Gen(ref_to("Case"), 0.15),
        "RelatedToId": Gen(related_records, 0),
        "ActivityId": Gen(ref_to("Task"), 0.6),
        "Incoming": Gen(flag(0.5), 0),
        "_customer": Gen(email_customers, 0),
        "_from": Gen(email_parties(0), 0),
        "_to": Gen(email_parties(1), 0),
        "FromName": Gen(item("_from", 0), 0),
        "FromAddress": Gen(item("_from", 1), 0),
        "ToAddress": Gen(item("_to", 1), 0),
        "CcAddress": Gen(cc_lists, 0.8),
        "BccAddress": Gen(cc_lists, 0.95),
        "Subject": Gen(email_subjects, 0.02),
        "TextBody": Gen(email_bodies, 0.02),
        "HtmlBody": Gen(derive(email_html, "TextBody"), 0.15),
        "Headers": Gen(derive(email_headers, "MessageIdentifier", "_from", "_to"), 0.3),
        "HasAttachment": Gen(flag(0.1), 0),
        "Status": Gen(
            fitted(
                derive_r(
                    lambda r, i: str(int(r() * 3)) if i else ("5" if r() < 0.03 else "3"),
                    "Incoming",
                )
            ),
            0,
        ),
        "MessageDate": Gen(
            derive_r(lambda r, c: datetime_text(max(0, c - int(r() * 3600))), "_created"), 0
        ),
        "IsExternallyVisible": Gen(flag(0.4), 0),
        "MessageIdentifier": Gen(derive(lambda i: f"<{i.lower()}@mail.demo.example.com>", "Id"), 0),
        "ThreadIdentifier": Gen(
            derive(
                lambda p, m: f"<thread.{p.lower()}@mail.demo.example.com>" if p else m,
                "ParentId",
                "MessageIdentifier",
            ),
            0,
        ),
    },
    "Attachment": {
        "_seq": Gen(ordinals, 0),
        "_file": Gen(attachment_files, 0),
        "ParentId": Gen(ref_to(), 0),
        "Name": Gen(item("_file", 0), 0),
        "ContentType": Gen(item("_file", 1), 0),
        "Body": Gen(derive(lambda x: base64.b64encode(x[2]).decode("ascii"), "_file"), 0),
        "BodyLength": Gen(derive(lambda x: len(x[2]), "_file"), 0),
        "IsPrivate": Gen(flag(0.1), 0),
        "Description": Gen(short_texts, 0.5),
    },
    "Product2": {
        "_seq": Gen(ordinals, 0),
        "_created": Gen(created_between(0.0, 0.05), 0),
        "_product": Gen(products, 0),
        "Name": Gen(item("_product", 0), 0),
        "Family": Gen(fitted(item("_product", 1)), 0),
        "QuantityUnitOfMeasure": Gen(fitted(item("_product", 2)), 0),
        "ProductCode": Gen(derive(lambda s: f"GC{1000 + s}", "_seq"), 0),
        "ExternalId": Gen(derive(lambda s: f"PRD-{s + 1:05d}", "_seq"), 0.1),
        "StockKeepingUnit": Gen(derive(lambda s: f"SKU-{s + 1:06d}", "_seq"), 0.1),
        "DisplayUrl": Gen(
            derive(lambda s: f"https://shop.demo.example.com/p/GC{1000 + s}", "_seq"), 0.3
        ),
        "IsActive": Gen(flag(0.9), 0),
        "IsArchived": Gen(const(0), 0),
    },
    "Pricebook2": {
        "_seq": Gen(ordinals, 0),
        "_created": Gen(created_between(0.0, 0.02), 0),
        "IsDeleted": Gen(const(0), 0),
        "Name": Gen(
            derive(
                lambda s: PRICEBOOKS[s] if s < len(PRICEBOOKS) else f"Price Book {s + 1}", "_seq"
            ),
            0,
        ),
        "IsActive": Gen(derive_r(lambda r, s: int(s < 3 or r() < 0.7), "_seq"), 0),
        "IsStandard": Gen(derive(lambda s: int(s == 0), "_seq"), 0),
        "Description": Gen(short_texts, 0.3),
        "IsArchived": Gen(const(0), 0),
    },
    "PricebookEntry": {
        "_created": Gen(created_between(0.05, 0.08), 0),
        "_pair": Gen(price_entries, 0),
        "Pricebook2Id": Gen(item("_pair", 0), 0),
        "Product2Id": Gen(item("_pair", 1), 0),
        "UseStandardPrice": Gen(
            derive_r(lambda r, p: int(bool(p) and not p[2] and r() < 0.1), "_pair"), 0
        ),
        "UnitPrice": Gen(entry_prices, 0),
        "ProductCode": Gen(parent_value("Product2", "ProductCode", "Product2Id"), 0),
        "Name": Gen(parent_value("Product2", "Name", "Product2Id"), 0),
        "IsActive": Gen(flag(0.95), 0),
    },
    "My__Community_Group__c": {
        "Name": Gen(group_names, 0),
        "Description__c": Gen(paragraphs(4), 0.2),
        "Member_Count__c": Gen(lognormal(3.8, 1.0, 0, 5000), 0.05),
        "Account__c": Gen(ref_to("Account"), 0.3),
        "Founded__c": Gen(date_of("_founded"), 0.1),
        "_founded": Gen(uniform_int(-5800, 900), 0),
        "Is_Public__c": Gen(flag(0.75), 0),
        "Last_Meeting__c": Gen(datetime_after(200), 0.2),
        "_loc:Meeting_Place__c": Gen(locations, 0.2),
    },
    "Project__c": {
        "Account__c": Gen(ref_to("Account"), 0.05),
        "Name": Gen(project_names, 0),
        "Opportunity__c": Gen(account_deals, 0),
        "Budget__c": Gen(lognormal(11.0, 1.0, -2), 0.1),
        "Status__c": Gen(weighted({"Planned": 2, "Active": 4, "On Hold": 1, "Done": 3}), 0.05),
        "Start_Date__c": Gen(date_after(120), 0.1),
        "Kickoff_Time__c": Gen(business_times, 0.3),
        "Notes__c": Gen(long_notes, 0.2),
        "Completion__c": Gen(
            derive_r(
                lambda r, s: {"Done": 100.0, "Planned": 0.0}.get(s, round(r() * 95, 2)), "Status__c"
            ),
            0,
        ),
        "Website__c": Gen(generic_urls, 0.4),
    },
}


def resolve_generator(obj: ObjectDef, name: str, f: FieldDef | None) -> Gen:
    """The generator of a column: per object, common, compound component, by type, or nulls."""
    gen = OBJECT_GENERATORS.get(obj.name, {}).get(name) or COMMON_GENERATORS.get(name)
    if gen is not None:
        return gen
    if name.startswith("_addr:"):
        return Gen(addresses, 0.05)
    if name.startswith("_loc:"):
        return Gen(locations, 0.1)
    if f is None:
        return Gen(nothing, 0)
    if f.compound_field_name:
        part = _compound_parts(obj, f)
        if part is not None:
            return part
    return Gen(TYPE_GENERATORS.get(f.type, generic_strings))


# --- planning and writing -------------------------------------------------------------------


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
DEFAULT_SHARE = Share(0.01, 3)
# Objects created in this order; others follow their parents. Audit references are ignored.
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
            if f.type == "reference" and f.name not in AUDIT_REFERENCES
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
        if all((o := catalog.get(obj)) is not None and _is_stored(o, f) for obj, f in pairs):
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
    """Create the tables of every catalog object (if missing) and fill them with related demo
    rows, about ``scale`` rows in all.

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
            _append(conn, index, obj, counts[obj.name], seed)
        for statement in deferred:
            conn.execute(statement)
        _apply_fixups(conn, catalog)
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
