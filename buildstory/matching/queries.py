"""Suggested teammates and projects looking for your skills (docs/rules.md "Skills and
matching").

The page runs a fixed number of statements whatever the size of the event:
``viewer_context`` (the viewer's registration and projects with their teams' skills),
``rank_builders`` (one statement: candidates read from the partial covering index
``ix_event_registrations_match``, exclusions as index anti-joins, the score computed in
SQL with bit operations on the copied bits), ``builder_cards`` (the profiles of the
shown rows, still filtered by ``visible()``) and ``rank_projects`` (one statement).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Uuid

from ..profiles.models import Profile
from ..profiles.queries import visible
from . import skills

BUILDERS_PER_PAGE = 24
PROJECTS_PER_PAGE = 12
NEAR_MINUTES = 180

COMMITMENT_RANK = "CASE {col} WHEN 'nights_weekends' THEN 1 WHEN 'daily' THEN 2 " \
                  "WHEN 'all_in' THEN 3 END"
EXPERIENCE_RANK = "CASE {col} WHEN 'getting_started' THEN 1 WHEN 'built_a_few' THEN 2 " \
                  "WHEN 'ships_constantly' THEN 3 END"
COMMITMENT_VALUE = {"nights_weekends": 1, "daily": 2, "all_in": 3}
EXPERIENCE_VALUE = {"getting_started": 1, "built_a_few": 2, "ships_constantly": 3}

ZERO_SKILLS = "0" * skills.SKILL_BITS
ZERO_ROLES = "0" * skills.ROLE_BITS


@dataclass
class Team:
    """One of the viewer's projects entered in the event, with what its team brings."""

    id: uuid.UUID
    slug: str
    name: str
    owned: bool
    skill_bits: str
    role_bits: str
    open_role_bits: str
    open_roles: list[str]
    size: int


@dataclass
class Viewer:
    """What the rankings need to know about the viewer in this event."""

    profile_id: uuid.UUID
    registered: bool
    commitment: str | None
    skill_bits: str
    role_bits: str
    utc_offset: int | None
    country: str | None
    region: str | None
    project_ids: list[uuid.UUID] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    team: Team | None = None
    experience: str | None = None

    @property
    def has_roles(self) -> bool:
        return "1" in self.role_bits


_VIEWER = text("""
SELECT p.skill_bits::text AS skill_bits, p.role_bits::text AS role_bits,
       p.utc_offset_minutes, p.country, p.region, p.experience_level::text AS experience,
       r.id IS NOT NULL AS registered, r.commitment_level::text AS commitment,
       coalesce((
         SELECT json_agg(json_build_object(
                  'id', t.id, 'slug', t.slug, 'name', t.name, 'owned', t.profile_id = p.id,
                  'entered_at', ep.submitted_at, 'open_role_bits', t.open_role_bits::text,
                  'open_roles', t.open_roles, 'skill_bits', team.skill_bits::text,
                  'role_bits', team.role_bits::text, 'size', team.size,
                  'in_event', ep.id IS NOT NULL))
           FROM projects t
           LEFT JOIN event_projects ep ON ep.project_id = t.id AND ep.event_id = :event_id
           CROSS JOIN LATERAL (
             SELECT bit_or(q.skill_bits) AS skill_bits, bit_or(q.role_bits) AS role_bits,
                    count(*) AS size
               FROM profiles q
              WHERE q.id = t.profile_id
                 OR q.id IN (SELECT m.profile_id FROM project_members m
                              WHERE m.project_id = t.id)) team
          WHERE t.id IN (SELECT o.id FROM projects o WHERE o.profile_id = p.id
                         UNION SELECT m.project_id FROM project_members m
                                WHERE m.profile_id = p.id)), '[]') AS projects
  FROM profiles p
  LEFT JOIN event_registrations r ON r.event_id = :event_id AND r.profile_id = p.id
 WHERE p.id = :profile_id
""")


