"""Every PostgreSQL enum type of the schema, with the labels people see (docs/rules.md "Data").

Each Python enum is a ``StrEnum`` whose values are the database values, so
``ExperienceLevel.built_a_few == "built_a_few"`` and form input compares directly;
member names equal their values.
``member.label`` gives the human label; the ``*_LABELS`` dicts are the same data for
building select options. The ``*_type`` column types at the bottom are the only place a
PostgreSQL enum type is named; models import them from here.
"""
from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa


class LabelledEnum(StrEnum):
    """A string enum whose members know their human label."""

    @property
    def label(self) -> str:
        return LABELS[type(self)][self]


class ExperienceLevel(LabelledEnum):
    """How much a builder has built with AI."""

    getting_started = "getting_started"
    built_a_few = "built_a_few"
    ships_constantly = "ships_constantly"


class EventStatus(LabelledEnum):
    """An event's place in its lifecycle (docs/rules.md "Events")."""

    draft = "draft"
    open = "open"
    active = "active"
    judging = "judging"
    complete = "complete"


class TeamPreference(LabelledEnum):
    """A registrant's team situation for an event."""

    solo = "solo"
    has_team = "has_team"
    has_team_open = "has_team_open"
    looking_for_team = "looking_for_team"


class StartingPoint(LabelledEnum):
    """Whether a project starts from scratch."""

    new = "new"
    existing = "existing"


class CommitmentLevel(LabelledEnum):
    """How much time a registrant expects to give an event."""

    all_in = "all_in"
    daily = "daily"
    nights_weekends = "nights_weekends"
    not_sure = "not_sure"


class UserRole(LabelledEnum):
    """A profile's platform role (super-admins come from configuration, not from here)."""

    user = "user"
    moderator = "moderator"
    admin = "admin"


class InviteStatus(LabelledEnum):
    """A team invite's stored status; "expired" is derived, never stored."""

    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    revoked = "revoked"


class InviteType(LabelledEnum):
    """Direct invites name a recipient; link invites carry a token hash."""

    direct = "direct"
    link = "link"


class MentorStatus(LabelledEnum):
    """Review state of a mentor application."""

    pending = "pending"
    approved = "approved"
    declined = "declined"


class SponsorshipStatus(LabelledEnum):
    """Review state of a sponsorship inquiry."""

    pending = "pending"
    contacted = "contacted"
    accepted = "accepted"
    declined = "declined"


class ProjectEventKind(LabelledEnum):
    """What happened in a project's team history."""

    invite_sent = "invite_sent"
    invite_revoked = "invite_revoked"
    joined = "joined"
    left = "left"
    removed = "removed"
    entered_event = "entered_event"
    left_event = "left_event"
    submitted = "submitted"
    submission_updated = "submission_updated"
    submission_withdrawn = "submission_withdrawn"
    join_requested = "join_requested"
    join_request_withdrawn = "join_request_withdrawn"
    join_request_accepted = "join_request_accepted"
    join_request_declined = "join_request_declined"
    ownership_transferred = "ownership_transferred"
    ownership_passed = "ownership_passed"
    ownership_succeeded = "ownership_succeeded"
    ownership_requested = "ownership_requested"
    ownership_request_withdrawn = "ownership_request_withdrawn"
    ownership_request_declined = "ownership_request_declined"


class OwnershipRequestStatus(LabelledEnum):
    """Where a member's request to take over an idle owner's project stands."""

    pending = "pending"
    declined = "declined"
    withdrawn = "withdrawn"
    transferred = "transferred"
    void = "void"


class AiToolCategory(LabelledEnum):
    """Where an AI tool sits in the catalogue (docs/rules.md "AI tools")."""

    planning = "planning"
    coding = "coding"
    code_review = "code_review"
    models = "models"
    other = "other"


class HighlightCategory(LabelledEnum):
    """A peer-review highlight's category; also the five judging criteria, in this order."""

    creativity = "creativity"
    business_case = "business_case"
    technical_challenge = "technical_challenge"
    impact = "impact"
    design = "design"


