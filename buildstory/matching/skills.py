"""The skill and role catalogue, other skills and time zones (docs/rules.md "Skills and
matching").

Every curated item has a permanent bit: bit *i* of ``skill_bits`` (bit(64)) or
``role_bits`` (bit(16)) is item *i* of the lists below, counted from the left as
PostgreSQL does. New items are appended, never inserted or removed, so stored bits keep
their meaning. A key is the label lower-cased with each run of other characters turned
into ``_`` ("Node.js" → ``node_js``). Pure functions only (no database).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

SKILL_BITS = 64
ROLE_BITS = 16
MAX_SKILLS = 10
MAX_OTHER_SKILLS = 3
MAX_ROLES = 3
MAX_OPEN_ROLES = 5

TOO_MANY_SKILLS = f"Choose at most {MAX_SKILLS} skills"
UNKNOWN_SKILL = "Choose skills from the list"
TOO_MANY_OTHER = f"Add at most {MAX_OTHER_SKILLS} other skills"
OTHER_LENGTH = "Each other skill must be 2-30 characters"
OTHER_CHARACTERS = "Other skills may use letters, numbers, spaces and + # . - / &"
TOO_MANY_ROLES = f"Choose at most {MAX_ROLES} roles"
UNKNOWN_ROLE = "Choose roles from the list"
UNKNOWN_ZONE = "Choose a time zone from the list"
TOO_MANY_OPEN_ROLES = f"Choose at most {MAX_OPEN_ROLES} open roles"


def key_of(label: str) -> str:
    """Return the key of a label: lower-cased, each run of other characters → ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    bit: int


ROLE_LABELS = ("Frontend", "Backend", "Mobile", "ML/AI", "Data", "Design", "Product",
               "Growth", "DevOps")

# Grouped under the role they belong to, in the roles' order; the bit is the position in
# the flattened list.
SKILL_GROUPS = (
    ("Frontend", ("React", "Vue", "Svelte", "TypeScript")),
    ("Backend", ("Python", "Node.js", "Go", "Rust", "Java & Kotlin", "APIs")),
    ("Mobile", ("iOS", "Android", "React Native", "Flutter")),
    ("ML/AI", ("LLM apps", "Prompt engineering", "RAG", "AI agents", "Fine-tuning", "Evals",
               "Vision & audio")),
    ("Data", ("SQL", "Data pipelines", "Analytics", "Data visualisation")),
    ("Design", ("UI design", "UX research", "Figma", "Branding")),
    ("Product", ("Product management", "User interviews", "No-code tools")),
    ("Growth", ("Marketing", "Content & video", "Community", "Sales")),
    ("DevOps", ("Cloud", "Docker & Kubernetes", "CI/CD", "Security")),
)

ROLES = tuple(Item(key_of(label), label, i) for i, label in enumerate(ROLE_LABELS))
SKILLS = tuple(Item(key_of(label), label, i) for i, label in
               enumerate(label for _, labels in SKILL_GROUPS for label in labels))
ROLE_BY_KEY = {item.key: item for item in ROLES}
SKILL_BY_KEY = {item.key: item for item in SKILLS}
assert len(SKILLS) <= SKILL_BITS and len(ROLES) <= ROLE_BITS
assert len(SKILL_BY_KEY) == len(SKILLS) and len(ROLE_BY_KEY) == len(ROLES)


def skill_groups() -> list[tuple[str, list[Item]]]:
    """Return ``[(role label, [skill items])]`` for the settings form's fieldsets."""
    return [(role, [SKILL_BY_KEY[key_of(label)] for label in labels])
            for role, labels in SKILL_GROUPS]


def bits(keys, catalogue: dict[str, Item], width: int) -> str:
    """Return the bit string (``'0100…'``, ``width`` long) of a set of keys."""
    out = ["0"] * width
    for key in keys:
        out[catalogue[key].bit] = "1"
    return "".join(out)


