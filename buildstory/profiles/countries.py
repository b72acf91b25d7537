"""Countries and regions: the codes from pycountry (ISO 3166-1 alpha-2 and ISO 3166-2), the
names people read from CLDR (through babel) and the English translations that ship with
pycountry.

Countries go by their common English name ("Taiwan", "Russia", "United Arab Emirates").
ISO 3166-2 lists regions in their local spelling, sometimes inverted ("Madrid, Comunidad
de") or with a code attached ("Stockholms län [SE-01]"): a region shows its English name
where one exists ("Dubai"), else its own name in natural order ("Comunidad de Madrid").
The lists are built once per process: the data does not change while it runs.
"""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

import gettext
import os
import re
import unicodedata
from pathlib import Path

import pycountry
from babel import Locale


class Country(NamedTuple):
    """A country as the pickers and profile pages show it."""

    code: str
    name: str
    flag: str | None  # the static path of its flag image


class Region(NamedTuple):
    """An ISO 3166-2 subdivision of a country."""

    code: str
    name: str


def _sort_key(name: str) -> str:
    """Sort "Åland Islands" with the A's and "Côte d'Ivoire" with the C's."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# The flag images vendored from the npm package flag-icons (scripts/vendor_flags.py): an
# SVG per country, or a 40×30 PNG where the SVG is heavy. Flag emoji are not used: without
# a colour-emoji font they render as two empty boxes.
FLAGS = Path(__file__).resolve().parent.parent / "static" / "flags"


@cache
def _flag_files() -> frozenset[str]:
    return frozenset(os.listdir(FLAGS)) if FLAGS.is_dir() else frozenset()


def _flag(code: str) -> str | None:
    """Return the static path of a country's flag image ("flags/fr.svg"), or None."""
    for name in (f"{code.lower()}.svg", f"{code.lower()}.png"):
        if name in _flag_files():
            return f"flags/{name}"
    return None


# CLDR's short forms, where its standard English name is a formal one.
SHORT_NAMES = {"HK": "Hong Kong", "MO": "Macao", "PS": "Palestine"}

# English names of regions that the English translations lack: capital and big-city
# regions whose local name readers would not recognise.
ENGLISH_REGIONS = {
    "IL-TA": "Tel Aviv", "IL-JM": "Jerusalem", "IL-HA": "Haifa", "IL-M": "Central District",
    "IL-D": "Southern District", "IL-Z": "Northern District", "RU-MOW": "Moscow",
    "RU-SPE": "Saint Petersburg", "EG-C": "Cairo", "AT-9": "Vienna", "CZ-10": "Prague",
    "HR-21": "Zagreb", "BE-BRU": "Brussels", "BG-22": "Sofia", "KR-11": "Seoul",
    "VN-SG": "Ho Chi Minh City", "CN-SH": "Shanghai", "CN-BJ": "Beijing", "MX-CMX": "Mexico City",
    "AR-C": "Buenos Aires", "CO-DC": "Bogotá", "DK-84": "Capital Region of Denmark",
    "IT-MI": "Milan", "IT-RM": "Rome", "GR-I": "Attica", "PL-14": "Masovia",
    "SE-AB": "Stockholm County", "TR-34": "Istanbul", "ES-MD": "Community of Madrid",
    "PT-11": "Lisbon", "HU-BU": "Budapest", "RO-B": "Bucharest", "BE-WAL": "Wallonia",
    "BE-VLG": "Flanders",
}


@cache
def _english_regions() -> gettext.NullTranslations:
    """The English translations of ISO 3166-2 names that ship with pycountry."""
    folder = os.path.join(os.path.dirname(pycountry.__file__), "locales")
    return gettext.translation("iso3166-2", folder, languages=["en"], fallback=True)


def region_display_name(code: str, iso_name: str) -> str:
    """Return a region's name as people read it: English where one exists, else the ISO
    name without an attached code and in natural order ("Comunidad de Madrid")."""
    if code in ENGLISH_REGIONS:
        return ENGLISH_REGIONS[code]
    name = _english_regions().gettext(iso_name)
    name = re.sub(r"\s*\[[^\]]*\]", "", name).strip()
    head, sep, tail = name.partition(", ")
    # "Madrid, Comunidad de" is inverted; "Bournemouth, Christchurch and Poole" is a list.
    inverted = sep and "," not in tail and not re.search(r"\b(and|y)\b", tail)
    return f"{tail} {head}" if inverted else name


@cache
def _countries() -> dict[str, Country]:
    english = Locale("en").territories
    found = {}
    for c in pycountry.countries:
        name = (SHORT_NAMES.get(c.alpha_2) or english.get(c.alpha_2)
                or getattr(c, "common_name", None) or c.name)
        found[c.alpha_2] = Country(c.alpha_2, name, _flag(c.alpha_2))
    return dict(sorted(found.items(), key=lambda item: _sort_key(item[1].name)))


@cache
def _regions(code: str) -> tuple[Region, ...]:
    subdivisions = pycountry.subdivisions.get(country_code=code) or []
    return tuple(sorted((Region(s.code, region_display_name(s.code, s.name))
                         for s in subdivisions),
                        key=lambda r: (_sort_key(r.name), r.code)))


@cache
def _region_index(code: str) -> dict[str, Region]:
    return {r.code: r for r in _regions(code)}


def all_countries() -> list[Country]:
    """Return every ISO 3166-1 country, sorted by name."""
    return list(_countries().values())


def country(code: str | None) -> Country | None:
    """Return the country for an alpha-2 code (any case), or None when unknown."""
    return _countries().get((code or "").strip().upper())


def regions(country_code: str | None) -> tuple[Region, ...]:
    """Return the ISO 3166-2 subdivisions of a country sorted by name (empty when unknown)."""
    code = (country_code or "").strip().upper()
    return _regions(code) if code in _countries() else ()


def region(country_code: str | None, region_code: str | None) -> Region | None:
    """Return the subdivision ``region_code`` of that country, or None when it is not one."""
    code = (country_code or "").strip().upper()
    if code not in _countries():
        return None
    return _region_index(code).get((region_code or "").strip().upper())


def is_region_of(country_code: str | None, region_code: str | None) -> bool:
    """True when ``region_code`` is an ISO 3166-2 subdivision of ``country_code``."""
    return region(country_code, region_code) is not None


def location_text(country_code: str | None, region_code: str | None) -> str:
    """Return "Region, Country" (or just the country, or "") for display."""
    c = country(country_code)
    if c is None:
        return ""
    r = region(country_code, region_code)
    return f"{r.name}, {c.name}" if r else c.name
