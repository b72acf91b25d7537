"""The windows table: what is open in which status, and how the optional dates bind."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from buildstory.enums import EventStatus
from buildstory.hackathon import rules

NOW = datetime(2026, 12, 6, 12, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def event(status, **dates):
    return SimpleNamespace(status=status, submissions_close_at=dates.get("close"),
                           review_opens_at=dates.get("opens"), review_closes_at=dates.get("closes"))


@pytest.mark.parametrize("status, submissions, reviews, judging, showcase, publish", [
    ("open", "Submissions have not opened yet", "Reviews have not opened yet",
     "Judging is not open for this event", False,
     "Results can be published only for events in judging or complete"),
    ("active", None, "Reviews have not opened yet", "Judging is not open for this event", True,
     "Results can be published only for events in judging or complete"),
    ("judging", "Submissions are closed for this event", None, None, True, None),
    ("complete", "Submissions are closed for this event", "Reviews are closed for this event",
     "Judging is not open for this event", True, None),
])
def test_what_is_open_in_each_status(status, submissions, reviews, judging, showcase, publish):
    e = event(EventStatus(status))
    assert rules.submission_refusal(e, NOW) == submissions
    assert rules.review_refusal(e, NOW) == reviews
    assert rules.judging_refusal(e) == judging
    assert rules.showcase_open(e) is showcase
    assert rules.publish_refusal(e) == publish


def test_submissions_close_at_the_close_time_with_no_grace():
    assert rules.submission_refusal(event(EventStatus.active, close=NOW + HOUR), NOW) is None
    assert rules.submission_refusal(event(EventStatus.active, close=NOW), NOW) == \
        "Submissions are closed for this event"


def test_review_dates_bind_only_when_set_and_never_bind_judges():
    early = event(EventStatus.judging, opens=NOW + HOUR)
    assert rules.review_refusal(early, NOW) == "Reviews have not opened yet"
    assert rules.judging_refusal(early) is None
    late = event(EventStatus.judging, opens=NOW - 2 * HOUR, closes=NOW)
    assert rules.review_refusal(late, NOW) == "Reviews are closed for this event"
    assert rules.judging_refusal(late) is None
    assert rules.review_refusal(event(EventStatus.judging, opens=NOW, closes=NOW + HOUR),
                                NOW) is None