def viewer_context(session, event_id, profile_id, project_slug: str | None = None) -> Viewer:
    """Return the viewer's registration, skills and projects (one statement).

    ``team`` is the **For project** choice among the viewer's projects entered in the
    event: ``project_slug`` when it names one, else owned before joined, latest entered.
    """
    row = session.execute(_VIEWER, {"event_id": event_id, "profile_id": profile_id}).one()
    viewer = Viewer(profile_id=profile_id, registered=row.registered,
                    commitment=row.commitment, skill_bits=row.skill_bits,
                    role_bits=row.role_bits, utc_offset=row.utc_offset_minutes,
                    country=row.country, region=row.region, experience=row.experience)
    entered = []
    for item in row.projects:
        viewer.project_ids.append(uuid.UUID(item["id"]))
        if item["in_event"]:
            entered.append((item["owned"], item["entered_at"], Team(
                id=uuid.UUID(item["id"]), slug=item["slug"], name=item["name"],
                owned=item["owned"], skill_bits=item["skill_bits"], role_bits=item["role_bits"],
                open_role_bits=item["open_role_bits"], open_roles=item["open_roles"],
                size=item["size"])))
    # owned before joined, latest entered first (ISO timestamps sort as strings)
    entered.sort(key=lambda t: (t[0], t[1]), reverse=True)
    viewer.teams = [team for _, _, team in entered]
    chosen = [t for t in viewer.teams if t.slug == project_slug]
    viewer.team = chosen[0] if chosen else (viewer.teams[0] if viewer.teams else None)
    return viewer


def _or(a: str, b: str) -> str:
    return "".join("1" if x == "1" or y == "1" else "0" for x, y in zip(a, b))


def have_bits(viewer: Viewer) -> str:
    """HAVE: the viewer's skills and their team's."""
    return _or(viewer.skill_bits, viewer.team.skill_bits) if viewer.team else viewer.skill_bits


def can_bits(viewer: Viewer) -> str:
    """CAN: the roles the viewer and their team can fill."""
    return _or(viewer.role_bits, viewer.team.role_bits) if viewer.team else viewer.role_bits


def open_bits(viewer: Viewer) -> str:
    """OPEN: the team's open roles (none without a team)."""
    return viewer.team.open_role_bits if viewer.team else ZERO_ROLES


# --- Ranking builders -----------------------------------------------------------------

def _z_sql(off_c: str, off_v: str, country_c: str, country_v: str, region_c: str,
           region_v: str) -> str:
    return f"""CASE WHEN {off_c} IS NOT NULL AND {off_v} IS NOT NULL THEN
                 CASE WHEN abs({off_c} - {off_v}) <= 60 THEN 15
                      WHEN abs({off_c} - {off_v}) <= 180 THEN 8 ELSE 0 END
               WHEN {country_c} IS NOT NULL AND {country_c} = {country_v}
                    AND {region_c} IS NOT NULL AND {region_c} = {region_v} THEN 15
               WHEN {country_c} IS NOT NULL AND {country_c} = {country_v} THEN 8
               ELSE 0 END"""


def _m_sql(com_c: str, com_v: str) -> str:
    return f"""CASE WHEN {com_c} IS NULL OR {com_v} IS NULL THEN 3
                    WHEN {com_c} = {com_v} THEN 10
                    WHEN abs({com_c} - {com_v}) = 1 THEN 5 ELSE 0 END"""


