"""Notifications: who gets one, once, grouped; the sentences; reading (services on a real DB)."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from buildstory.enums import NotificationType as T
from buildstory.errors import NotFound
from buildstory.models import Notification
from buildstory.notifications import queries, registry, services
from tests.factories import EventFactory, ProfileFactory, ProjectFactory

NOW = datetime.now(UTC)


def rows(session, **where):
    stmt = select(Notification).order_by(Notification.created_at, Notification.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Notification, name) == value)
    return list(session.scalars(stmt))


def sentences(session, profile, moderator=False):
    return [i.sentence for i in queries.page(session, profile, moderator=moderator).items]


def test_notify_writes_one_row_per_recipient_in_one_statement(db_session):
    actor, a, b = ProfileFactory(display_name="Ada"), ProfileFactory(), ProfileFactory()
    project = ProjectFactory(owner=a, name="Rocket")
    ids = services.notify(db_session, T.member_left, recipients=[a, b.id, a], actor=actor,
                          title=project.name, project_id=project.id, now=NOW)
    assert len(ids) == 2
    assert {n.recipient_id for n in rows(db_session)} == {a.id, b.id}
    assert sentences(db_session, a) == ["Ada left Rocket"]


def test_never_for_your_own_action_and_never_to_banned_builders(db_session):
    actor, banned, hidden = (ProfileFactory(), ProfileFactory(banned=True),
                             ProfileFactory(hidden=True))
    services.notify(db_session, T.member_left, recipients=[actor, banned, hidden], actor=actor,
                    title="X", now=NOW)
    assert [n.recipient_id for n in rows(db_session)] == [hidden.id]


def test_more_than_fifty_recipients_must_fan_out(db_session):
    with pytest.raises(ValueError):
        services.notify(db_session, T.member_left, recipients=[ProfileFactory() for _ in range(51)])


def test_a_dedupe_key_notifies_once_ever(db_session):
    judge = ProfileFactory()
    event = EventFactory(name="Spring Jam")
    for _ in range(2):
        services.notify(db_session, T.judge_assigned, recipients=[judge], title=event.name,
                        event_id=event.id, dedupe_key=f"judge_assigned:{event.id}", now=NOW)
    assert len(rows(db_session)) == 1
    services.mark_read(db_session, rows(db_session)[0].id, judge, now=NOW)
    services.notify(db_session, T.judge_assigned, recipients=[judge], event_id=event.id,
                    dedupe_key=f"judge_assigned:{event.id}", now=NOW)
    assert len(rows(db_session)) == 1  # read or not: once ever
    assert sentences(db_session, judge) == ["You are a judge for Spring Jam"]


def test_grouping_updates_the_unread_row_then_starts_a_new_one_once_read(db_session):
    owner, first, second = ProfileFactory(), ProfileFactory(), ProfileFactory(display_name="Bo")
    later = NOW + timedelta(minutes=5)
    services.notify(db_session, T.member_joined, recipients=[owner], actor=first, title="P",
                    group_key="g:1", now=NOW)
    services.notify(db_session, T.member_joined, recipients=[owner], actor=second, title="P",
                    group_key="g:1", now=later)
    [row] = rows(db_session)
    assert (row.count, row.actor_id, row.actor_name, row.created_at) == (2, second.id, "Bo", later)
    services.mark_read(db_session, row.id, owner, now=later)
    services.notify(db_session, T.member_joined, recipients=[owner], actor=first, title="P",
                    group_key="g:1", now=later)
    assert [r.count for r in rows(db_session)] == [2, 1]


def test_grouped_sentences_say_how_many_others():
    kind = registry.Kind("{actor} commented on {title}", registry.project_page,
                         grouped_one="{actor} and 1 other commented on {title}",
                         grouped_many="{actor} and {others} others commented on {title}")
    registry.KINDS["_test"] = kind
    try:
        def say(count):
            return registry.sentence(registry.Shown(type="_test", title="Idea", actor="Ada",
                                                    count=count))
        assert [say(1), say(2), say(4)] == ["Ada commented on Idea",
                                            "Ada and 1 other commented on Idea",
                                            "Ada and 3 others commented on Idea"]
    finally:
        del registry.KINDS["_test"]


@pytest.mark.parametrize("trait", ["hidden", "banned", "deleted"])
def test_hidden_banned_or_deleted_actors_are_someone_but_to_moderators(db_session, trait):
    owner, actor = ProfileFactory(), ProfileFactory(display_name="Mallory")
    services.notify(db_session, T.member_left, recipients=[owner], actor=actor, title="Rocket",
                    body="a note", now=NOW)
    [item] = queries.page(db_session, owner).items
    assert (item.sentence, item.actor is not None, item.excerpt) == ("Mallory left Rocket", True,
                                                                     "a note")
    if trait == "deleted":
        db_session.delete(actor)
    else:
        setattr(actor, f"{trait}_at", NOW)
    db_session.flush()
    [item] = queries.page(db_session, owner).items
    assert (item.sentence, item.actor, item.excerpt) == ("Someone left Rocket", None, None)
    [seen] = queries.page(db_session, owner, moderator=True).items
    assert seen.sentence == "Mallory left Rocket"


def test_moderation_notices_never_name_the_moderator(db_session):
    owner, moderator = ProfileFactory(), ProfileFactory(moderator=True)
    project = ProjectFactory(owner=owner, name="Rocket")
    services.notify(db_session, T.project_hidden, recipients=[owner], actor=moderator,
                    title=project.name, project_id=project.id, now=NOW)
    [row] = rows(db_session)
    assert (row.actor_id, row.actor_name) == (None, None)
    [item] = queries.page(db_session, owner).items
    assert (item.sentence, item.actor) == ("A moderator hid your project Rocket", None)


def test_every_type_has_a_sentence_and_a_link():
    assert set(registry.KINDS) == set(T)
    expected = {
        T.team_invite: "Ada invited you to join Rocket",
        T.invite_accepted: "Ada accepted your invite to Rocket",
        T.invite_declined: "Ada declined your invite to Rocket",
        T.member_joined: "Ada joined Rocket with an invite link",
        T.member_left: "Ada left Rocket",
        T.member_removed: "You were removed from Rocket",
        T.project_hidden: "A moderator hid your project Rocket",
        T.project_unhidden: "Your project Rocket is visible again",
        T.submission_made: "Ada submitted Rocket to Jam",
        T.review_received: "Rocket received a review in Jam",
        T.judge_assigned: "You are a judge for Jam",
        T.results_published: "Results are out for Jam",
    }
    for kind, words in expected.items():
        shown = registry.Shown(type=kind, title="Rocket", actor="Ada", event_name="Jam",
                               project_slug="rocket", event_slug="jam")
        assert registry.sentence(shown) == words
        assert registry.link(shown)[0]
    for status, words in (("active", "Jam is live"), ("judging", "Jam is in judging"),
                          ("complete", "Jam is complete")):
        shown = registry.Shown(type=T.event_status, title="Jam", actor="", event_name="Jam",
                               dedupe_key=registry.event_status_key("e1", status))
        assert registry.sentence(shown) == words


def test_titles_are_cut_and_bodies_flattened(db_session):
    owner = ProfileFactory()
    services.notify(db_session, T.member_left, recipients=[owner], title="x" * 130,
                    body="line one\n\nline two " + "y" * 200, now=NOW)
    [row] = rows(db_session)
    assert len(row.title) == 100 and row.title.endswith("…")
    assert len(row.body) == 140 and row.body.startswith("line one line two")


def test_list_pages_by_keyset_newest_first(db_session):
    owner = ProfileFactory()
    for i in range(45):
        services.notify(db_session, T.member_left, recipients=[owner], title=f"P{i}",
                        now=NOW + timedelta(seconds=i))
    first = queries.page(db_session, owner)
    assert [i.sentence for i in first.items][:2] == ["Someone left P44", "Someone left P43"]
    second = queries.page(db_session, owner, before=queries.decode_cursor(first.older))
    third = queries.page(db_session, owner, before=queries.decode_cursor(second.older))
    assert (len(first.items), len(second.items), len(third.items)) == (20, 20, 5)
    assert third.older is None and third.items[-1].sentence == "Someone left P0"


def test_cursors_round_trip_and_reject_junk():
    at = datetime(2026, 12, 6, 3, 4, 5, 123456, tzinfo=UTC)
    value = queries.encode_cursor(at, 42)
    assert queries.decode_cursor(value) == (at, 42)
    for junk in (None, "", "abc", "12.not-a-number", "-1.42", "1.-42", "9" * 30 + ".42",
                 "12.4e3", "12." + "9" * 30):
        assert queries.decode_cursor(junk) is None


def test_unread_count_is_capped_at_100(db_session):
    owner = ProfileFactory()
    for i in range(3):
        services.notify(db_session, T.member_left, recipients=[owner], title=f"P{i}", now=NOW)
    assert queries.unread_count(db_session, owner) == 3
    db_session.execute(Notification.__table__.insert(), [
        {"recipient_id": owner.id, "type": T.member_left, "title": "bulk"} for _ in range(150)])
    assert queries.unread_count(db_session, owner) == 100


def test_mark_read_is_for_the_recipient_only(db_session):
    owner, other = ProfileFactory(), ProfileFactory()
    [nid] = services.notify(db_session, T.member_left, recipients=[owner], title="P", now=NOW)
    with pytest.raises(NotFound):
        services.mark_read(db_session, nid, other, now=NOW)
    services.mark_read(db_session, nid, owner, now=NOW)
    services.mark_read(db_session, nid, owner, now=NOW + timedelta(hours=1))
    assert rows(db_session)[0].read_at == NOW  # the first read counts


def test_mark_all_read_stops_at_the_newest_item_shown(db_session):
    owner = ProfileFactory()
    for i in range(3):
        services.notify(db_session, T.member_left, recipients=[owner], title=f"P{i}",
                        now=NOW + timedelta(seconds=i))
    shown = queries.page(db_session, owner)
    upto = queries.decode_cursor(shown.items[0].cursor)
    services.notify(db_session, T.member_left, recipients=[owner], title="Newer",
                    now=NOW + timedelta(seconds=10))
    assert services.mark_all_read(db_session, owner, upto=upto, now=NOW) == 3
    unread = [i.sentence for i in queries.page(db_session, owner).items if i.unread]
    assert unread == ["Someone left Newer"]
    assert queries.unread_count(db_session, owner) == 1


def test_deleting_a_project_takes_its_notifications(db_session):
    from buildstory.projects import services as project_services
    owner, other = ProfileFactory(), ProfileFactory()
    project, kept = ProjectFactory(owner=owner), ProjectFactory(owner=owner)
    for p in (project, kept):
        services.notify(db_session, T.member_left, recipients=[owner], actor=other,
                        title=p.name, project_id=p.id, now=NOW)
    project_services.delete_project(db_session, project, owner)
    assert [n.project_id for n in rows(db_session)] == [kept.id]
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 1


# --- the opt-ins' email --------------------------------------------------------------------

def outbox(session):
    from buildstory.models import EmailOutbox
    return list(session.execute(select(EmailOutbox.recipient_id, EmailOutbox.kind,
                                       EmailOutbox.subject, EmailOutbox.notification_id)
                                .order_by(EmailOutbox.id)))


def mail_jobs(session):
    from sqlalchemy import text
    return session.execute(text("SELECT task_name, queue_name, priority FROM procrastinate_jobs"
                                " ORDER BY id")).all()


def test_opt_ins_get_email_queued_with_the_notification(db_session):
    from buildstory.models import NotificationPreference
    sender, invited, owner, keen = (ProfileFactory(display_name="Ada"), ProfileFactory(),
                                    ProfileFactory(), ProfileFactory())
    db_session.add(NotificationPreference(profile_id=keen.id, type="member_left", email=True))
    db_session.flush()
    [nid] = services.notify(db_session, T.team_invite, recipients=[invited], actor=sender,
                            title="Rocket", now=NOW)  # on by default
    services.notify(db_session, T.member_left, recipients=[owner, keen], actor=sender,
                    title="Rocket", now=NOW)  # off by default; keen turned it on
    assert outbox(db_session)[0] == (invited.id, "team_invite", "Ada invited you to join Rocket", nid)
    assert [(r[0], r[1]) for r in outbox(db_session)] == [(invited.id, "team_invite"),
                                                          (keen.id, "member_left")]
    assert mail_jobs(db_session) == [("mail.send", "mail", 10)] * 2


def test_a_notifying_call_costs_at_most_two_statements(app, db_session):
    from tests.querycount import count_queries
    sender, invited = ProfileFactory(), ProfileFactory()
    with count_queries(app) as q:
        services.notify(db_session, T.team_invite, recipients=[invited], actor=sender,
                        title="Rocket", now=NOW)
    assert q.count == 2  # the rows, then the outbox rows with their jobs
    with count_queries(app) as q:
        services.notify(db_session, T.member_left, recipients=[sender], actor=sender,
                        title="Rocket", now=NOW)  # nobody to tell: no email statement
    assert q.count == 1


def test_a_grouped_update_sends_no_more_email(db_session):
    owner, a, b = ProfileFactory(), ProfileFactory(), ProfileFactory()
    for actor in (a, b):
        services.notify(db_session, T.team_invite, recipients=[owner], actor=actor, title="P",
                        group_key="g", now=NOW)
    assert len(outbox(db_session)) == 1


def test_hidden_actors_are_someone_in_the_email_subject(db_session):
    sender, invited = ProfileFactory(display_name="Mallory", hidden=True), ProfileFactory()
    services.notify(db_session, T.team_invite, recipients=[invited], actor=sender,
                    title="Rocket", now=NOW)
    assert outbox(db_session)[0][2] == "Someone invited you to join Rocket"