def skill_bits(keys) -> str:
    return bits(keys, SKILL_BY_KEY, SKILL_BITS)


def role_bits(keys) -> str:
    return bits(keys, ROLE_BY_KEY, ROLE_BITS)


def in_order(keys, catalogue: dict[str, Item]) -> list[Item]:
    """Return the items of ``keys`` in catalogue order (unknown keys dropped)."""
    return sorted((catalogue[k] for k in set(keys or ()) if k in catalogue),
                  key=lambda item: item.bit)


def from_bits(bit_string: str | None, items: tuple[Item, ...]) -> list[Item]:
    """Return the items whose bit is set in ``bit_string``, in catalogue order."""
    return [item for item in items if bit_string and item.bit < len(bit_string)
            and bit_string[item.bit] == "1"]


# --- Other skills ---------------------------------------------------------------------

_OTHER_ALLOWED = re.compile(r"^[\w +#./&-]+$")
_FOLDED_CURATED = {}
for _item in SKILLS:
    _FOLDED_CURATED[_item.key] = _item.key
    _FOLDED_CURATED[" ".join(unicodedata.normalize("NFKC", _item.label).casefold().split())] = \
        _item.key


def fold_other(text: str) -> str:
    """NFKC-normalise, case-fold, trim and collapse inner spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def parse_other_skills(raw: str) -> tuple[list[str], list[str], str | None]:
    """Split the comma-separated Other skills field.

    Return ``(other skills, curated keys they fold to, error)``: an entry folding to a
    curated key or label becomes that skill; duplicates are dropped, the first kept.
    """
    others: list[str] = []
    curated: list[str] = []
    for part in (raw or "").split(","):
        folded = fold_other(part)
        if not folded:
            continue
        if folded in _FOLDED_CURATED:
            key = _FOLDED_CURATED[folded]
            if key not in curated:
                curated.append(key)
            continue
        if not 2 <= len(folded) <= 30:
            return [], [], OTHER_LENGTH
        if not _OTHER_ALLOWED.match(folded) or "_" in folded:
            return [], [], OTHER_CHARACTERS
        if folded not in others:
            others.append(folded)
    if len(others) > MAX_OTHER_SKILLS:
        return [], [], TOO_MANY_OTHER
    return others, curated, None


# --- Time zones -----------------------------------------------------------------------

# Offsets are taken at one fixed instant so that scores never move with daylight saving.
OFFSET_INSTANT = datetime(2025, 1, 15, 12, 0, tzinfo=timezone.utc)
ZONE_TABLE = Path("/usr/share/zoneinfo/zone1970.tab")


@cache
def _zones_by_country() -> dict[str, list[str]]:
    by_country: dict[str, list[str]] = {}
    try:
        lines = ZONE_TABLE.read_text().splitlines()
    except OSError:
        return by_country
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        for code in fields[0].split(","):
            by_country.setdefault(code, []).append(fields[2])
    return by_country


@cache
def all_zones() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (the "Time zone" choices)."""
    zones = {z for z in available_timezones() if "/" in z and not z.startswith(
        ("Etc/", "SystemV/", "posix/", "right/"))}
    zones.update(z for names in _zones_by_country().values() for z in names)
    return tuple(sorted(zones))


def country_zones(country: str | None) -> list[str]:
    """The country's zones in ``zone1970.tab`` (may be empty)."""
    return list(_zones_by_country().get(country or "", []))


def zone_choices(country: str | None) -> list[str]:
    """The time zone options: the country's zones (``zone1970.tab``) first, then the rest."""
    first = _zones_by_country().get(country or "", [])
    return first + [z for z in all_zones() if z not in first]


def utc_offset(zone: str | None) -> int | None:
    """Return the zone's UTC offset in minutes at the fixed instant; None without a zone."""
    if not zone:
        return None
    offset = OFFSET_INSTANT.astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds() // 60)


def valid_zone(zone: str) -> bool:
    if zone not in all_zones():
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
