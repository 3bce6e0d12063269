"""Column generators any object can use: building blocks, people, e-mail, common fields, types."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from salesforce_emulator.catalog import FieldDef
from salesforce_emulator.demo.batch import Batch, Column, ColumnFn
from salesforce_emulator.demo.clock import (
    DAY,
    LAST_DAY,
    SPAN,
    START,
    date_text,
    datetime_text,
    time_text,
)
from salesforce_emulator.demo.pools import (
    EDGE_SHARE,
    EDGE_TEXTS,
    FREE_MAIL,
    GEOCODE_ACCURACY,
    SPECIAL_NAME_SHARE,
    SPECIAL_NAMES,
    Person,
    Pools,
    email_local,
)

# --- building blocks ----------------------------------------------------------------------


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
    """An Id of a live row of ``targets`` created before the referring row.

    ``targets`` defaults to the field's referenceTo.
    """

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


def merged_into(b: Batch, _f: FieldDef) -> Column:
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


# --- people, companies, e-mail and text ---------------------------------------------------

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
    """A value of a pool (``phones``, ``addresses``...), mostly from the row's locale.

    In ``share`` of the rows the value comes from the ``_locale`` column's locale, in the others
    from any locale.
    """

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


def domain_or_free_mail(r: Callable[[], float], domain: str | None) -> str:
    """``domain`` for three in four calls (when there is one), else a free-mail domain."""
    if domain and r() < 0.75:
        return domain
    return FREE_MAIL[int(r() * len(FREE_MAIL))]


def paragraphs(max_sentences: int, edge: float = EDGE_SHARE) -> ColumnFn:
    r"""Text of 1..``max_sentences`` sentences of one language.

    Sentences are joined by spaces, ``\n`` or ``\r\n``; an ``edge`` share of the texts also
    holds awkward content (quotes, commas, emoji, non-Latin scripts).
    """

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
    """Creation moments in the part [first, last] of the demo range, ascending with the Ids.

    As in a real org, later Ids are created later: each chunk of a larger run gets its own slice
    of that part.
    """

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


def shortly_after(stored: str, r: Callable[[], float]) -> str:
    """A stored datetime moved up to three days later."""
    moment = dt.datetime.fromisoformat(stored)
    second = int((moment - START).total_seconds()) + int(r() * 3 * DAY)
    return datetime_text(min(second, SPAN))
