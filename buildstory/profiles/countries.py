"""Countries and regions from pycountry (ISO 3166-1 alpha-2 and ISO 3166-2).

The lists are built once per process: pycountry's data does not change while it runs.
Country names prefer pycountry's ``common_name`` ("Taiwan", "Bolivia") over the formal one.
"""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

import unicodedata

import pycountry


class Country(NamedTuple):
    """A country as the pickers and profile pages show it."""

    code: str
    name: str
    flag: str


class Region(NamedTuple):
    """An ISO 3166-2 subdivision of a country."""

    code: str
    name: str


def _sort_key(name: str) -> str:
    """Sort "Åland Islands" with the A's and "Côte d'Ivoire" with the C's."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _flag(code: str) -> str:
    """Return the flag emoji of a two-letter code (regional indicator symbols)."""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


@cache
def _countries() -> dict[str, Country]:
    found = {}
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        found[c.alpha_2] = Country(c.alpha_2, name, getattr(c, "flag", None) or _flag(c.alpha_2))
    return dict(sorted(found.items(), key=lambda item: _sort_key(item[1].name)))


@cache
def _regions(code: str) -> tuple[Region, ...]:
    subdivisions = pycountry.subdivisions.get(country_code=code) or []
    return tuple(sorted((Region(s.code, s.name) for s in subdivisions),
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
