"""factory-boy factories for every model, with traits for the states tests need.

Objects are added to ``db.session`` (the per-test session the harness installs) and
flushed, never committed, so database defaults and ids are there at once.

    ProfileFactory(banned=True)          EventFactory(status="judging", featured=True)
    AccountFactory(password="…")         TeamInviteFactory(link=True)
"""
from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from functools import cache

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from buildstory.db import db
from buildstory.enums import (CommitmentLevel, EventStatus, ExperienceLevel, InviteStatus,
                              InviteType, MentorStatus, ProjectEventKind, SponsorshipStatus,
                              StartingPoint, TeamPreference, UserRole)
from buildstory.models import (Account, AuditLog, Avatar, DeletedIdentity, Event, EventProject,
                               EventRegistration, LegacyUser, MentorApplication, PrizeDraw,
                               Profile, Project, ProjectEvent, ProjectMember,
                               SponsorshipInquiry, TeamInvite, TwitchCategory, UserSession)

DEFAULT_PASSWORD = "correct horse battery"
# Fast Argon2 for tests only; production parameters cost ~64 MiB per hash.
HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Countries with one of their real ISO 3166-2 subdivisions.
PLACES = [("US", "US-CA"), ("GB", "GB-LND"), ("DE", "DE-BE"), ("IN", "IN-KA"),
          ("BR", "BR-SP"), ("JP", "JP-13"), ("CA", "CA-ON"), ("NG", "NG-LA")]


def utcnow() -> datetime:
    return datetime.now(UTC)


@cache
def password_hash(password: str) -> str:
    """Return an Argon2 hash of ``password`` (cached: one hash per distinct password)."""
    return HASHER.hash(password)


def token_hash(raw: str) -> str:
    """The SHA-256 hex digest stored for a link invite's token."""
    return hashlib.sha256(raw.encode()).hexdigest()


@cache
def webp_bytes() -> bytes:
    """A real 256×256 WebP image, as the avatar service would store it."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (90, 120, 200)).save(out, "WEBP", quality=60)
    return out.getvalue()


class BaseFactory(SQLAlchemyModelFactory):
    """Adds to the harness's ``db.session`` and flushes."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 (looked up per call)
        sqlalchemy_session_persistence = "flush"


class ProfileFactory(BaseFactory):
    """An active builder with a username. Traits: hidden, banned, moderator, admin,
    no_username."""

    class Meta:
        model = Profile

    class Params:
        place = factory.Iterator(PLACES)
        hidden = factory.Trait(hidden_at=factory.LazyFunction(utcnow))
        banned = factory.Trait(banned_at=factory.LazyFunction(utcnow),
                               ban_reason="Spamming the member directory")
        moderator = factory.Trait(role=UserRole.moderator)
        admin = factory.Trait(role=UserRole.admin)
        no_username = factory.Trait(username=None)

    clerk_id = factory.Sequence(lambda n: f"user_{n:06d}")
    username = factory.Sequence(lambda n: f"builder{n}")
    display_name = factory.Faker("name")
    bio = factory.Faker("sentence", nb_words=12)
    country = factory.LazyAttribute(lambda o: o.place[0])
    region = factory.LazyAttribute(lambda o: o.place[1])
    experience_level = factory.Iterator(ExperienceLevel)
    role = UserRole.user
    github_handle = factory.LazyAttribute(lambda o: o.username)
    # The model also keeps this in step on assignment; set here so it never depends on that.
    search_text = factory.LazyAttribute(
        lambda o: Profile.compute_search_text(o.username, o.display_name))


class AvatarFactory(BaseFactory):
    """A stored avatar; also sets the profile's ``avatar_hash``."""

    class Meta:
        model = Avatar

    profile = factory.SubFactory(ProfileFactory)
    data = factory.LazyFunction(webp_bytes)
    hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).hexdigest()[:16])
    content_type = "image/webp"

    @factory.post_generation
    def link_profile(obj, create, extracted, **kwargs):
        obj.profile.avatar_hash = obj.hash