class ResultKind(LabelledEnum):
    """One list of a published result: the overall ranking or a per-category award."""

    overall = "overall"
    judges_pick = "judges_pick"
    peoples_choice = "peoples_choice"


class QueueKind(LabelledEnum):
    """The two hand-out queues: peer review and judging."""

    review = "review"
    judge = "judge"


class NotificationType(LabelledEnum):
    """What a notification is about; each has a sentence and a link in
    ``notifications/registry.py`` and an email checkbox with the label below."""

    team_invite = "team_invite"
    invite_accepted = "invite_accepted"
    invite_declined = "invite_declined"
    member_joined = "member_joined"
    member_left = "member_left"
    member_removed = "member_removed"
    project_hidden = "project_hidden"
    project_unhidden = "project_unhidden"
    submission_made = "submission_made"
    review_received = "review_received"
    judge_assigned = "judge_assigned"
    results_published = "results_published"
    event_status = "event_status"
    mention = "mention"
    post_comment = "post_comment"
    comment_reply = "comment_reply"
    roadmap_shipped = "roadmap_shipped"
    join_request_received = "join_request_received"
    join_request_accepted = "join_request_accepted"
    join_request_declined = "join_request_declined"
    mentor_granted = "mentor_granted"
    help_request_opened = "help_request_opened"
    help_request_claimed = "help_request_claimed"
    help_request_released = "help_request_released"
    help_request_resolved = "help_request_resolved"
    help_request_cancelled = "help_request_cancelled"
    ownership_transferred = "ownership_transferred"
    ownership_requested = "ownership_requested"
    ownership_request_reminder = "ownership_request_reminder"
    ownership_request_declined = "ownership_request_declined"


class JoinRequestStatus(LabelledEnum):
    """A request to join a project's team; "expired" is derived from ``expires_at``."""

    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class HelpKind(LabelledEnum):
    """What kind of help a team asks for; a mentor takes the kinds of their mentor types."""

    design = "design"
    technical = "technical"
    growth = "growth"


class HelpRequestStatus(LabelledEnum):
    """A help request's place: open → claimed → resolved, or cancelled."""

    open = "open"
    claimed = "claimed"
    resolved = "resolved"
    cancelled = "cancelled"


class PostContextType(LabelledEnum):
    """What a build-log post is about: a project (its team posts) or an AI tool."""

    project = "project"
    tool = "tool"


class PostSource(LabelledEnum):
    """Where a post came from; only ``manual`` (the web form) is written."""

    manual = "manual"
    cli = "cli"
    webhook = "webhook"


class FeatureBoardStatus(LabelledEnum):
    """Where a roadmap idea stands; inbox, closed and archived are for triagers only."""

    inbox = "inbox"
    exploring = "exploring"
    next = "next"
    now = "now"
    shipped = "shipped"
    closed = "closed"
    archived = "archived"


class ReactionEmoji(LabelledEnum):
    """The five reactions on posts and comments (their button names are the labels)."""

    fire = "fire"
    rocket = "rocket"
    lightbulb = "lightbulb"
    clap = "clap"
    wrench = "wrench"


class ReportTargetKind(LabelledEnum):
    """What a report is about (each kind registered in ``reports.registry``)."""

    profile = "profile"
    project = "project"
    post = "post"
    post_comment = "post_comment"
    review = "review"
    roadmap_item = "roadmap_item"
    roadmap_comment = "roadmap_comment"
    help_request = "help_request"


class ReportReason(LabelledEnum):
    """Why a builder reports something."""

    spam = "spam"
    abuse = "abuse"
    off_topic = "off_topic"
    other = "other"


class ReportStatus(LabelledEnum):
    """A report's place in the moderators' queue."""

    open = "open"
    resolved = "resolved"
    dismissed = "dismissed"