# Candidates are scored straight from the index (no join per candidate), sorted, and
# only then checked against the exclusions, so the anti-joins stop once a page is full.
BUILDERS_SQL = f"""
SELECT c.profile_id, c.registered_at, c.skill_bits::text AS skill_bits,
       c.role_bits::text AS role_bits, c.off, c.k, c.r, c.z, c.m, c.x, c.score FROM (
  SELECT r.profile_id, r.registered_at, r.skill_bits, r.role_bits,
         r.utc_offset_minutes AS off, s.k, s.r, s.z, s.m, s.x,
         s.k + s.r + s.z + s.m + s.x AS score
    FROM event_registrations r
    CROSS JOIN LATERAL (SELECT
         10 * least(bit_count(r.skill_bits & ~CAST(:have AS bit(64))), 4) AS k,
         CASE WHEN CAST(:open AS bit(16)) <> B'{ZERO_ROLES}' THEN
                CASE WHEN bit_count(r.role_bits & CAST(:open AS bit(16))) > 0 THEN 25 ELSE 0 END
              WHEN bit_count(r.role_bits & ~CAST(:can AS bit(16))) > 0 THEN 10
              ELSE 0 END AS r,
         {_z_sql("r.utc_offset_minutes", "CAST(:off AS int)", "r.country",
                 "CAST(:country AS text)", "r.region", "CAST(:region AS text)")} AS z,
         {_m_sql(COMMITMENT_RANK.format(col="r.commitment_level"), "CAST(:com AS int)")} AS m,
         CASE abs({EXPERIENCE_RANK.format(col="r.experience_level")} - CAST(:exp AS int))
              WHEN 1 THEN 10 WHEN 0 THEN 5 ELSE 0 END AS x) s
   WHERE r.event_id = :event_id AND r.team_preference = 'looking_for_team' AND r.match_ok
     AND r.profile_id <> :viewer_id
     AND (CAST(:role_bit AS int) IS NULL OR get_bit(r.role_bits, :role_bit) = 1)
     AND (CAST(:skill_bit AS int) IS NULL OR get_bit(r.skill_bits, :skill_bit) = 1)
     AND (CAST(:commitment AS text) IS NULL
          OR r.commitment_level = CAST(:commitment AS commitment_level))
     AND (CAST(:experience AS text) IS NULL
          OR r.experience_level = CAST(:experience AS experience_level))
     AND (CAST(:filter_country AS text) IS NULL OR r.country = :filter_country)
     AND (NOT :near OR abs(r.utc_offset_minutes - CAST(:off AS int)) <= {NEAR_MINUTES})
  ) c
 WHERE NOT EXISTS (SELECT 1 FROM projects o
                     JOIN event_projects oe ON oe.project_id = o.id AND oe.event_id = :event_id
                    WHERE o.profile_id = c.profile_id)
   AND NOT EXISTS (SELECT 1 FROM project_members m
                     JOIN event_projects me ON me.project_id = m.project_id
                                           AND me.event_id = :event_id
                    WHERE m.profile_id = c.profile_id)
   AND NOT EXISTS (SELECT 1 FROM project_members s
                    WHERE s.profile_id = c.profile_id AND s.project_id = ANY(CAST(:mine AS uuid[])))
   AND NOT EXISTS (SELECT 1 FROM projects so
                    WHERE so.profile_id = c.profile_id AND so.id = ANY(CAST(:mine AS uuid[])))
 ORDER BY c.score DESC, c.registered_at DESC, c.profile_id
 LIMIT :limit OFFSET :offset
"""


@cache
def builders_statement():
    return text(BUILDERS_SQL).bindparams(bindparam("mine", type_=ARRAY(Uuid)))


@dataclass
class Filters:
    role: str | None = None
    skill: str | None = None
    commitment: str | None = None
    experience: str | None = None
    country: str | None = None
    near: bool = False


def builder_params(event_id, viewer: Viewer, filters: Filters, *, page: int = 1,
                   per_page: int = BUILDERS_PER_PAGE) -> dict:
    """The bound values of the builders ranking (also used by the EXPLAIN test and bench)."""
    return {
        "event_id": event_id, "viewer_id": viewer.profile_id, "mine": viewer.project_ids,
        "have": have_bits(viewer), "can": can_bits(viewer), "open": open_bits(viewer),
        "off": viewer.utc_offset, "country": viewer.country, "region": viewer.region,
        "com": COMMITMENT_VALUE.get(viewer.commitment or ""),
        "exp": EXPERIENCE_VALUE.get(viewer.experience or ""),
        "role_bit": skills.ROLE_BY_KEY[filters.role].bit if filters.role else None,
        "skill_bit": skills.SKILL_BY_KEY[filters.skill].bit if filters.skill else None,
        "commitment": filters.commitment or None, "experience": filters.experience or None,
        "filter_country": filters.country or None,
        "near": bool(filters.near and viewer.utc_offset is not None),
        "limit": per_page, "offset": (page - 1) * per_page,
    }


