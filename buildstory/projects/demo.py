"""Demo projects: ~20 projects of the demo builders, entered in the events they joined.

Runs after the events seeder (registrations). Projects are keyed by slug, entries by
(event, project), so running it twice changes nothing.
"""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..enums import EventStatus
from ..events.models import Event, EventRegistration
from ..profiles.models import Profile
from . import services
from .models import EventProject, Project

# owner username, name, slug, description, starting point, goal, repository, live site,
# events (by slug) the project is entered in when its owner is registered.
PROJECTS = [
    ("amara", "Receipt Whisperer", "receipt-whisperer",
     "Snap a photo of a receipt and an agent files it in the right **expense category**, "
     "flags duplicates and drafts the monthly report.\n\nBuilt for freelancers who hate "
     "bookkeeping.", "existing", "Handle 95% of receipts without a human touching them.",
     "https://github.com/amara/receipt-whisperer", "https://receipts.example.com/",
     ["winter-agents-jam", "autumn-shipathon"]),
    ("zoe-builds", "Sketch to Site", "sketch-to-site",
     "Draw a wireframe on paper, get a working *responsive* page back. Uses a vision model "
     "for layout and a small rules engine for accessibility fixes.", "new",
     "A demo that turns three napkin sketches into pages live on stage.",
     "https://github.com/zoe-builds/sketch-to-site", None, ["winter-agents-jam"]),
    ("jose_alvarez", "Tapas Tutor", "tapas-tutor",
     "A Spanish conversation partner that adapts to your level and corrects you gently. "
     "Voice in, voice out, with a transcript you can review later.", "new",
     "Ten beta learners practising daily by the end of the event.",
     "https://github.com/jose-alvarez/tapas-tutor", "https://tapas.example.com/",
     ["voice-ai-weekend"]),
    ("priya", "PDF Untangler", "pdf-untangler",
     "Extracts tables from messy scanned PDFs into clean CSV. Handles **merged cells**, "
     "rotated pages and footnotes.\n\nSee the [sample outputs](https://example.com/samples).",
     "existing", "Beat our current accuracy on the 200-document benchmark.",
     "https://github.com/priya/pdf-untangler", None,
     ["winter-agents-jam", "autumn-shipathon"]),
    ("kenji", "Haiku Garden", "haiku-garden",
     "A tiny game where you grow a garden by writing haiku. The model judges syllables "
     "and imagery; the garden remembers your best lines.", "new", None,
     "https://github.com/kenji/haiku-garden", "https://haiku.example.com/",
     ["spring-build-sprint"]),
    ("lea-dubois", "Meeting Minutes", "meeting-minutes",
     "Joins your video call, writes minutes with decisions and owners, and sends them "
     "before everyone has closed the tab.", "existing",
     "Support French and English meetings equally well.",
     "https://github.com/lea-dubois/meeting-minutes", None, ["winter-agents-jam"]),
    ("mateus", "Farm Forecast", "farm-forecast",
     "SMS assistant that answers smallholder farmers' questions about weather, planting "
     "windows and prices, in Portuguese and Spanish.", "new",
     "Pilot with three cooperatives near Campinas.",
     "https://github.com/mateus/farm-forecast", None, ["winter-agents-jam"]),
    ("gracem", "Clinic Queue", "clinic-queue",
     "Triage helper for community clinics: patients describe symptoms by voice, staff see "
     "a ranked queue with ~~guesswork~~ *reasons*.", "new", None,
     "https://github.com/gracem/clinic-queue", None, ["voice-ai-weekend"]),
    ("liamoc", "Commit Poet", "commit-poet",
     "A git hook that writes commit messages people actually want to read. Suggests, "
     "never commits on its own.", "existing", "Ship it as a pip package.",
     "https://github.com/liamoc/commit-poet", None, []),
    ("sofia_h", "Recipe Remix", "recipe-remix",
     "Tell it what is in your fridge and who is coming for dinner; it plans a menu, "
     "scales recipes and writes the shopping list.", "new",
     "A menu for 8 from whatever is left on a Sunday.",
     None, "https://remix.example.com/", ["spring-build-sprint"]),
    ("noahw", "Bug Bounty Buddy", "bug-bounty-buddy",
     "Reads a web app's public docs and proposes **test cases** for common security "
     "mistakes. For teams without a security person.", "existing", None,
     "https://github.com/noahw/bug-bounty-buddy", None, ["winter-agents-jam"]),
    ("emmaj", "Study Buddy", "study-buddy",
     "Turns lecture recordings into flashcards and spaced-repetition quizzes. Works "
     "offline once the cards are made.", "new", "Cover a full semester of one course.",
     "https://github.com/emmaj/study-buddy", "https://study.example.com/", []),
    ("chenwei", "Shader Sensei", "shader-sensei",
     "Describe a visual effect in words and get a GLSL shader with an explanation of "
     "every line.", "new", None, "https://github.com/chenwei/shader-sensei", None,
     ["autumn-shipathon"]),
    ("aisha-r", "Grant Writer", "grant-writer",
     "Helps small nonprofits draft grant applications from their past reports, keeping "
     "their own voice.", "existing", "Two real applications submitted with it.",
     None, None, ["winter-agents-jam"]),
    ("seun", "Naija Pidgin Translator", "pidgin-translator",
     "Translation between English and Nigerian Pidgin, trained with community-sourced "
     "examples and reviewed by native speakers.", "new", None,
     "https://github.com/seun/pidgin-translator", None, ["spring-build-sprint"]),
    ("bjorn", "Trail Talk", "trail-talk",
     "An offline hiking companion: identifies plants from photos and tells the story of "
     "the trail as you walk.", "new", "Run fully on-device on a mid-range phone.",
     "https://github.com/bjorn/trail-talk", None, ["voice-ai-weekend"]),
    ("hana-k", "Docs Doctor", "docs-doctor",
     "Finds outdated code samples in your documentation by running them, then proposes "
     "fixes as pull requests.", "existing", None,
     "https://github.com/hana-k/docs-doctor", "https://docsdoctor.example.com/",
     ["winter-agents-jam"]),
    ("tomas", "Surf Report Bot", "surf-report-bot",
     "A friendly bot that reads buoy data and tells you, in plain words, whether it is "
     "worth getting up early tomorrow.", "new", None, None, None, []),
    ("fatimaz", "Souk Price Check", "souk-price-check",
     "Photograph a price tag at the market and see what the same item costs elsewhere in "
     "town, in Darija, French or English.", "new", "Cover 200 common items.",
     "https://github.com/fatimaz/souk-price-check", None, ["spring-build-sprint"]),
    ("lucasm", "Podcast Clipper", "podcast-clipper",
     "Finds the best 60 seconds of a podcast episode and makes a captioned vertical clip "
     "for social media.", "existing", None,
     "https://github.com/lucasm/podcast-clipper", "https://clipper.example.com/",
     ["winter-agents-jam", "voice-ai-weekend"]),
]


