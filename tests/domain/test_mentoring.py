"""Mentors and help requests: the rules of docs/rules.md "Mentor help" on a real database."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from buildstory.applications import services as applications
from buildstory.audit import AuditLog
from buildstory.enums import HelpRequestStatus as S, MentorStatus, NotificationType as T
from buildstory.errors import Conflict, Forbidden, NotFound, ValidationFailed
from buildstory.mail.models import EmailOutbox
from buildstory.mentoring import notices, queries, rules, services, tokens
from buildstory.mentoring.models import HelpRequest, Mentor
from buildstory.moderation import services as moderation
from buildstory.notifications import registry
from buildstory.notifications.models import Notification, NotificationFanout
from buildstory.ratelimits import RateLimited
from tests.factories import (AccountFactory, EventFactory, EventProjectFactory,
                             MentorApplicationFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, utcnow)
from tests.mentoring_factories import HelpRequestFactory, MentorFactory

pytestmark = pytest.mark.usefixtures("db_session")


def _form(**values):
    base = {"topic": "Deploy fails", "details": "Vercel says 500", "kind": "technical"}
    base.update(values)
    return MultiDict(base)


def _team_event():
    event = EventFactory(active=True)
    project = ProjectFactory()
    EventProjectFactory(event=event, project=project)
    return event, project


def _notes(session, kind):
    return session.execute(select(Notification.recipient_id, Notification.title)
                           .where(Notification.type == kind)).all()


# --- asking ---------------------------------------------------------------------------------

def test_a_team_asks_for_help_and_matching_mentors_hear_it_through_the_fan_out(db_session):
    event, project = _team_event()
    member = ProfileFactory()
    ProjectMemberFactory(project=project, profile=member)
    row = services.ask(db_session, event, member, _form(topic="x" * 70), now=utcnow())
    assert row.status == S.open and row.opened_by == member.id
    fan = db_session.scalar(select(NotificationFanout))
    assert fan.type == T.help_request_opened and fan.audience == notices.AUDIENCE
    assert fan.title == "x" * 59 + "…"  # the topic cut to 60
    # The audience: mentors of the kind, never the team's own mentor.
    technical, design = MentorFactory(mentor_types=["technical"]), MentorFactory(
        mentor_types=["design"])
    MentorFactory(profile_id=member.id, mentor_types=["technical"])
    column, conditions = notices.matching_mentors(row.id)
    ids = set(db_session.scalars(select(column).where(*conditions)))
    assert ids == {technical.profile_id}
    assert design.profile_id not in ids


def test_asking_refusals_with_their_messages(db_session):
    event, project = _team_event()
    owner = project.owner
    with pytest.raises(ValidationFailed) as bad:
        services.ask(db_session, event, owner, _form(topic="", details="", kind="music",
                                                     meeting_url="ftp://x.org"), now=utcnow())
    assert bad.value.errors == {"topic": rules.TOPIC_REQUIRED, "details": rules.DETAILS_REQUIRED,
                                "kind": rules.CHOOSE_KIND,
                                "meeting_url": "URL must use http or https"}
    with pytest.raises(Forbidden, match=rules.NOT_TEAM):
        services.ask(db_session, event, ProfileFactory(), _form(), now=utcnow())
    other = ProjectFactory(owner=owner)
    with pytest.raises(ValidationFailed) as bad:
        services.ask(db_session, event, owner, _form(project=str(other.id)), now=utcnow())
    assert bad.value.errors == {"project": rules.NOT_ENTERED}
    with pytest.raises(Forbidden, match=rules.NOT_TEAM):
        services.ask(db_session, event, owner, _form(project=str(ProjectFactory().id)),
                     now=utcnow())
    services.ask(db_session, event, owner, _form(), now=utcnow())
    with pytest.raises(Conflict, match=rules.ALREADY_OPEN):
        services.ask(db_session, event, owner, _form(), now=utcnow())
    closed = EventFactory(status="judging")
    EventProjectFactory(event=closed, project=project)
    with pytest.raises(Conflict, match=rules.QUEUE_CLOSED):
        services.ask(db_session, closed, owner, _form(), now=utcnow())


def test_ten_help_requests_an_hour_then_429(db_session):
    event = EventFactory(active=True)
    owner = ProfileFactory()
    start = utcnow()
    for i in range(10):
        project = ProjectFactory(owner=owner)
        EventProjectFactory(event=event, project=project)
        services.ask(db_session, event, owner, _form(project=str(project.id)),
                     now=start + timedelta(minutes=i))
    project = ProjectFactory(owner=owner)
    EventProjectFactory(event=event, project=project)
    with pytest.raises(RateLimited, match=rules.TOO_OFTEN) as limited:
        services.ask(db_session, event, owner, _form(project=str(project.id)),
                     now=start + timedelta(minutes=30))
    assert limited.value.status == 429 and limited.value.retry_after == 30 * 60
    # An hour after the first, one is allowed again.
    services.ask(db_session, event, owner, _form(project=str(project.id)),
                 now=start + timedelta(minutes=60, seconds=1))


# --- claiming and the rest of the life ----------------------------------------------------

def test_claim_release_resolve_rate_and_the_team_hears_each(db_session):
    request = HelpRequestFactory()
    mentor = MentorFactory()
    mentor_profile = db_session.get(services.Profile, mentor.profile_id)
    now = utcnow()
    services.claim(db_session, request.id, mentor_profile, now=now, max_claimed=3)
    db_session.refresh(request)
    assert (request.status, request.mentor_id) == (S.claimed, mentor.profile_id)
    assert request.first_claimed_at == request.claimed_at == now
    # Re-claiming your own is a no-op.
    services.claim(db_session, request.id, mentor_profile, now=now + timedelta(minutes=1),
                   max_claimed=3)
    services.release(db_session, request.id, mentor_profile, now=now + timedelta(minutes=2))
    db_session.refresh(request)
    assert request.status == S.open and request.mentor_id is None
    later = now + timedelta(minutes=3)
    services.claim(db_session, request.id, mentor_profile, now=later, max_claimed=3)
    db_session.refresh(request)
    assert request.first_claimed_at == now and request.claimed_at == later
    services.resolve(db_session, request.id, mentor_profile, now=later)
    owner = db_session.get(services.Profile, request.opened_by)
    with pytest.raises(ValidationFailed):
        services.rate(db_session, request.id, owner, MultiDict({"rating": "9"}), now=later)
    services.rate(db_session, request.id, owner, MultiDict({"rating": "4", "note": "Great"}),
                  now=later)
    with pytest.raises(Conflict, match=rules.ALREADY_RATED):
        services.rate(db_session, request.id, owner, MultiDict({"rating": "5"}), now=later)
    kinds = dict(db_session.execute(select(Notification.type, func.count())
                                    .where(Notification.recipient_id == owner.id)
                                    .group_by(Notification.type)).all())
    assert kinds == {T.help_request_claimed: 2, T.help_request_released: 1,
                     T.help_request_resolved: 1}
    shown = registry.Shown(type=T.help_request_resolved, title="t", actor="Ada")
    assert registry.sentence(shown) == ("Ada marked your help request resolved; rate the "
                                        "help you got")


def test_claim_refusals(db_session):
    request = HelpRequestFactory(kind="design")
    with pytest.raises(Forbidden, match=rules.ONLY_MENTORS):
        services.claim(db_session, request.id, ProfileFactory(), now=utcnow(), max_claimed=3)
    technical = MentorFactory(mentor_types=["technical"])
    with pytest.raises(Forbidden, match=rules.OUTSIDE_TYPES):
        services.claim(db_session, request.id, db_session.get(services.Profile,
                       technical.profile_id), now=utcnow(), max_claimed=3)
    hidden = ProfileFactory(hidden=True)
    MentorFactory(profile_id=hidden.id)
    with pytest.raises(Forbidden, match=rules.HIDDEN_MENTOR):
        services.claim(db_session, request.id, hidden, now=utcnow(), max_claimed=3)
    owner = db_session.get(services.Profile, request.opened_by)
    MentorFactory(profile_id=owner.id)
    with pytest.raises(Forbidden, match=rules.OWN_TEAM):
        services.claim(db_session, request.id, owner, now=utcnow(), max_claimed=3)
    mentor = ProfileFactory()
    MentorFactory(profile_id=mentor.id)
    for _ in range(3):
        services.claim(db_session, HelpRequestFactory().id, mentor, now=utcnow(), max_claimed=3)
    with pytest.raises(Conflict, match="You already have 3 requests in progress"):
        services.claim(db_session, request.id, mentor, now=utcnow(), max_claimed=3)
    with pytest.raises(NotFound):
        services.claim(db_session, HelpRequestFactory(hidden_at=utcnow()).id, mentor,
                       now=utcnow(), max_claimed=3)
    other = ProfileFactory()
    MentorFactory(profile_id=other.id)
    held = HelpRequestFactory()
    services.claim(db_session, held.id, other, now=utcnow(), max_claimed=3)
    with pytest.raises(Forbidden, match=rules.ONLY_CLAIMER):
        services.release(db_session, held.id, mentor, now=utcnow())
    with pytest.raises(Conflict, match=rules.NOT_IN_PROGRESS):
        services.resolve(db_session, request.id, other, now=utcnow())
    with pytest.raises(Conflict, match=rules.QUEUE_CLOSED):
        services.claim(db_session, HelpRequestFactory(event=EventFactory(status="judging")).id,
                       other, now=utcnow(), max_claimed=3)


def test_cancel_hide_unhide_and_the_mentor_hears_a_cancellation(db_session):
    request = HelpRequestFactory(topic="Design review")
    mentor = ProfileFactory()
    MentorFactory(profile_id=mentor.id)
    services.claim(db_session, request.id, mentor, now=utcnow(), max_claimed=3)
    owner = db_session.get(services.Profile, request.opened_by)
    with pytest.raises(Forbidden, match=rules.NOT_TEAM):
        services.cancel(db_session, request.id, ProfileFactory(), now=utcnow())
    services.cancel(db_session, request.id, owner, now=utcnow())
    with pytest.raises(Conflict, match=rules.ALREADY_CLOSED):
        services.cancel(db_session, request.id, owner, now=utcnow())
    assert _notes(db_session, T.help_request_cancelled) == [(mentor.id, "Design review")]
    moderator = ProfileFactory(moderator=True)
    second = HelpRequestFactory()
    services.claim(db_session, second.id, mentor, now=utcnow(), max_claimed=3)
    services.hide(db_session, moderator, second.id, now=utcnow())
    db_session.refresh(second)
    assert second.status == S.cancelled and second.hidden_at is not None
    with pytest.raises(Conflict, match=rules.ALREADY_HIDDEN):
        services.hide(db_session, moderator, second.id, now=utcnow())
    services.unhide(db_session, moderator, second.id, now=utcnow())
    with pytest.raises(Conflict, match=rules.NOT_HIDDEN):
        services.unhide(db_session, moderator, second.id, now=utcnow())
    actions = [a.action for a in db_session.scalars(select(AuditLog).order_by(AuditLog.created_at))]
    assert actions[-2:] == ["hide_help_request", "unhide_help_request"]
    meta = db_session.scalars(select(AuditLog.meta).where(
        AuditLog.action == "hide_help_request")).one()
    assert meta == {"request_id": str(second.id), "event_id": str(second.event_id),
                    "project_id": str(second.project_id)}


# --- mentors ------------------------------------------------------------------------------

def test_admin_grant_change_remove_releases_and_audits(db_session):
    admin = ProfileFactory(admin=True)
    builder = ProfileFactory()
    with pytest.raises(ValidationFailed) as bad:
        services.grant(db_session, admin, builder, [], now=utcnow())
    assert bad.value.errors == {"mentor_types": rules.SELECT_TYPE}
    with pytest.raises(Conflict, match=rules.BANNED_MENTOR):
        services.grant(db_session, admin, ProfileFactory(banned=True), ["design"], now=utcnow())
    featured = EventFactory(active=True, featured=True)
    services.grant(db_session, admin, builder, ["technical", "design"], now=utcnow(),
                   featured_event=featured)
    assert db_session.get(Mentor, builder.id).mentor_types == ["design", "technical"]
    note = db_session.scalars(select(Notification).where(
        Notification.type == T.mentor_granted)).one()
    assert note.recipient_id == builder.id and note.event_id == featured.id
    services.grant(db_session, admin, builder, ["growth"], now=utcnow())
    request = HelpRequestFactory(kind="growth")
    services.claim(db_session, request.id, builder, now=utcnow(), max_claimed=3)
    released = services.remove(db_session, admin, builder, now=utcnow())
    assert released == [request.id]
    db_session.refresh(request)
    assert request.status == S.open and db_session.get(Mentor, builder.id) is None
    log = {a.action: a.meta for a in db_session.scalars(select(AuditLog))}
    assert log["grant_mentor"] == {"mentor_types": ["design", "technical"]}
    assert log["update_mentor"] == {"old_types": ["design", "technical"],
                                    "new_types": ["growth"]}
    assert log["revoke_mentor"] == {"mentor_types": ["growth"],
                                    "released_requests": [str(request.id)]}
    assert _notes(db_session, T.help_request_released)[0][0] == request.opened_by


def test_a_ban_releases_the_mentors_requests(db_session):
    mentor = ProfileFactory()
    MentorFactory(profile_id=mentor.id)
    request = HelpRequestFactory()
    services.claim(db_session, request.id, mentor, now=utcnow(), max_claimed=3)
    moderator = ProfileFactory(moderator=True)
    moderation.ban_user(db_session, moderator, mentor, reason="spam", admin_ids=set(),
                        now=utcnow())
    db_session.refresh(request)
    assert request.status == S.open and request.mentor_id is None


def test_approval_grants_at_once_only_for_a_verified_account(db_session):
    admin = ProfileFactory(admin=True)
    verified = AccountFactory(email="ada@example.com", email_verified_at=utcnow())
    application = MentorApplicationFactory(email="ada@example.com", mentor_types=["growth"])
    applications.review_mentor_application(db_session, application, admin, approve=True,
                                           now=utcnow())
    profile_id = verified.profile.id if hasattr(verified, "profile") else None
    mentor = db_session.scalars(select(Mentor)).one()
    assert mentor.mentor_types == ["growth"] and mentor.application_id == application.id
    assert profile_id is None or mentor.profile_id == profile_id
    audit = db_session.scalars(select(AuditLog).where(AuditLog.action == "approve_mentor")).one()
    assert audit.meta["profile_id"] == str(mentor.profile_id)
    # An unverified address proves nothing: a claim link is mailed instead.
    AccountFactory(email="bob@example.com", email_verified_at=None)
    other = MentorApplicationFactory(email="bob@example.com")
    applications.review_mentor_application(db_session, other, admin, approve=True, now=utcnow())
    assert db_session.scalar(select(func.count()).select_from(Mentor)) == 1
    email = db_session.scalars(select(EmailOutbox).where(
        EmailOutbox.kind == "mentor_approved")).one()
    assert email.to_address == "bob@example.com"
    assert tokens.application_of(email.dedupe_key) == other.id
    audit = db_session.scalars(select(AuditLog).where(AuditLog.action == "approve_mentor",
                                                      AuditLog.id != audit.id)).one()
    assert audit.meta["profile_id"] is None


def test_claim_link_single_use_expiry_and_new_link(db_session):
    admin = ProfileFactory(admin=True)
    application = MentorApplicationFactory(status=MentorStatus.approved,
                                           mentor_types=["design", "growth"])
    now = utcnow()
    raw = tokens.mint(db_session, application.id, now=now, ttl_days=14)
    assert len(raw) >= 32 and application.claim_token_hash != raw
    db_session.refresh(application)
    assert application.claim_token_hash == tokens.token_hash(raw)
    with pytest.raises(NotFound, match=rules.LINK_INVALID):
        services.application_for_token(db_session, raw, now=now + timedelta(days=15))
    # A new link replaces the old one.
    services.send_new_claim_link(db_session, admin, application, now=now)
    with pytest.raises(NotFound, match=rules.LINK_INVALID):
        services.claim_link(db_session, raw, ProfileFactory(), now=now)
    raw = tokens.mint(db_session, application.id, now=now, ttl_days=14)
    claimer = ProfileFactory()
    services.claim_link(db_session, raw, claimer, now=now)
    assert db_session.get(Mentor, claimer.id).mentor_types == ["design", "growth"]
    with pytest.raises(NotFound, match=rules.LINK_INVALID):
        services.claim_link(db_session, raw, ProfileFactory(), now=now)
    claim = db_session.scalars(select(AuditLog).where(AuditLog.action == "claim_mentor")).one()
    assert claim.actor_profile_id == claimer.id
    assert claim.meta == {"application_id": str(application.id), "profile_id": str(claimer.id)}
    second = MentorApplicationFactory(status=MentorStatus.approved)
    raw = tokens.mint(db_session, second.id, now=now, ttl_days=14)
    with pytest.raises(Conflict, match=rules.ALREADY_MENTOR):
        services.claim_link(db_session, raw, claimer, now=now)
    with pytest.raises(Conflict, match=rules.ALREADY_CLAIMED):
        services.send_new_claim_link(db_session, admin, application, now=now)


# --- queue and stats ------------------------------------------------------------------------

def test_queue_oldest_first_visible_projects_kinds_and_digest(db_session):
    event = EventFactory(active=True)
    start = utcnow() - timedelta(hours=1)
    first = HelpRequestFactory(event=event, created_at=start)
    second = HelpRequestFactory(event=event, created_at=start + timedelta(minutes=5))
    HelpRequestFactory(event=event, kind="design")
    HelpRequestFactory(event=event, project=ProjectFactory(hidden=True))
    HelpRequestFactory(event=event, project=ProjectFactory(owner=ProfileFactory(banned=True)))
    HelpRequestFactory(event=event, hidden_at=utcnow())
    mentor = ProfileFactory()
    MentorFactory(profile_id=mentor.id)
    q = queries.queue(db_session, event, mentor, ["technical"])
    assert [r.id for r in q.rows] == [first.id, second.id] and q.total == 2
    again = queries.queue(db_session, event, mentor, ["technical"])
    assert again.digest == q.digest
    services.claim(db_session, first.id, mentor, now=utcnow(), max_claimed=3)
    after = queries.queue(db_session, event, mentor, ["technical"])
    assert [r.id for r in after.rows] == [second.id] and [r.id for r in after.mine] == [first.id]
    assert after.digest != q.digest


def test_stats_counts_medians_and_mentors(db_session):
    event = EventFactory(active=True)
    base = utcnow() - timedelta(hours=5)
    ada = ProfileFactory(display_name="Ada")
    for minutes, rating in ((10, 5), (30, 4), (50, None)):
        HelpRequestFactory(event=event, status=S.resolved, mentor_id=ada.id, created_at=base,
                           first_claimed_at=base + timedelta(minutes=minutes),
                           claimed_at=base + timedelta(minutes=minutes),
                           resolved_at=base + timedelta(minutes=minutes + 20), rating=rating,
                           rated_at=utcnow() if rating else None)
    HelpRequestFactory(event=event)
    HelpRequestFactory(event=event, status=S.cancelled, hidden_at=utcnow())
    stats = queries.stats(db_session, event)
    assert stats["counts"] == {S.open: 1, S.claimed: 0, S.resolved: 3, S.cancelled: 1}
    assert stats["hidden"] == 1 and stats["to_claim"] == 30 and stats["to_resolve"] == 50
    assert stats["mentors"] == [{"name": "Ada", "username": ada.username, "claimed": 0,
                                 "resolved": 3, "to_resolve": 20, "rating": 4.5,
                                 "ratings": 2}]
    empty = queries.stats(db_session, EventFactory(active=True))
    assert empty["to_claim"] is None and empty["mentors"] == []


def test_the_fan_out_reaches_matching_mentors_and_mails_the_opted_in(db_session):
    from buildstory.mail.models import NotificationPreference
    from buildstory.notifications import fanout

    event, project = _team_event()
    technical, design = MentorFactory(mentor_types=["technical"]), MentorFactory(
        mentor_types=["design"])
    keen = MentorFactory(mentor_types=["technical", "growth"])
    db_session.add(NotificationPreference(profile_id=keen.profile_id,
                                          type="help_request_opened", email=True))
    db_session.flush()
    services.ask(db_session, event, project.owner, _form(topic="Deploy fails"), now=utcnow())
    fid = db_session.scalar(select(NotificationFanout.id))
    assert fanout.run_batch(db_session, fid) is True
    notes = db_session.execute(select(Notification.recipient_id, Notification.title).where(
        Notification.type == T.help_request_opened)).all()
    assert sorted(notes) == sorted([(technical.profile_id, "Deploy fails"),
                                    (keen.profile_id, "Deploy fails")])
    mails = db_session.scalars(select(EmailOutbox.recipient_id).where(
        EmailOutbox.kind == "help_request_opened")).all()
    assert mails == [keen.profile_id]
    shown = registry.Shown(type=T.help_request_opened, title="Deploy fails",
                           actor=project.owner.display_name)
    assert registry.sentence(shown) == f"{project.owner.display_name} needs help: Deploy fails"


def test_deleting_a_mentor_releases_their_requests_unnamed(db_session):
    mentor = AccountFactory().profile
    MentorFactory(profile_id=mentor.id)
    request = HelpRequestFactory()
    services.claim(db_session, request.id, mentor, now=utcnow(), max_claimed=3)
    admin = ProfileFactory(admin=True)
    moderation.delete_user(db_session, admin, mentor, confirm=mentor.username,
                           admin_ids=set(), now=utcnow())
    db_session.refresh(request)
    assert request.status == S.open and request.mentor_id is None
    released = db_session.scalars(select(Notification).where(
        Notification.type == T.help_request_released)).one()
    assert released.recipient_id == request.opened_by and released.actor_name is None