def builders_sql(session, params: dict) -> str:
    """The ranking with its values written in (every value is a checked bit string,
    number, id or catalogue key). A prepared statement would settle on a generic plan
    that cannot see the viewer's values and runs ten times slower; literal values keep
    every run planned for its viewer."""
    return str(builders_statement().bindparams(**params).compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))


def rank_builders(session, event_id, viewer: Viewer, filters: Filters | None = None, *,
                  page: int = 1, per_page: int = BUILDERS_PER_PAGE) -> tuple[list, bool]:
    """Return ``(rows, more)``: one page of suggested teammates, best first (one
    statement), and whether another page follows.

    Each row has profile_id, registered_at, the candidate's bits and offset, the five
    components k, r, z, m, x and the score.
    """
    params = builder_params(event_id, viewer, filters or Filters(), page=page,
                            per_page=per_page + 1)
    params["offset"] = (page - 1) * per_page
    rows = session.execute(text(builders_sql(session, params))).all()
    return rows[:per_page], len(rows) > per_page


def builder_cards(session, ids) -> dict:
    """Return ``{profile_id: Profile}`` for the shown candidates who are still visible."""
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(
        select(Profile).where(Profile.id.in_(ids), visible()))}


# --- Why chips ------------------------------------------------------------------------

def _more(labels: list[str], shown: int) -> str:
    head = ", ".join(labels[:shown])
    return head + (f" +{len(labels) - shown}" if len(labels) > shown else "")


def _andnot(a: str, b: str) -> str:
    return "".join("1" if x == "1" and y == "0" else "0" for x, y in zip(a, b))


def _and(a: str, b: str) -> str:
    return "".join("1" if x == "1" and y == "1" else "0" for x, y in zip(a, b))


def _z_chip(z: int, d: int | None) -> str | None:
    if z < 5:
        return None
    if d is not None:
        return "Same time zone" if d == 0 else "Adjacent time zone" if d <= 60 \
            else "Within 3 hours"
    return "Same region" if z == 15 else "Same country"


def _m_chip(m: int) -> str | None:
    return {10: "Same commitment", 5: "Similar commitment"}.get(m)


def builder_chips(row, viewer: Viewer) -> list[str]:
    """The why chips of one candidate, in the fixed order, one per component ≥ 5."""
    chips = []
    if row.k >= 5:
        missing = skills.from_bits(_andnot(row.skill_bits, have_bits(viewer)), skills.SKILLS)
        chips.append("Brings " + _more([s.label for s in missing], 2))
    if row.r == 25:
        fills = skills.from_bits(_and(row.role_bits, open_bits(viewer)), skills.ROLES)
        chips.append("Fills your open role: " + _more([r.label for r in fills], 1))
    elif row.r == 10:
        extra = skills.from_bits(_andnot(row.role_bits, can_bits(viewer)), skills.ROLES)
        chips.append("Can fill " + _more([r.label for r in extra], 1))
    d = abs(row.off - viewer.utc_offset) if row.off is not None \
        and viewer.utc_offset is not None else None
    for chip in (_z_chip(row.z, d), _m_chip(row.m),
                 {10: "Experience mix", 5: "Same experience"}.get(row.x)):
        if chip:
            chips.append(chip)
    return chips


# --- Ranking projects -----------------------------------------------------------------