class AccountFactory(BaseFactory):
    """A local account and its profile (``account.profile``; ``profile=False`` for none).

    ``password`` is hashed with fast test parameters; ``profile__…`` sets profile fields.
    """

    class Meta:
        model = Account

    class Params:
        password = DEFAULT_PASSWORD

    id = factory.Sequence(lambda n: f"user_acct{n:06d}")
    email = factory.Sequence(lambda n: f"builder{n}@example.com")
    password_hash = factory.LazyAttribute(lambda o: password_hash(o.password))

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if extracted is False:
            obj.profile = None
            return
        make = ProfileFactory if create else ProfileFactory.build
        obj.profile = make(clerk_id=obj.id, **kwargs)


class UserSessionFactory(BaseFactory):
    """A live session row for an identity."""

    class Meta:
        model = UserSession

    id = factory.Sequence(lambda n: f"sid_{n:08d}")
    identity_id = factory.Sequence(lambda n: f"user_{n:06d}")
    last_seen_at = factory.LazyFunction(utcnow)
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))
    user_agent = "Firefox on Linux"


class DeletedIdentityFactory(BaseFactory):
    class Meta:
        model = DeletedIdentity

    identity_id = factory.Sequence(lambda n: f"user_deleted{n:06d}")


class LegacyUserFactory(BaseFactory):
    class Meta:
        model = LegacyUser

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"legacy{n}@example.com")


# Start/end offsets from now for each status, so an event's times fit its status.
EVENT_WINDOWS = {
    EventStatus.draft: (timedelta(days=30), timedelta(days=32)),
    EventStatus.open: (timedelta(days=7), timedelta(days=9)),
    EventStatus.active: (timedelta(days=-1), timedelta(days=1)),
    EventStatus.judging: (timedelta(days=-5), timedelta(days=-1)),
    EventStatus.complete: (timedelta(days=-40), timedelta(days=-38)),
}


class EventFactory(BaseFactory):
    """An event, ``open`` (Upcoming) unless told otherwise.

    ``status=`` (or the traits draft/open/active/judging/complete) picks the lifecycle
    state, with start and end times that fit it; ``featured=True`` features it.
    """

    class Meta:
        model = Event

    class Params:
        draft = factory.Trait(status=EventStatus.draft)
        open = factory.Trait(status=EventStatus.open)
        active = factory.Trait(status=EventStatus.active)
        judging = factory.Trait(status=EventStatus.judging)
        complete = factory.Trait(status=EventStatus.complete)

    name = factory.Sequence(lambda n: f"AI Build Week {n}")
    slug = factory.Sequence(lambda n: f"ai-build-week-{n}")
    description = factory.Faker("paragraph", nb_sentences=3)
    status = EventStatus.open
    starts_at = factory.LazyAttribute(
        lambda o: utcnow() + EVENT_WINDOWS[EventStatus(o.status)][0])
    ends_at = factory.LazyAttribute(lambda o: utcnow() + EVENT_WINDOWS[EventStatus(o.status)][1])
    timezone = "UTC"
    featured = False


class EventRegistrationFactory(BaseFactory):
    class Meta:
        model = EventRegistration

    event = factory.SubFactory(EventFactory)
    profile = factory.SubFactory(ProfileFactory)
    team_preference = factory.Iterator(TeamPreference)
    commitment_level = factory.Iterator(CommitmentLevel)


class ProjectFactory(BaseFactory):
    """A project owned by a new builder. Trait: hidden."""

    class Meta:
        model = Project

    class Params:
        hidden = factory.Trait(hidden_at=factory.LazyFunction(utcnow))

    owner = factory.SubFactory(ProfileFactory)
    name = factory.Faker("catch_phrase")
    slug = factory.Sequence(lambda n: f"project-{n}")
    description = factory.Faker("paragraph", nb_sentences=2)
    starting_point = factory.Iterator(StartingPoint)
    goal_text = factory.Faker("sentence")
    github_url = factory.LazyAttribute(lambda o: f"https://github.com/example/{o.slug}")