def _now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def _values(name, slug, description, starting_point, goal, github, live) -> dict:
    return {"name": name, "slug": slug, "description": description,
            "starting_point": starting_point or "", "goal_text": goal or "",
            "github_url": github or "", "live_url": live or ""}


def _entry_time(event, created: datetime, now: datetime) -> datetime:
    """Return a plausible entry time: after the project existed, during the event, not later
    than now."""
    when = max(created + timedelta(hours=1), min(event.starts_at + timedelta(hours=5), now))
    return min(when, now, event.ends_at - timedelta(hours=1))


def _enter(session, project, event, owner, registered, entries, now) -> bool:
    """Enter through the service while the event takes entries; closed events took their
    entries while they were open, so those are written directly (as registrations are)."""
    if (event.id, project.id) in entries or (event.id, owner.id) not in registered:
        return False
    when = _entry_time(event, project.created_at, now)
    if event.status in (EventStatus.open, EventStatus.active):
        services.enter_event(session, project, event, owner, now=when)
    elif event.status != EventStatus.draft:
        session.add(EventProject(event_id=event.id, project_id=project.id,
                                 entered_by=owner.id, submitted_at=when))
    else:
        return False
    return True


def seed(session, rng: random.Random) -> dict:
    """Create the missing demo projects and entries; return how many of each were made."""
    now = _now()
    owners = {p.username: p for p in session.scalars(
        select(Profile).where(Profile.username.in_({row[0] for row in PROJECTS})))}
    events = {e.slug: e for e in session.scalars(select(Event))}
    existing = {p.slug: p for p in session.scalars(
        select(Project).where(Project.slug.in_({row[2] for row in PROJECTS})))}
    registered = {tuple(row) for row in session.execute(
        select(EventRegistration.event_id, EventRegistration.profile_id))}
    entries = {tuple(row) for row in session.execute(
        select(EventProject.event_id, EventProject.project_id))}
    made = entered = 0
    for username, name, slug, text, point, goal, github, live, event_slugs in PROJECTS:
        owner = owners.get(username)
        if owner is None:
            continue
        project = existing.get(slug)
        created = now - timedelta(days=rng.randint(2, 40), hours=rng.randint(0, 23))
        starts = [events[e].starts_at for e in event_slugs if e in events]
        if starts:  # the project existed before the first event it was entered in
            created = min(created, min(starts) - timedelta(days=rng.randint(1, 6)))
        if project is None:
            project = services.create_project(
                session, owner, _values(name, slug, text, point, goal, github, live),
                now=created)
            made += 1
        for event_slug in event_slugs:
            event = events.get(event_slug)
            if event is not None and _enter(session, project, event, owner, registered,
                                            entries, now):
                entries.add((event.id, project.id))
                entered += 1
    session.flush()
    return {"projects": made, "project entries": entered}
