"""Demo mentor applications and sponsorship inquiries, in every status (idempotent by email)."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..enums import SponsorshipStatus
from ..profiles.models import Profile
from . import services
from .models import MentorApplication, SponsorshipInquiry

MENTORS = [
    # name, email, discord, x, github, website, types, background, availability, decision
    ("Nia Okonkwo", "nia.okonkwo@example.com", "nia_ok", "nia_builds", "nia-ok", "https://nia.example.com",
     ["technical"], "Staff engineer on an LLM evaluation team; ran eval clinics at three hackathons.",
     "Weekday evenings, 18:00–21:00 WAT", None),
    ("Tobias Brandt", "tobias@example.com", "tbrandt", "", "tbrandt", "",
     ["design", "growth"], "Product designer for ten years; helped two AI startups find their first 1,000 users.",
     "Saturday mornings CET", None),
    ("Mei Lin", "mei.lin@example.com", "meilin", "meilin_ai", "", "https://meilin.example.org",
     ["technical", "growth"], "Founder of a voice-AI tools company; angel investor; loves latency budgets.",
     "Two hours a week, flexible", True),
    ("Carlos Mendes", "carlos.mendes@example.com", "cmendes", "", "carlos-m", "",
     ["design"], "Design systems lead. Happy to review onboarding flows and landing pages.",
     "Sunday afternoons BRT", True),
    ("Jordan Price", "jordan.price@example.com", "jprice", "", "", "",
     ["growth"], "Marketing generalist, mostly B2B SaaS.", "Not sure yet", False),
]

SPONSORS = [
    # company, contact, email, website, offer, notes, path through the workflow
    ("Vectorly", "Sam Patel", "partnerships@vectorly.example", "https://vectorly.example",
     "$2,000 in vector database credits for every team that ships.", "Could also send a judge.",
     []),
    ("Promptworks", "Elena Ruiz", "elena@promptworks.example", "https://promptworks.example",
     "Three $500 prizes for the best developer tools.", None, ["contacted"]),
    ("GPU Garden", "Ken Adams", "ken@gpugarden.example", "",
     "100 hours of A100 time for the winning team.", "Only for the spring sprint.",
     ["contacted", "accepted"]),
    ("Crypto Moon", "Rex Vale", "rex@cryptomoon.example", "",
     "Tokens for everyone who mentions us.", None, ["declined"]),
]


def seed(session, rng: random.Random) -> dict:
    """Create the missing demo applications and inquiries, reviewed by the demo admin."""
    admin = session.scalar(select(Profile).where(Profile.clerk_id == "demo_admin"))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    have = set(session.scalars(select(MentorApplication.email)))
    mentors = 0
    for i, (name, email, discord, x, gh, web, types, background, avail, decision) in enumerate(MENTORS):
        if email in have:
            continue
        when = now - timedelta(days=20 - i * 3, hours=rng.randint(0, 12))
        row = services.submit_mentor_application(session, {
            "name": name, "email": email, "discord_handle": discord, "twitter_handle": x,
            "github_handle": gh, "website_url": web, "mentor_types": types,
            "background": background, "availability": avail}, now=when)
        if decision is not None and admin is not None:
            services.review_mentor_application(session, row, admin, approve=decision,
                                               now=when + timedelta(days=2))
        mentors += 1
    have = set(session.scalars(select(SponsorshipInquiry.email)))
    sponsors = 0
    for i, (company, contact, email, web, offer, notes, path) in enumerate(SPONSORS):
        if email in have:
            continue
        when = now - timedelta(days=15 - i * 3, hours=rng.randint(0, 12))
        row = services.submit_sponsorship_inquiry(session, {
            "company_name": company, "contact_name": contact, "email": email,
            "website_url": web, "offer_description": offer, "additional_notes": notes or ""},
            now=when)
        for step, status in enumerate(path if admin is not None else []):
            services.move_sponsorship_inquiry(session, row, admin, SponsorshipStatus(status),
                                              now=when + timedelta(days=step + 1))
        sponsors += 1
    session.flush()
    return {"mentor applications": mentors, "sponsorship inquiries": sponsors}