class EventProjectFactory(BaseFactory):
    """A project entered in an event by its owner."""

    class Meta:
        model = EventProject

    event = factory.SubFactory(EventFactory)
    project = factory.SubFactory(ProjectFactory)
    entered_by = factory.LazyAttribute(lambda o: o.project.owner.id)


class ProjectEventFactory(BaseFactory):
    """A line of team history, acted by the project's owner."""

    class Meta:
        model = ProjectEvent
        exclude = ("project",)

    project = factory.SubFactory(ProjectFactory)
    project_id = factory.SelfAttribute("project.id")
    actor_profile_id = factory.LazyAttribute(lambda o: o.project.owner.id)
    actor_name = factory.LazyAttribute(lambda o: o.project.owner.display_name)
    kind = ProjectEventKind.invite_sent
    subject_name = factory.Faker("name")


class TeamInviteFactory(BaseFactory):
    """A pending direct invite from the project's owner.

    Trait ``link``: no recipient, a hashed token (``raw_token`` is the secret;
    ``token_hash(raw_token)`` is stored) and an expiry 7 days out.
    """

    class Meta:
        model = TeamInvite

    class Params:
        raw_token = factory.Sequence(lambda n: f"test-invite-token-{n:06d}")
        link = factory.Trait(
            type=InviteType.link,
            recipient=None,
            token=factory.LazyAttribute(lambda o: token_hash(o.raw_token)),
            expires_at=factory.LazyFunction(lambda: utcnow() + timedelta(days=7)),
        )

    project = factory.SubFactory(ProjectFactory)
    sender = factory.SelfAttribute("project.owner")
    recipient = factory.SubFactory(ProfileFactory)
    type = InviteType.direct
    status = InviteStatus.pending


class ProjectMemberFactory(BaseFactory):
    class Meta:
        model = ProjectMember

    project = factory.SubFactory(ProjectFactory)
    profile = factory.SubFactory(ProfileFactory)


class MentorApplicationFactory(BaseFactory):
    class Meta:
        model = MentorApplication

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"mentor{n}@example.com")
    discord_handle = factory.Sequence(lambda n: f"mentor{n}")
    mentor_types = factory.LazyFunction(lambda: ["technical", "growth"])
    background = factory.Faker("paragraph", nb_sentences=3)
    availability = "Weekday evenings, UTC"
    status = MentorStatus.pending


class SponsorshipInquiryFactory(BaseFactory):
    class Meta:
        model = SponsorshipInquiry

    company_name = factory.Faker("company")
    contact_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"sponsor{n}@example.com")
    website_url = "https://example.com/"
    offer_description = factory.Faker("paragraph", nb_sentences=2)
    status = SponsorshipStatus.pending


class TwitchCategoryFactory(BaseFactory):
    class Meta:
        model = TwitchCategory

    twitch_id = factory.Sequence(lambda n: str(500000 + n))
    name = factory.Sequence(lambda n: f"Software and Game Development {n}")
    box_art_url = "https://static-cdn.jtvnw.net/ttv-boxart/1469308723-{width}x{height}.jpg"


class PrizeDrawFactory(BaseFactory):
    """A finished draw of one winner among three eligible builders."""

    class Meta:
        model = PrizeDraw
        exclude = ("event",)

    event = factory.SubFactory(EventFactory, status=EventStatus.complete)
    event_id = factory.SelfAttribute("event.id")
    seed = factory.Faker("sha256")
    algorithm = "sha256-fisher-yates/v1"
    eligible = factory.LazyFunction(lambda: [{"username": f"builder-{c}"} for c in "abc"])
    excluded_previous_winners = False
    winners = factory.LazyAttribute(lambda o: o.eligible[:1])
    winner_count = 1
    total_eligible = factory.LazyAttribute(lambda o: len(o.eligible))


class AuditLogFactory(BaseFactory):
    """An audit row made without ``audit.record`` (for list and filter tests)."""

    class Meta:
        model = AuditLog

    action = "hide_user"
    actor_name = factory.Faker("name")
    target_name = factory.Faker("name")
    meta = factory.LazyFunction(dict)
