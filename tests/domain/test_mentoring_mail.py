"""The mentor_approved email: its claim link is minted when the mail job composes it."""
from __future__ import annotations

import re

from sqlalchemy import select

from buildstory.applications import services as applications
from buildstory.applications.models import MentorApplication
from buildstory.db import db
from buildstory.mail.models import EmailOutbox
from buildstory.mentoring import tokens
from tests.factories import MentorApplicationFactory, ProfileFactory
from tests.helpers import now, run_jobs, setup


def test_the_approval_email_carries_a_working_single_use_link(app, committed):
    def make():
        admin = ProfileFactory(admin=True)
        application = MentorApplicationFactory(email="new.mentor@example.com")
        applications.review_mentor_application(db.session, application, admin, approve=True,
                                               now=now())
        return application.id
    application_id = setup(app, make)
    run_jobs(app, tasks={"mail.send"})
    with app.app_context():
        email = db.session.scalars(select(EmailOutbox).where(
            EmailOutbox.kind == "mentor_approved")).one()
        assert email.status == "sent" and email.to_address == "new.mentor@example.com"
        assert "/unsubscribe/" not in email.body_text  # transactional: no unsubscribe link
        raw = re.search(r"/mentor-claim/([A-Za-z0-9_-]+)", email.body_text).group(1)
        stored = db.session.get(MentorApplication, application_id)
        assert stored.claim_token_hash == tokens.token_hash(raw) != raw
        assert stored.claim_expires_at is not None
        db.session.remove()