EXPERIENCE_LEVEL_LABELS = {
    ExperienceLevel.getting_started: "Getting started",
    ExperienceLevel.built_a_few: "Built a few things",
    ExperienceLevel.ships_constantly: "Ships constantly",
}
# The short explanation shown under each experience choice.
EXPERIENCE_LEVEL_HINTS = {
    ExperienceLevel.getting_started: "New to building with AI",
    ExperienceLevel.built_a_few: "Shipped a project or two",
    ExperienceLevel.ships_constantly: "Building with AI daily",
}
EVENT_STATUS_LABELS = {
    EventStatus.draft: "Draft",
    EventStatus.open: "Upcoming",
    EventStatus.active: "Live",
    EventStatus.judging: "Judging",
    EventStatus.complete: "Past",
}
TEAM_PREFERENCE_LABELS = {
    TeamPreference.solo: "Solo",
    TeamPreference.has_team: "Have a team",
    TeamPreference.has_team_open: "Have a team, open to more",
    TeamPreference.looking_for_team: "Looking for a team",
}
STARTING_POINT_LABELS = {
    StartingPoint.new: "Brand new project",
    StartingPoint.existing: "Continuing an existing project",
}
COMMITMENT_LEVEL_LABELS = {
    CommitmentLevel.all_in: "All-in",
    CommitmentLevel.daily: "Daily",
    CommitmentLevel.nights_weekends: "Nights & weekends",
    CommitmentLevel.not_sure: "Not sure yet",
}
USER_ROLE_LABELS = {
    UserRole.user: "User",
    UserRole.moderator: "Moderator",
    UserRole.admin: "Admin",
}
INVITE_STATUS_LABELS = {
    InviteStatus.pending: "Pending",
    InviteStatus.accepted: "Accepted",
    InviteStatus.declined: "Declined",
    InviteStatus.revoked: "Revoked",
}
INVITE_TYPE_LABELS = {
    InviteType.direct: "Direct",
    InviteType.link: "Link",
}
MENTOR_STATUS_LABELS = {
    MentorStatus.pending: "Pending",
    MentorStatus.approved: "Approved",
    MentorStatus.declined: "Declined",
}
SPONSORSHIP_STATUS_LABELS = {
    SponsorshipStatus.pending: "Pending",
    SponsorshipStatus.contacted: "Contacted",
    SponsorshipStatus.accepted: "Accepted",
    SponsorshipStatus.declined: "Declined",
}
PROJECT_EVENT_KIND_LABELS = {
    ProjectEventKind.invite_sent: "Invite sent",
    ProjectEventKind.invite_revoked: "Invite revoked",
    ProjectEventKind.joined: "Joined",
    ProjectEventKind.left: "Left",
    ProjectEventKind.removed: "Removed",
    ProjectEventKind.entered_event: "Entered event",
    ProjectEventKind.left_event: "Left event",
    ProjectEventKind.submitted: "Submitted",
    ProjectEventKind.submission_updated: "Submission updated",
    ProjectEventKind.submission_withdrawn: "Submission withdrawn",
    ProjectEventKind.join_requested: "Asked to join",
    ProjectEventKind.join_request_withdrawn: "Join request withdrawn",
    ProjectEventKind.join_request_accepted: "Join request accepted",
    ProjectEventKind.join_request_declined: "Join request declined",
    ProjectEventKind.ownership_transferred: "Ownership transferred",
    ProjectEventKind.ownership_passed: "Ownership passed on request",
    ProjectEventKind.ownership_succeeded: "Ownership passed to a successor",
    ProjectEventKind.ownership_requested: "Ownership requested",
    ProjectEventKind.ownership_request_withdrawn: "Ownership request withdrawn",
    ProjectEventKind.ownership_request_declined: "Ownership request declined",
}
OWNERSHIP_REQUEST_STATUS_LABELS = {
    OwnershipRequestStatus.pending: "Pending",
    OwnershipRequestStatus.declined: "Declined",
    OwnershipRequestStatus.withdrawn: "Withdrawn",
    OwnershipRequestStatus.transferred: "Transferred",
    OwnershipRequestStatus.void: "No longer applies",
}
AI_TOOL_CATEGORY_LABELS = {
    AiToolCategory.planning: "Planning",
    AiToolCategory.coding: "Coding",
    AiToolCategory.code_review: "Code review",
    AiToolCategory.models: "Models",
    AiToolCategory.other: "Other",
}
HIGHLIGHT_CATEGORY_LABELS = {
    HighlightCategory.creativity: "Creativity",
    HighlightCategory.business_case: "Business case",
    HighlightCategory.technical_challenge: "Technical challenge",
    HighlightCategory.impact: "Impact",
    HighlightCategory.design: "Design",
}
RESULT_KIND_LABELS = {
    ResultKind.overall: "Overall",
    ResultKind.judges_pick: "Judges' pick",
    ResultKind.peoples_choice: "People's choice",
}
QUEUE_KIND_LABELS = {
    QueueKind.review: "Peer review",
    QueueKind.judge: "Judging",
}

