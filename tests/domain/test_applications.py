"""Mentor applications and sponsorship inquiries: every rule and message of docs/rules.md "Applications, streams and draws"."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from buildstory.applications import services
from buildstory.applications.models import MentorApplication, SponsorshipInquiry
from buildstory.audit import AuditLog
from buildstory.enums import MentorStatus, SponsorshipStatus
from buildstory.errors import Conflict, ValidationFailed
from tests.helpers import run_concurrently
from tests.factories import (MentorApplicationFactory, ProfileFactory,
                             SponsorshipInquiryFactory)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def mentor(**over):
    values = {"name": "Ada Lovelace", "email": "ada@example.com", "discord_handle": "ada#1815",
              "twitter_handle": "", "github_handle": "", "website_url": "",
              "mentor_types": ["technical"], "background": "Wrote the first program.",
              "availability": "Weekends"}
    values.update(over)
    return values


def sponsor(**over):
    values = {"company_name": "Analytical Engines Ltd", "contact_name": "Charles Babbage",
              "email": "charles@example.com", "website_url": "", "offer_description":
              "Three brass prizes.", "additional_notes": ""}
    values.update(over)
    return values


def mentor_errors(db_session, **over):
    with pytest.raises(ValidationFailed) as exc:
        services.submit_mentor_application(db_session, mentor(**over), now=NOW)
    return exc.value.errors


def sponsor_errors(db_session, **over):
    with pytest.raises(ValidationFailed) as exc:
        services.submit_sponsorship_inquiry(db_session, sponsor(**over), now=NOW)
    return exc.value.errors


# --- mentor applications ---------------------------------------------------------------

def test_valid_application_is_stored_pending_with_normalised_fields(db_session):
    row = services.submit_mentor_application(db_session, mentor(
        name="  Ada Lovelace ", email="  Ada@Example.COM ", twitter_handle="@ada_l",
        github_handle="https://github.com/ada-l/", website_url="https://Ada.Example.com",
        mentor_types=["growth", "design"]), now=NOW)
    db_session.flush()
    assert row.status == MentorStatus.pending and row.reviewed_by is None
    assert row.name == "Ada Lovelace"
    assert row.email == "ada@example.com"
    assert row.twitter_handle == "ada_l" and row.github_handle == "ada-l"
    assert row.website_url == "https://ada.example.com/"
    assert row.mentor_types == ["design", "growth"]


def test_empty_optional_fields_are_stored_as_null(db_session):
    row = services.submit_mentor_application(db_session, mentor(), now=NOW)
    assert (row.twitter_handle, row.github_handle, row.website_url) == (None, None, None)


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Name is required"),
    ("name", "x" * 201, "Name is too long"),
    ("email", "", "Valid email is required"),
    ("email", "not-an-email", "Valid email is required"),
    ("email", "a@b", "Valid email is required"),
    ("email", "a" * 310 + "@example.com", "Valid email is required"),
    ("discord_handle", "  ", "Discord handle is required"),
    ("discord_handle", "d" * 101, "Discord handle must be at most 100 characters"),
    ("twitter_handle", "@way_too_long_handle", "Invalid X handle"),
    ("twitter_handle", "bad-dash", "Invalid X handle"),
    ("github_handle", "bad_underscore", "Invalid GitHub handle"),
    ("github_handle", "g" * 40, "Invalid GitHub handle"),
    ("website_url", "example.com", "Invalid URL"),
    ("website_url", "ftp://x.org", "URL must use http or https"),
    ("mentor_types", [], "Select at least one mentor type"),
    ("mentor_types", ["cooking"], "Select at least one mentor type"),
    ("background", "", "Background is required"),
    ("background", "b" * 5001, "Background is too long (max 5000 characters)"),
    ("availability", "", "Availability is required"),
    ("availability", "a" * 501, "Availability is too long"),
])
def test_mentor_field_rules(db_session, field, value, message):
    assert mentor_errors(db_session, **{field: value}) == {field: message}


def test_limits_are_inclusive(db_session):
    row = services.submit_mentor_application(db_session, mentor(
        name="n" * 200, discord_handle="d" * 100, background="b" * 5000,
        availability="a" * 500, twitter_handle="x" * 15, github_handle="g" * 39), now=NOW)
    assert len(row.background) == 5000


def test_every_bad_field_is_reported_at_once_in_form_order(db_session):
    errors = mentor_errors(db_session, name="", email="nope", mentor_types=[], availability="")
    assert list(errors) == ["name", "email", "mentor_types", "availability"]


def test_one_application_per_email_case_insensitive(db_session):
    services.submit_mentor_application(db_session, mentor(), now=NOW)
    assert mentor_errors(db_session, email=" ADA@example.com") == {
        "email": "An application with this email already exists."}


def test_concurrent_applications_with_one_email_store_one(app, committed):
    def submit(session, i):
        return services.submit_mentor_application(
            session, mentor(name=f"Racer {i}", email="Race@Example.com"), now=NOW).id

    results = run_concurrently(app, submit, n=8)
    assert [r[0] for r in results].count("ok") == 1
    losses = [r[1] for r in results if r[0] == "error"]
    assert all(isinstance(e, ValidationFailed) and e.errors == {
        "email": "An application with this email already exists."} for e in losses)


def test_approve_records_reviewer_time_and_audit(db_session):
    admin = ProfileFactory(admin=True)
    row = MentorApplicationFactory(name="Grace", email="grace@example.com")
    services.review_mentor_application(db_session, row, admin, approve=True, now=NOW)
    assert row.status == MentorStatus.approved
    assert row.reviewed_by == admin.id and row.reviewed_at == NOW
    audit = db_session.scalar(select(AuditLog))
    assert audit.action == "approve_mentor" and audit.actor_profile_id == admin.id
    # No account with this address: a claim link is mailed, no profile granted.
    assert audit.meta == {"application_id": str(row.id), "name": "Grace",
                          "email": "grace@example.com", "profile_id": None}


def test_decline_is_audited(db_session):
    admin = ProfileFactory(admin=True)
    row = MentorApplicationFactory()
    services.review_mentor_application(db_session, row, admin, approve=False, now=NOW)
    assert row.status == MentorStatus.declined
    assert db_session.scalar(select(AuditLog.action)) == "decline_mentor"


@pytest.mark.parametrize("status", [MentorStatus.approved, MentorStatus.declined])
@pytest.mark.parametrize("approve", [True, False])
def test_only_pending_applications_are_reviewed(db_session, status, approve):
    row = MentorApplicationFactory(status=status)
    with pytest.raises(Conflict) as exc:
        services.review_mentor_application(db_session, row, ProfileFactory(admin=True),
                                           approve=approve, now=NOW)
    assert exc.value.message == "Application is not pending" and exc.value.status == 409
    assert row.status == status
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 0


# --- sponsorship inquiries ---------------------------------------------------------------

def test_valid_inquiry_is_stored_pending(db_session):
    row = services.submit_sponsorship_inquiry(db_session, sponsor(
        email=" Charles@Example.com", website_url="https://Engines.example",
        additional_notes="  "), now=NOW)
    db_session.flush()
    assert row.status == SponsorshipStatus.pending
    assert row.email == "charles@example.com" and row.website_url == "https://engines.example/"
    assert row.additional_notes is None


@pytest.mark.parametrize("field,value,message", [
    ("company_name", "", "Company name is required"),
    ("company_name", "c" * 201, "Company name must be at most 200 characters"),
    ("contact_name", "", "Contact name is required"),
    ("contact_name", "c" * 201, "Contact name must be at most 200 characters"),
    ("email", "nope", "Valid email is required"),
    ("website_url", "example.com", "Invalid URL"),
    ("website_url", "javascript:alert(1)", "URL must use http or https"),
    ("offer_description", "", "Offer is required"),
    ("offer_description", "o" * 5001, "Offer must be at most 5000 characters"),
    ("additional_notes", "n" * 2001, "Notes must be at most 2000 characters"),
])
def test_sponsor_field_rules(db_session, field, value, message):
    assert sponsor_errors(db_session, **{field: value}) == {field: message}


def test_one_inquiry_per_email(db_session):
    services.submit_sponsorship_inquiry(db_session, sponsor(), now=NOW)
    assert sponsor_errors(db_session, email="CHARLES@example.com") == {
        "email": "An inquiry with this email already exists."}


@pytest.mark.parametrize("start,to,action", [
    ("pending", "contacted", "contact_sponsor"),
    ("contacted", "accepted", "accept_sponsor"),
    ("pending", "declined", "decline_sponsor"),
    ("contacted", "declined", "decline_sponsor"),
    ("accepted", "declined", "decline_sponsor"),
])
def test_allowed_sponsor_moves_are_recorded_and_audited(db_session, start, to, action):
    admin = ProfileFactory(admin=True)
    row = SponsorshipInquiryFactory(status=start, company_name="Acme", email="acme@example.com")
    services.move_sponsorship_inquiry(db_session, row, admin, to, now=NOW)
    assert row.status == to and row.reviewed_by == admin.id and row.reviewed_at == NOW
    audit = db_session.scalar(select(AuditLog))
    assert audit.action == action
    assert audit.meta == {"inquiry_id": str(row.id), "company_name": "Acme",
                          "email": "acme@example.com"}


@pytest.mark.parametrize("start,to", [
    ("pending", "accepted"), ("pending", "pending"), ("contacted", "contacted"),
    ("contacted", "pending"), ("accepted", "contacted"), ("accepted", "accepted"),
    ("declined", "declined"), ("declined", "contacted"), ("declined", "accepted"),
])
def test_other_sponsor_moves_are_refused(db_session, start, to):
    row = SponsorshipInquiryFactory(status=start)
    with pytest.raises(Conflict) as exc:
        services.move_sponsorship_inquiry(db_session, row, ProfileFactory(admin=True), to,
                                          now=NOW)
    assert exc.value.status == 409
    assert exc.value.message == f'Cannot move inquiry from "{start}" to "{to}"'
    assert row.status == start and row.reviewed_at is None


def test_email_is_unique_per_table_not_across(db_session):
    services.submit_mentor_application(db_session, mentor(email="both@example.com"), now=NOW)
    services.submit_sponsorship_inquiry(db_session, sponsor(email="both@example.com"), now=NOW)
    assert db_session.scalar(select(func.count()).select_from(MentorApplication)) == 1
    assert db_session.scalar(select(func.count()).select_from(SponsorshipInquiry)) == 1


def test_control_characters_are_dropped_never_an_error(db_session):
    row = services.submit_mentor_application(db_session, mentor(
        name="Ada\x00 Lovelace", email="ad\x00a@example.com", background="line\x07 one\r\ntwo"),
        now=NOW)
    db_session.flush()
    assert (row.name, row.email, row.background) == ("Ada Lovelace", "ada@example.com",
                                                     "line one\ntwo")
