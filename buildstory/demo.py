"""``flask seed-demo``: a living demo, idempotent — builders, events in every status.

Each feature adds its own part of the demo here through its services. Builders are
keyed by their demo identity id, events by slug, so running it twice changes nothing.
"""
from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from sqlalchemy import select

from .enums import EventStatus, ExperienceLevel, UserRole
from .events.models import Event
from .identity.models import Account
from .profiles.models import Profile

DEMO_ADMIN_EMAIL = "admin@demo.buildstory.dev"

# (display name, username, country, region) — real ISO 3166-2 codes.
BUILDERS = [
    ("Amara Okafor", "amara", "NG", "NG-LA"), ("Zoë Müller", "zoe-builds", "DE", "DE-BE"),
    ("José Álvarez", "jose_alvarez", "ES", "ES-MD"), ("Priya Raman", "priya", "IN", "IN-KA"),
    ("Kenji Watanabe", "kenji", "JP", "JP-13"), ("Léa Dubois", "lea-dubois", "FR", "FR-IDF"),
    ("Mateus Oliveira", "mateus", "BR", "BR-SP"), ("Grace Mwangi", "gracem", "KE", "KE-30"),
    ("Liam O'Connor", "liamoc", "IE", "IE-D"), ("Sofía Hernández", "sofia_h", "MX", "MX-CMX"),
    ("Noah Williams", "noahw", "US", "US-CA"), ("Emma Johansson", "emmaj", "SE", "SE-AB"),
    ("Chen Wei", "chenwei", "CN", "CN-SH"), ("Aisha Rahman", "aisha-r", "BD", "BD-13"),
    ("Oluwaseun Adeyemi", "seun", "NG", "NG-OY"), ("Björn Nilsson", "bjorn", "SE", "SE-O"),
    ("Hana Kovač", "hana-k", "HR", "HR-21"), ("Tomás Silva", "tomas", "PT", "PT-11"),
    ("Fatima Zahra", "fatimaz", "MA", "MA-CAS"), ("Lucas Martin", "lucasm", "CA", "CA-QC"),
    ("Isabella Rossi", "isa_rossi", "IT", "IT-MI"), ("Arjun Mehta", "arjun", "IN", "IN-MH"),
    ("Mia Schneider", "mia-s", "AT", "AT-9"), ("Ethan Brown", "ethanb", "US", "US-NY"),
    ("Yuki Tanaka", "yuki", "JP", "JP-27"), ("Olivia Smith", "olivia", "GB", "GB-ENG"),
    ("Mohammed Al-Farsi", "malfarsi", "AE", "AE-DU"), ("Nadia Petrova", "nadia", "BG", "BG-22"),
    ("Diego Fernández", "diegof", "AR", "AR-C"), ("Ava Thompson", "avat", "AU", "AU-NSW"),
    ("Kwame Mensah", "kwame", "GH", "GH-AA"), ("Sara Lindqvist", "saral", "FI", "FI-18"),
    ("Daniel Kim", "dkim", "KR", "KR-11"), ("Chloé Lefèvre", "chloe", "BE", "BE-BRU"),
    ("Rafael Costa", "rafa-costa", "BR", "BR-RJ"), ("Ingrid Hansen", "ingrid", "NO", "NO-03"),
    ("Mehmet Yılmaz", "mehmet", "TR", "TR-34"), ("Ana Popescu", "ana-p", "RO", "RO-B"),
    ("Samuel Cohen", "samc", "IL", "IL-TA"), ("Thandiwe Ndlovu", "thandi", "ZA", "ZA-GP"),
    ("Lukas Novák", "lukas_n", "CZ", "CZ-10"), ("Marta Kowalska", "marta", "PL", "PL-14"),
    ("Jack Taylor", "jackt", "NZ", "NZ-AUK"), ("Camila Rojas", "camila", "CL", "CL-RM"),
    ("Nguyễn Văn An", "an-nguyen", "VN", "VN-SG"), ("Siti Nurhaliza", "siti", "MY", "MY-14"),
    ("Pedro Gómez", "pedrog", "CO", "CO-DC"), ("Eva Horváth", "eva-h", "HU", "HU-BU"),
    ("Ruth Bekele", "ruth", "ET", "ET-AA"), ("Oscar Lindgren", "oscarl", "DK", "DK-84"),
]