# Every labels dict, reachable by enum class, by PostgreSQL type name and by the short
# names templates use (``{{ value|label("experience") }}``). Keys of the inner dicts are
# members, which compare and hash like their string values, so ``.get("solo")`` works.
NOTIFICATION_TYPE_LABELS = {
    NotificationType.team_invite: "Team invites",
    NotificationType.invite_accepted: "Invites accepted",
    NotificationType.invite_declined: "Invites declined",
    NotificationType.member_joined: "New members",
    NotificationType.member_left: "Members leaving",
    NotificationType.member_removed: "Removed from a team",
    NotificationType.project_hidden: "Project hidden",
    NotificationType.project_unhidden: "Project unhidden",
    NotificationType.submission_made: "Team submissions",
    NotificationType.review_received: "Reviews received",
    NotificationType.judge_assigned: "Judging assignments",
    NotificationType.results_published: "Results",
    NotificationType.event_status: "Event updates",
    NotificationType.mention: "Mentions",
    NotificationType.post_comment: "Comments on your updates",
    NotificationType.comment_reply: "Replies on the roadmap",
    NotificationType.roadmap_shipped: "Shipped ideas",
    NotificationType.join_request_received: "Requests to join your projects",
    NotificationType.join_request_accepted: "Your requests accepted",
    NotificationType.join_request_declined: "Your requests declined",
    NotificationType.mentor_granted: "Becoming a mentor",
    NotificationType.help_request_opened: "New requests for your mentor types",
    NotificationType.help_request_claimed: "Your team's requests taken",
    NotificationType.help_request_released: "Your team's requests released",
    NotificationType.help_request_resolved: "Your team's requests resolved",
    NotificationType.help_request_cancelled: "Requests you took, cancelled",
    NotificationType.ownership_transferred: "Projects passed to you",
    NotificationType.ownership_requested: "Requests to take over your projects",
    NotificationType.ownership_request_reminder: "Reminders before ownership passes",
    NotificationType.ownership_request_declined: "Your ownership requests declined",
}
FEATURE_BOARD_STATUS_LABELS = {
    FeatureBoardStatus.inbox: "Inbox",
    FeatureBoardStatus.exploring: "Exploring",
    FeatureBoardStatus.next: "Next",
    FeatureBoardStatus.now: "Now",
    FeatureBoardStatus.shipped: "Shipped",
    FeatureBoardStatus.closed: "Closed",
    FeatureBoardStatus.archived: "Archived",
}
JOIN_REQUEST_STATUS_LABELS = {
    JoinRequestStatus.pending: "Pending",
    JoinRequestStatus.accepted: "Accepted",
    JoinRequestStatus.declined: "Declined",
    JoinRequestStatus.withdrawn: "Withdrawn",
}
HELP_KIND_LABELS = {HelpKind.design: "Design", HelpKind.technical: "Technical",
                    HelpKind.growth: "Growth"}
