"""Every notification type's sentence and link, in one table.

Adding a type is one enum value (``enums.NotificationType`` plus its migration), one entry
here and one call to ``services.notify`` (or ``services.fan_out``) where it happens.

A sentence is built when a notification is shown, from the stored row: ``{actor}`` (the
actor's name, or "Someone" when the viewer may not see who it was), ``{title}`` (the
subject's name as it was), ``{event}`` (the event's current name) and ``{others}`` (for a
grouped row: how many more people did the same). A link is an endpoint and its values,
built when the notification is opened, from the ids it stores (slugs can change); the view
turns it into a URL. No flask here: the view calls ``url_for``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..enums import EventStatus, NotificationType as T

SOMEONE = "Someone"


@dataclass(frozen=True)
class Shown:
    """What a sentence and a link are built from: the row plus what the list joined."""

    type: T
    title: str | None
    actor: str                 # the name to show, or "Someone"
    count: int = 1
    event_name: str | None = None
    event_slug: str | None = None
    project_slug: str | None = None
    subject_id: object = None
    dedupe_key: str | None = None


Link = tuple[str, dict]


@dataclass(frozen=True)
class Kind:
    """One type: its sentence (a format string or a function of ``Shown``), its link, and
    for grouped types the sentences with one and with several others."""

    sentence: str | Callable[[Shown], str]
    link: Callable[[Shown], Link]
    grouped_one: str | None = None
    grouped_many: str | None = None
    names_actor: bool = True      # moderation notices never name the moderator
    # Endpoints of pages that land with later features: when one does not exist yet the
    # view falls back to this link instead.
    fallback: Callable[[Shown], Link] | None = None


def project_page(s: Shown) -> Link:
    return "projects.show", {"slug": s.project_slug}


def event_page(s: Shown) -> Link:
    return "events.show", {"slug": s.event_slug}


def invites_page(s: Shown) -> Link:
    return "teams.invites", {}


def post_page(s: Shown) -> Link:
    return "buildlogs.post", {"post_id": s.subject_id}


def help_page(s: Shown) -> Link:
    return "mentoring.help_page", {"slug": s.event_slug}


def feed_page(s: Shown) -> Link:
    return "buildlogs.feed", {}


def roadmap_slug(s: Shown) -> str | None:
    """The idea's slug, kept in the once-ever key of roadmap notices (slugs never change):
    ``roadmap_shipped:<slug>``, ``comment_reply[:reply]:<slug>:<comment>``,
    ``mention:roadmap:<slug>:<comment>``."""
    parts = (s.dedupe_key or "").split(":")
    if parts[0] == "roadmap_shipped":
        return ":".join(parts[1:])
    if parts[0] == "comment_reply":
        return parts[2] if parts[1] == "reply" else parts[1]
    if parts[:2] == ["mention", "roadmap"]:
        return parts[2]
    return None


def idea_page(s: Shown) -> Link:
    return "roadmap.idea", {"slug": roadmap_slug(s)}


def roadmap_page(s: Shown) -> Link:
    return "roadmap.index", {}


def _mention_link(s: Shown) -> Link:
    return idea_page(s) if roadmap_slug(s) else post_page(s)


def _comment_reply_sentence(s: Shown) -> str:
    if (s.dedupe_key or "").startswith("comment_reply:reply:"):
        return f"{s.actor} replied to your comment on {s.title or ''}"
    return f"{s.actor} commented on {s.title or ''}"


STATUS_WORDS = {EventStatus.active: "{event} is live", EventStatus.judging: "{event} is in judging",
                EventStatus.complete: "{event} is complete"}


def event_status_key(event_id, status: EventStatus) -> str:
    """The once-ever key of an event reaching a status (moving back and forth: once)."""
    return f"event_status:{event_id}:{EventStatus(status).value}"


def _event_status_sentence(s: Shown) -> str:
    """The status is the last part of the once-ever key (``event_status_key``)."""
    status = (s.dedupe_key or "").rpartition(":")[2]
    words = STATUS_WORDS.get(status, STATUS_WORDS[EventStatus.active])
    return words.format(event=s.event_name or s.title)


KINDS: dict[T, Kind] = {
    T.team_invite: Kind("{actor} invited you to join {title}", invites_page),
    T.invite_accepted: Kind("{actor} accepted your invite to {title}", project_page),
    T.invite_declined: Kind("{actor} declined your invite to {title}", project_page),
    T.member_joined: Kind("{actor} joined {title} with an invite link", project_page),
    T.member_left: Kind("{actor} left {title}", project_page),
    T.member_removed: Kind("You were removed from {title}", project_page, names_actor=False),
    T.project_hidden: Kind("A moderator hid your project {title}", project_page,
                           names_actor=False),
    T.project_unhidden: Kind("Your project {title} is visible again", project_page,
                             names_actor=False),
    T.submission_made: Kind("{actor} submitted {title} to {event}",
                            lambda s: ("showcase.submission",
                                       {"slug": s.event_slug, "project_slug": s.project_slug}),
                            fallback=project_page),
    T.review_received: Kind("{title} received a review in {event}",
                            lambda s: ("hackathon_results.project_reviews", {"slug": s.project_slug}),
                            fallback=project_page, names_actor=False),
    T.judge_assigned: Kind("You are a judge for {event}",
                           lambda s: ("queues.judge_page", {"slug": s.event_slug}),
                           fallback=event_page, names_actor=False),
    T.results_published: Kind("Results are out for {event}",
                              lambda s: ("hackathon_results.event_results", {"slug": s.event_slug}),
                              fallback=event_page, names_actor=False),
    T.event_status: Kind(_event_status_sentence, event_page, names_actor=False),
    # Build logs: the subject is the post (comments and mentions are wired with them).
    T.join_request_received: Kind("{actor} asked to join {title}", invites_page),
    T.join_request_accepted: Kind("{actor} accepted your request to join {title}",
                                  project_page),
    T.join_request_declined: Kind("Your request to join {title} was declined", invites_page,
                                  names_actor=False),
    T.mention: Kind("{actor} mentioned you in {title}", _mention_link, fallback=feed_page),
    # Mentoring: help links open the event's help page; {title} is the topic (60 chars).
    T.mentor_granted: Kind("You are now a mentor", lambda s: help_page(s) if s.event_slug
                           else ("pages.dashboard", {}), names_actor=False),
    T.help_request_opened: Kind("{actor} needs help: {title}", lambda s: help_page(s),
                                fallback=event_page),
    T.help_request_claimed: Kind("{actor} picked up your help request",
                                 lambda s: help_page(s), fallback=event_page),
    T.help_request_released: Kind("{actor} released your help request back to the queue",
                                  lambda s: help_page(s), fallback=event_page),
    T.help_request_resolved: Kind("{actor} marked your help request resolved; rate the help "
                                  "you got", lambda s: help_page(s), fallback=event_page),
    T.help_request_cancelled: Kind("The help request {title} was cancelled",
                                   lambda s: help_page(s), fallback=event_page),
    T.post_comment: Kind("{actor} commented on your update in {title}", post_page,
                         fallback=feed_page,
                         grouped_one="{actor} and 1 other commented on your update in {title}",
                         grouped_many="{actor} and {others} others commented on your update "
                                      "in {title}"),
    # The roadmap: the subject is the idea; its slug rides in the key (``roadmap_slug``).
    T.comment_reply: Kind(_comment_reply_sentence, idea_page, fallback=roadmap_page,
                          grouped_one="{actor} and 1 other commented on {title}",
                          grouped_many="{actor} and {others} others commented on {title}"),
    T.roadmap_shipped: Kind("Shipped: {title}", idea_page, fallback=roadmap_page,
                            names_actor=False),
    T.ownership_transferred: Kind("You are now the owner of {title}", project_page),
    T.ownership_requested: Kind("{actor} asked to become the owner of {title}", project_page),
    T.ownership_request_reminder: Kind("Ownership of {title} passes to {actor} in 24 hours",
                                       project_page),
    T.ownership_request_declined: Kind("{actor} kept ownership of {title}", project_page),
}


def sentence(s: Shown) -> str:
    """Return the plain-text sentence of a notification as the viewer may see it."""
    kind = KINDS[s.type]
    parts = {"actor": s.actor, "title": s.title or "", "event": s.event_name or "",
             "others": s.count - 1}
    if s.count > 1 and kind.grouped_one:
        template = kind.grouped_one if s.count == 2 else kind.grouped_many
        return template.format(**parts)
    if callable(kind.sentence):
        return kind.sentence(s)
    return kind.sentence.format(**parts)


def link(s: Shown) -> Link:
    """Return ``(endpoint, values)`` of the page a notification opens."""
    return KINDS[s.type].link(s)


def fallback_link(s: Shown) -> Link | None:
    """Return the link to use while the type's own page does not exist yet, or None."""
    fallback = KINDS[s.type].fallback
    return fallback(s) if fallback else None


def names_actor(kind: T) -> bool:
    """True when notices of this type carry who acted (moderation notices never do)."""
    return KINDS[kind].names_actor


def title_snapshot(name: str | None, *, limit: int = 100) -> str | None:
    """Return the subject's name cut to ``limit`` characters ("…" when cut)."""
    if name is None or len(name) <= limit:
        return name
    return name[:limit - 1].rstrip() + "…"