BIOS = [
    "Building **agents** that file my expenses so I never have to. Previously backend at a fintech.",
    "Designer turned builder. I prototype with Claude and ship with _whatever works_.",
    "Teaching LLMs to read messy PDFs. Weekend hackathon regular.",
    "Full-stack dev exploring voice interfaces. Ask me about latency budgets.",
    "Data scientist shipping small tools for farmers. Looking for a frontend teammate!",
    "I build tiny games with AI-generated levels. ~~Sleep~~ is optional during events.",
    "Product engineer. Currently: an AI tutor for high-school chemistry.",
    "Student learning by shipping. First hackathon was last spring and I am hooked.",
    "Infra person who likes evals more than is healthy. See [my notes](https://example.com/notes).",
    "Open-source maintainer. Building a local-first note app with on-device models.",
]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)


def seed_builders(session, rng: random.Random) -> int:
    """Create the demo builders that are missing; return how many were created."""
    existing = set(session.scalars(select(Profile.clerk_id).where(Profile.clerk_id.like("demo_%"))))
    levels = list(ExperienceLevel)
    created = 0
    for i, (name, username, country, region) in enumerate(BUILDERS):
        identity = f"demo_{username}"
        if identity in existing:
            continue
        session.add(Profile(
            clerk_id=identity, username=username, display_name=name, country=country,
            region=region, experience_level=levels[i % len(levels)], bio=BIOS[i % len(BIOS)],
            github_handle=username.replace("_", "-") if i % 3 == 0 else None,
            twitter_handle=username.replace("-", "_")[:15] if i % 4 == 0 else None,
            website_url=f"https://{username.replace('_', '-')}.example.com/" if i % 5 == 0 else None,
            allow_invites=i % 7 != 3,
            search_text=Profile.compute_search_text(username, name),
            created_at=_now() - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23)),
        ))
        created += 1
    session.flush()
    return created


def new_admin_password() -> str:
    """A random password for the demo admin (printed once by `flask seed-demo`)."""
    return secrets.token_urlsafe(12)


def seed_admin(session, hasher: PasswordHasher, password: str | None = None) -> bool:
    """Create the demo admin account when missing; return whether it was created.

    The password is random unless given, and only its hash is stored: `flask seed-demo`
    prints it once, when it creates the account.
    """
    identity = "demo_admin"
    created = session.get(Account, identity) is None
    if created:
        session.add(Account(id=identity, email=DEMO_ADMIN_EMAIL,
                            password_hash=hasher.hash(password or new_admin_password()),
                            password_changed_at=_now()))
    if session.scalar(select(Profile).where(Profile.clerk_id == identity)) is None:
        session.add(Profile(clerk_id=identity, username="demo-admin", display_name="Demo Admin",
                            role=UserRole.admin, country="GB", region="GB-SCT",
                            experience_level=ExperienceLevel.ships_constantly,
                            search_text=Profile.compute_search_text("demo-admin", "Demo Admin")))
    session.flush()
    return created


EVENTS = [
    # slug, name, status, start offset (days), length (days), featured
    ("winter-agents-jam", "Winter Agents Jam", EventStatus.active, -3, 10, True),
    ("spring-build-sprint", "Spring Build Sprint", EventStatus.open, 30, 14, False),
    ("voice-ai-weekend", "Voice AI Weekend", EventStatus.judging, -12, 3, False),
    ("autumn-shipathon", "Autumn Shipathon", EventStatus.complete, -70, 7, False),
    ("summer-tools-hack", "Summer Tools Hack", EventStatus.draft, 120, 7, False),
]

EVENT_TEXT = ("A time-boxed build event for people who build with AI. **Ship something real** "
              "in public, alone or with a team.\n\nShare progress, ask for help, and demo what "
              "you made at the end. Beginners welcome.")