HELP_REQUEST_STATUS_LABELS = {
    HelpRequestStatus.open: "Open",
    HelpRequestStatus.claimed: "Claimed",
    HelpRequestStatus.resolved: "Resolved",
    HelpRequestStatus.cancelled: "Cancelled",
}
POST_CONTEXT_TYPE_LABELS = {
    PostContextType.project: "Project",
    PostContextType.tool: "AI tool",
}
POST_SOURCE_LABELS = {
    PostSource.manual: "Web",
    PostSource.cli: "Command line",
    PostSource.webhook: "Webhook",
}
REACTION_EMOJI_LABELS = {
    ReactionEmoji.fire: "Fire",
    ReactionEmoji.rocket: "Shipped",
    ReactionEmoji.lightbulb: "Insightful",
    ReactionEmoji.clap: "Props",
    ReactionEmoji.wrench: "Building",
}
REPORT_TARGET_KIND_LABELS = {
    ReportTargetKind.profile: "Profile",
    ReportTargetKind.project: "Project",
    ReportTargetKind.post: "Update",
    ReportTargetKind.post_comment: "Comment",
    ReportTargetKind.review: "Review",
    ReportTargetKind.roadmap_item: "Roadmap idea",
    ReportTargetKind.roadmap_comment: "Roadmap comment",
    ReportTargetKind.help_request: "Help request",
}
REPORT_REASON_LABELS = {
    ReportReason.spam: "Spam",
    ReportReason.abuse: "Abuse",
    ReportReason.off_topic: "Off-topic",
    ReportReason.other: "Other",
}
REPORT_STATUS_LABELS = {
    ReportStatus.open: "Open",
    ReportStatus.resolved: "Resolved",
    ReportStatus.dismissed: "Dismissed",
}

LABELS: dict[type[LabelledEnum] | str, dict] = {}
for _cls, _labels, _names in (
    (ExperienceLevel, EXPERIENCE_LEVEL_LABELS, ("experience_level", "experience")),
    (EventStatus, EVENT_STATUS_LABELS, ("event_status",)),
    (TeamPreference, TEAM_PREFERENCE_LABELS, ("team_preference",)),
    (StartingPoint, STARTING_POINT_LABELS, ("starting_point",)),
    (CommitmentLevel, COMMITMENT_LEVEL_LABELS, ("commitment_level", "commitment")),
    (UserRole, USER_ROLE_LABELS, ("user_role", "role")),
    (InviteStatus, INVITE_STATUS_LABELS, ("invite_status",)),
    (InviteType, INVITE_TYPE_LABELS, ("invite_type",)),
    (MentorStatus, MENTOR_STATUS_LABELS, ("mentor_application_status", "mentor_status")),
    (SponsorshipStatus, SPONSORSHIP_STATUS_LABELS,
     ("sponsorship_inquiry_status", "sponsorship_status")),
    (ProjectEventKind, PROJECT_EVENT_KIND_LABELS, ("project_event_kind",)),
    (AiToolCategory, AI_TOOL_CATEGORY_LABELS, ("ai_tool_category",)),
    (HighlightCategory, HIGHLIGHT_CATEGORY_LABELS, ("highlight_category",)),
    (ResultKind, RESULT_KIND_LABELS, ("result_kind",)),
    (QueueKind, QUEUE_KIND_LABELS, ("queue_kind",)),
    (NotificationType, NOTIFICATION_TYPE_LABELS, ("notification_type",)),
    (JoinRequestStatus, JOIN_REQUEST_STATUS_LABELS, ("join_request_status",)),
    (OwnershipRequestStatus, OWNERSHIP_REQUEST_STATUS_LABELS, ("ownership_request_status",)),
    (PostContextType, POST_CONTEXT_TYPE_LABELS, ("post_context_type",)),
    (PostSource, POST_SOURCE_LABELS, ("post_source",)),
    (ReactionEmoji, REACTION_EMOJI_LABELS, ("reaction_emoji",)),
    (ReportTargetKind, REPORT_TARGET_KIND_LABELS, ("report_target_kind",)),
    (ReportReason, REPORT_REASON_LABELS, ("report_reason",)),
    (ReportStatus, REPORT_STATUS_LABELS, ("report_status",)),
    (FeatureBoardStatus, FEATURE_BOARD_STATUS_LABELS, ("feature_board_status",)),
    (HelpKind, HELP_KIND_LABELS, ("help_kind",)),
    (HelpRequestStatus, HELP_REQUEST_STATUS_LABELS, ("help_request_status",)),
):
    assert set(_labels) == set(_cls), f"{_cls.__name__} labels are incomplete"
    LABELS[_cls] = _labels
    for _name in _names:
        LABELS[_name] = _labels