PROJECTS_SQL = f"""
WITH entered AS (
  SELECT p.id, p.slug, p.name, p.open_roles, p.open_role_bits, o.id AS owner_id,
         o.display_name AS owner_name, o.username AS owner_username,
         o.utc_offset_minutes AS off, o.country, o.region,
         oreg.commitment_level AS owner_commitment, team.skill_bits, team.size
    FROM event_projects ep
    JOIN projects p ON p.id = ep.project_id
    JOIN profiles o ON o.id = p.profile_id
    LEFT JOIN event_registrations oreg ON oreg.event_id = ep.event_id AND oreg.profile_id = o.id
    CROSS JOIN LATERAL (
      SELECT bit_or(q.skill_bits) AS skill_bits, count(*) AS size
        FROM profiles q
       WHERE q.id = p.profile_id
          OR q.id IN (SELECT m.profile_id FROM project_members m WHERE m.project_id = p.id)
    ) team
   WHERE ep.event_id = :event_id
     AND p.hidden_at IS NULL AND o.hidden_at IS NULL AND o.banned_at IS NULL
     AND bit_count(p.open_role_bits & CAST(:roles AS bit(16))) > 0
     AND p.profile_id <> :viewer_id
     AND NOT EXISTS (SELECT 1 FROM project_members vm
                      WHERE vm.project_id = p.id AND vm.profile_id = :viewer_id)
)
SELECT * FROM (
SELECT e.id, e.slug, e.name, e.open_roles, e.open_role_bits::text AS open_role_bits,
       e.owner_id, e.owner_name, e.owner_username, e.off, e.size,
       e.skill_bits::text AS team_skill_bits,
       20 * least(bit_count(e.open_role_bits & CAST(:roles AS bit(16))), 2) AS w,
       10 * least(bit_count(CAST(:skills AS bit(64)) & ~e.skill_bits), 3) AS n,
       {_z_sql("CAST(:off AS int)", "e.off", "CAST(:country AS text)", "e.country",
               "CAST(:region AS text)", "e.region")} AS z,
       {_m_sql("CAST(:com AS int)", COMMITMENT_RANK.format(col="e.owner_commitment"))} AS m,
       EXISTS (SELECT 1 FROM join_requests jr
                WHERE jr.project_id = e.id AND jr.requester_id = :viewer_id
                  AND jr.status = 'pending' AND jr.expires_at > :now) AS requested,
       count(*) OVER () AS total
  FROM entered e
 WHERE e.size < :team_limit) ranked
 ORDER BY w + n + z + m DESC, size, slug
 LIMIT :limit OFFSET :offset
"""


def rank_projects(session, event_id, viewer: Viewer, *, now, team_limit: int, page: int = 1,
                  per_page: int = PROJECTS_PER_PAGE) -> tuple[list, int]:
    """Return ``(rows, total)``: projects entered in the event with room and an open role
    the viewer can fill, best first (one statement). Each row has the score's parts
    ``w`` (wanted roles), ``n`` (needed skills), ``z``, ``m`` and ``requested`` (the
    viewer's pending request)."""
    if not viewer.has_roles:
        return [], 0
    rows = session.execute(text(PROJECTS_SQL), {
        "event_id": event_id, "viewer_id": viewer.profile_id, "roles": viewer.role_bits,
        "skills": viewer.skill_bits, "off": viewer.utc_offset, "country": viewer.country,
        "region": viewer.region, "com": COMMITMENT_VALUE.get(viewer.commitment or ""),
        "team_limit": team_limit, "now": now, "limit": per_page,
        "offset": (page - 1) * per_page}).all()
    return rows, (rows[0].total if rows else 0)


def project_score(row) -> int:
    return row.w + row.n + row.z + row.m


def project_chips(row, viewer: Viewer) -> list[str]:
    """Project card chips: "Wants …", "Needs …", then the time zone and commitment chips."""
    chips = []
    wanted = skills.from_bits(_and(row.open_role_bits, viewer.role_bits), skills.ROLES)
    if wanted:
        chips.append("Wants " + _more([r.label for r in wanted], 1))
    needed = skills.from_bits(_andnot(viewer.skill_bits, row.team_skill_bits), skills.SKILLS)
    if needed and row.n >= 5:
        chips.append("Needs " + _more([s.label for s in needed], 2))
    d = abs(row.off - viewer.utc_offset) if row.off is not None \
        and viewer.utc_offset is not None else None
    for chip in (_z_chip(row.z, d), _m_chip(row.m)):
        if chip:
            chips.append(chip)
    return chips