def seed_events(session) -> int:
    """Create the demo events that are missing (one per status); return how many."""
    have = set(session.scalars(select(Event.slug)))
    created = 0
    for slug, name, status, offset, length, featured in EVENTS:
        if slug in have:
            continue
        starts = _now() + timedelta(days=offset)
        session.add(Event(name=name, slug=slug, description=EVENT_TEXT, starts_at=starts,
                          ends_at=starts + timedelta(days=length), status=status,
                          featured=featured and not session.scalar(
                              select(Event.id).where(Event.featured)),
                          registration_opens_at=starts - timedelta(days=45)))
        created += 1
    session.flush()
    return created


def seed_demo(session, *, hasher: PasswordHasher, admin_password: str | None = None) -> dict:
    """Create every missing part of the demo; return counts of what was created
    (``admin``: 1 when the demo admin was created with ``admin_password``)."""
    rng = random.Random(42)
    counts = {"builders": seed_builders(session, rng), "events": seed_events(session)}
    counts["admin"] = int(seed_admin(session, hasher, admin_password))
    # Each feature adds its part of the demo through its own services, in this order.
    for seeder in FEATURE_SEEDERS:
        counts.update(seeder(session, rng) or {})
    return counts


# Feature seeders: ``seed(session, rng) -> dict of counts``, idempotent, in dependency order.
FEATURE_SEEDERS: list = []

from .events import demo as _events_demo  # noqa: E402  (seeders import this module's data)

FEATURE_SEEDERS.append(_events_demo.seed)  # registrations first: projects enter events after

from .projects import demo as _projects_demo  # noqa: E402

FEATURE_SEEDERS.append(_projects_demo.seed)  # after registrations: projects enter events

from .teams import demo as _teams_demo  # noqa: E402

FEATURE_SEEDERS.append(_teams_demo.seed)  # after projects: teams form on the demo projects

from .hackathon import demo as _hackathon_demo  # noqa: E402

FEATURE_SEEDERS.append(_hackathon_demo.seed)  # after projects and teams: the hackathon loop

from .applications import demo as _applications_demo  # noqa: E402
from .draws import demo as _draws_demo  # noqa: E402
from .streams import demo as _streams_demo  # noqa: E402

FEATURE_SEEDERS.append(_applications_demo.seed)  # mentor applications, sponsorship inquiries
FEATURE_SEEDERS.append(_streams_demo.seed)  # after registrations: featured-event channels
FEATURE_SEEDERS.append(_draws_demo.seed)  # after registrations: the past event's draw

from .moderation import demo as _moderation_demo  # noqa: E402

from .matching import demo as _matching_demo  # noqa: E402

FEATURE_SEEDERS.append(_matching_demo.seed)  # after teams: skills, open roles, a join request

FEATURE_SEEDERS.append(_moderation_demo.seed)  # last: moderates some of the demo's builders

from .reports import demo as _reports_demo  # noqa: E402

FEATURE_SEEDERS.append(_reports_demo.seed)  # after moderation: reports of visible content

from .profiles import demo as _profiles_demo  # noqa: E402

FEATURE_SEEDERS.append(_profiles_demo.seed)  # any position: a few demo builders' avatars

from .buildlogs import demo as _buildlogs_demo  # noqa: E402

FEATURE_SEEDERS.append(_buildlogs_demo.seed)  # after moderation: posts by visible builders only

from .roadmap import demo as _roadmap_demo  # noqa: E402

FEATURE_SEEDERS.append(_roadmap_demo.seed)  # after builders: ideas, upvotes and comments

from .mentoring import demo as _mentoring_demo  # noqa: E402

FEATURE_SEEDERS.append(_mentoring_demo.seed)  # after projects and teams: mentors, a live queue

from .teams import ownership_demo as _ownership_demo  # noqa: E402

FEATURE_SEEDERS.append(_ownership_demo.seed)  # after teams and events: a pending ownership request