del _cls, _labels, _names, _name


def _pg_enum(enum_class: type[StrEnum], name: str) -> sa.Enum:
    # values_callable stores the lower-case values (not the member names) in PostgreSQL.
    return sa.Enum(enum_class, name=name, values_callable=lambda cls: [m.value for m in cls],
                   validate_strings=True)


experience_level_type = _pg_enum(ExperienceLevel, "experience_level")
event_status_type = _pg_enum(EventStatus, "event_status")
team_preference_type = _pg_enum(TeamPreference, "team_preference")
starting_point_type = _pg_enum(StartingPoint, "starting_point")
commitment_level_type = _pg_enum(CommitmentLevel, "commitment_level")
user_role_type = _pg_enum(UserRole, "user_role")
invite_status_type = _pg_enum(InviteStatus, "invite_status")
invite_type_type = _pg_enum(InviteType, "invite_type")
mentor_application_status_type = _pg_enum(MentorStatus, "mentor_application_status")
sponsorship_inquiry_status_type = _pg_enum(SponsorshipStatus, "sponsorship_inquiry_status")
project_event_kind_type = _pg_enum(ProjectEventKind, "project_event_kind")
ai_tool_category_type = _pg_enum(AiToolCategory, "ai_tool_category")
highlight_category_type = _pg_enum(HighlightCategory, "highlight_category")
result_kind_type = _pg_enum(ResultKind, "result_kind")
queue_kind_type = _pg_enum(QueueKind, "queue_kind")
notification_type_type = _pg_enum(NotificationType, "notification_type")
ownership_request_status_type = _pg_enum(OwnershipRequestStatus, "ownership_request_status")
post_context_type_type = _pg_enum(PostContextType, "post_context_type")
post_source_type = _pg_enum(PostSource, "post_source")
reaction_emoji_type = _pg_enum(ReactionEmoji, "reaction_emoji")
report_target_kind_type = _pg_enum(ReportTargetKind, "report_target_kind")
report_reason_type = _pg_enum(ReportReason, "report_reason")
report_status_type = _pg_enum(ReportStatus, "report_status")
feature_board_status_type = _pg_enum(FeatureBoardStatus, "feature_board_status")
join_request_status_type = _pg_enum(JoinRequestStatus, "join_request_status")
help_kind_type = _pg_enum(HelpKind, "help_kind")
help_request_status_type = _pg_enum(HelpRequestStatus, "help_request_status")

# Name → Python enum, for code (and tests) that walk every type.
PG_ENUMS: dict[str, type[LabelledEnum]] = {
    "experience_level": ExperienceLevel,
    "event_status": EventStatus,
    "team_preference": TeamPreference,
    "starting_point": StartingPoint,
    "commitment_level": CommitmentLevel,
    "user_role": UserRole,
    "invite_status": InviteStatus,
    "invite_type": InviteType,
    "mentor_application_status": MentorStatus,
    "sponsorship_inquiry_status": SponsorshipStatus,
    "project_event_kind": ProjectEventKind,
    "ai_tool_category": AiToolCategory,
    "highlight_category": HighlightCategory,
    "result_kind": ResultKind,
    "queue_kind": QueueKind,
    "notification_type": NotificationType,
    "ownership_request_status": OwnershipRequestStatus,
    "post_context_type": PostContextType,
    "post_source": PostSource,
    "reaction_emoji": ReactionEmoji,
    "report_target_kind": ReportTargetKind,
    "report_reason": ReportReason,
    "report_status": ReportStatus,
    "feature_board_status": FeatureBoardStatus,
    "join_request_status": JoinRequestStatus,
    "help_kind": HelpKind,
    "help_request_status": HelpRequestStatus,
}
