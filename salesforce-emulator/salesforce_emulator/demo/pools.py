"""Pools of names, companies, addresses, phones, jobs and sentences, built per seed with Faker."""

from __future__ import annotations

import functools
import itertools
import random
import re
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from salesforce_emulator.catalog import ADDRESS_PARTS


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
