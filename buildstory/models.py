"""Imports every feature's models so Alembic and `flask shell` see all tables."""
from buildstory.applications.models import MentorApplication, SponsorshipInquiry
from buildstory.audit import AuditLog
from buildstory.buildlogs.models import Post, PostComment, PostImage, RateEvent, Reaction
from buildstory.draws.models import PrizeDraw
from buildstory.events.models import Event, EventRegistration
from buildstory.hackathon.models import (ConflictOfInterest, EventJudge, EventResult,
                                         EventSubmission, EventSubmissionTool, HackathonReview,
                                         HackathonReviewHighlight, JudgeScore, QueueAssignment,
                                         QueueSkip, SubmissionCard, SubmissionImage)
from buildstory.identity.models import Account, DeletedIdentity, LegacyUser, UserSession
from buildstory.mail.models import EmailOutbox, NotificationPreference
from buildstory.mentoring.models import HelpRequest, Mentor
from buildstory.notifications.models import Notification, NotificationFanout
from buildstory.profiles.models import Avatar, Profile
from buildstory.projects.models import EventProject, Project, ProjectEvent
from buildstory.reports.models import Report
from buildstory.roadmap.models import (FeatureBoardCategory, FeatureBoardComment,
                                      FeatureBoardItem, FeatureBoardUpvote, RoadmapLeaderboard)
from buildstory.storage.models import MediaDeletion, MediaObject
from buildstory.streams.models import TwitchCategory
from buildstory.teams.models import JoinRequest, OwnershipRequest, ProjectMember, TeamInvite
from buildstory.tools.models import AiTool
from buildstory.webhooks.models import Milestone, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account", "AuditLog", "Avatar", "DeletedIdentity", "EmailOutbox", "Event", "EventProject",
    "EventRegistration", "JoinRequest", "LegacyUser", "MentorApplication", "Milestone", "Notification",
    "NotificationFanout", "NotificationPreference", "PrizeDraw", "Profile",
    "Project", "ProjectEvent", "ProjectMember", "SponsorshipInquiry", "TeamInvite",
    "TwitchCategory", "UserSession", "WebhookDelivery", "WebhookEndpoint",
    "AiTool", "ConflictOfInterest", "EventJudge", "EventResult", "EventSubmission",
    "EventSubmissionTool", "HackathonReview", "HackathonReviewHighlight", "JudgeScore",
    "QueueAssignment", "QueueSkip", "SubmissionCard", "SubmissionImage",
    "Post", "PostComment", "PostImage", "RateEvent", "Reaction",
    "Report",
    "FeatureBoardCategory", "FeatureBoardComment", "FeatureBoardItem", "FeatureBoardUpvote",
    "RoadmapLeaderboard",
    "HelpRequest", "Mentor",
    "OwnershipRequest",
    "MediaDeletion", "MediaObject",
]
