"""The admin judging and results pages, the public results page, the reviews a project
received and the moderators' review list, through the Flask test client."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from buildstory.enums import EventStatus
from buildstory.hackathon import results
from buildstory.hackathon.models import EventJudge, EventResult, EventSubmission, HackathonReview
from tests.factories import (EventFactory, EventProjectFactory, ProfileFactory, ProjectFactory,
                             ProjectMemberFactory, utcnow)
from tests.hackathon_factories import (EventJudgeFactory, EventSubmissionFactory,
                                       HackathonReviewFactory, JudgeScoreFactory)


def _sub(event, slug, minutes=0, **kw):
    project = ProjectFactory(slug=slug, name=slug.replace("-", " ").title(), **kw)
    return EventSubmissionFactory(entry=EventProjectFactory(event=event, project=project),
                                  submitted_at=utcnow() + timedelta(minutes=minutes))


@pytest.fixture
def judged(db_session):
    event = EventFactory(status=EventStatus.judging, slug="judged-jam", name="Judged Jam")
    judge = EventJudgeFactory(event=event, profile=ProfileFactory(username="jury-one",
                                                                  display_name="Jury One"))
    subs = [_sub(event, f"judged-{i}", i) for i in range(3)]
    for sub, v in zip(subs, (5, 4, 3)):
        JudgeScoreFactory(submission=sub, judge=judge, bump=True, creativity=v, business_case=v,
                          technical_challenge=v, impact=v, design=v,
                          comment=f"=HYPERLINK(\"x\") comment {v}")
    return event, judge, subs


# --- admin judging page -----------------------------------------------------------------------

def test_add_judge_errors_in_place_htmx_and_plain(db_session, login):
    admin = login(ProfileFactory(admin=True))
    event = EventFactory(status=EventStatus.judging, slug="add-jam")
    ProfileFactory(username="banned-jury", banned=True)
    url = "/admin/events/add-jam/judging"
    r = admin.post(url, {"username": "ghost-user"}, htmx=True, headers={"HX-Target": "judges"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "User not found" in body and "<html" not in body
    assert body.lstrip().startswith('<section id="judges"')
    r = admin.post(url, {"username": "banned-jury"})
    assert r.status_code == 409 and "Banned users cannot be judges" in r.get_data(as_text=True)
    r = admin.post(url, {"username": ""})
    assert r.status_code == 422 and "Username is required" in r.get_data(as_text=True)
    ProfileFactory(username="new-jury", display_name="New Jury")
    r = admin.post(url, {"username": "new-jury"})
    assert r.status_code == 303 and r.headers["Location"].endswith("?done=added")
    page = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "Judge added" in page and "New Jury (@new-jury)" in page
    r = admin.post(url, {"username": "new-jury"}, htmx=True, headers={"HX-Target": "judges"})
    assert r.status_code == 409
    assert "This user is already a judge for this event" in r.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(EventJudge)
                             .where(EventJudge.event_id == event.id)) == 1


def test_remove_judge_asks_with_the_number_of_scores_and_deletes_them(db_session, login, judged):
    event, judge, subs = judged
    admin = login(ProfileFactory(admin=True))
    page = admin.get("/admin/events/judged-jam/judging").get_data(as_text=True)
    assert "Remove Jury One (@jury-one) as a judge? This deletes their 3 scores." in page
    assert "<td>3 / 9</td>" in page  # done / assigned: ceil(3 * 3 / 1)
    assert re.findall(r"<td>(\d) / 3</td>", page) == ["1", "1", "1"]  # scores / K per submission
    url = f"/admin/events/judged-jam/judges/{judge.profile_id}/remove"
    r = admin.post(url)  # no tick, no htmx
    assert r.status_code == 422 and "Tick the box to confirm" in r.get_data(as_text=True)
    r = admin.post(url, {"confirm": "yes"})
    assert r.status_code == 303
    db_session.expire_all()
    assert [db_session.get(EventSubmission, s.id).judge_score_count for s in subs] == [0, 0, 0]


# --- results: preview, publish, public page ---------------------------------------------------

def test_compute_preview_stores_nothing_and_publish_makes_a_version(db_session, login, judged):
    event, _, _ = judged
    admin = login(ProfileFactory(admin=True))
    page = admin.get("/admin/events/judged-jam/results?preview=1").get_data(as_text=True)
    assert "Publish results" in page and "Judged 0" in page
    assert db_session.scalar(select(func.count()).select_from(EventResult)) == 0
    fp = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)
    r = admin.post("/admin/events/judged-jam/results/publish", {"fingerprint": fp,
                                                                "confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"].endswith("?published=1")
    r = admin.post("/admin/events/judged-jam/results/publish", {"fingerprint": fp},
                   htmx=True, headers={"HX-Target": "publish-results"})
    body = r.get_data(as_text=True)
    assert r.status_code == 409 and "These results are already published" in body
    assert body.lstrip().startswith('<div id="publish-results"')
    r = admin.post("/admin/events/judged-jam/results/publish", {"fingerprint": "0" * 64},
                   htmx=True, headers={"HX-Target": "publish-results"})
    assert r.status_code == 409  # identical results: already published wins over "changed"
    versions = admin.get("/admin/events/judged-jam/results").get_data(as_text=True)
    assert "Version 1" in versions


def test_publish_refused_for_a_stale_preview(db_session, login, judged):
    event, judge, _ = judged
    admin = login(ProfileFactory(admin=True))
    page = admin.get("/admin/events/judged-jam/results?preview=1").get_data(as_text=True)
    fp = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)
    JudgeScoreFactory(submission=_sub(event, "judged-late", 9), judge=judge, bump=True)
    r = admin.post("/admin/events/judged-jam/results/publish", {"fingerprint": fp,
                                                                "confirm": "yes"})
    assert r.status_code == 409
    assert "Results changed since the preview; compute them again" in r.get_data(as_text=True)


def test_public_results_page(db_session, client, judged):
    event, judge, subs = judged
    assert "Results have not been published yet" in client.get(
        "/events/judged-jam/results").get_data(as_text=True)
    admin = ProfileFactory(admin=True)
    results.publish(db_session, admin, event, results.compute(db_session, event).fingerprint,
                    now=utcnow())
    body = client.get("/events/judged-jam/results").get_data(as_text=True)
    assert '<a href="/projects/judged-0">Judged 0</a>' in body and "25.000" in body
    assert "Jury One" in body and "Results revised" not in body
    # A project hidden since keeps its place, unlinked; a second version says "revised".
    db_session.get(ProjectFactory._meta.model, subs[0].project_id).hidden_at = utcnow()
    db_session.flush()
    results.publish(db_session, admin, event, results.compute(db_session, event).fingerprint,
                    now=utcnow())
    body = client.get("/events/judged-jam/results").get_data(as_text=True)
    assert "Results revised on" in body
    # version 2 is computed without the hidden project: judged-1 first now
    assert '<td>1st</td><td><a href="/projects/judged-1">' in body
    assert client.get("/events/no-such-event/results").status_code == 404
    draft = EventFactory(draft=True, slug="draft-results")
    assert client.get(f"/events/{draft.slug}/results").status_code == 404


def test_a_project_hidden_after_publication_is_unlinked_but_keeps_its_place(db_session, client,
                                                                             judged):
    event, _, subs = judged
    results.publish(db_session, ProfileFactory(admin=True), event,
                    results.compute(db_session, event).fingerprint, now=utcnow())
    db_session.get(ProjectFactory._meta.model, subs[0].project_id).hidden_at = utcnow()
    db_session.flush()
    body = client.get("/events/judged-jam/results").get_data(as_text=True)
    assert "<td>1st</td><td><span class=\"muted\">This project is no longer available</span>" \
        in body
    assert "/projects/judged-0" not in body


def test_scores_csv_is_one_formula_safe_row_per_score(db_session, login, judged):
    admin = login(ProfileFactory(admin=True))
    r = admin.get("/admin/events/judged-jam/scores.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "no-store" in r.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["project", "project URL", "judge username", "judge name"]
    assert len(rows) == 4
    first = rows[1]
    assert first[0] == "Judged 0" and first[1].endswith("/projects/judged-0")
    assert first[2:4] == ["jury-one", "Jury One"] and first[4:10] == ["5"] * 5 + ["25"]
    assert first[10].startswith("'=HYPERLINK")  # neutralised


# --- reviews received and moderation -----------------------------------------------------------

@pytest.fixture
def reviewed(db_session):
    event = EventFactory(status=EventStatus.judging, slug="rev-jam")
    owner = ProfileFactory(username="rev-owner")
    sub = _sub(event, "rev-project", owner=owner)
    member = ProfileFactory()
    ProjectMemberFactory(project=db_session.get(ProjectFactory._meta.model, sub.project_id),
                         profile=member)
    shown = HackathonReviewFactory(submission=sub, feedback="Line one\nLine two <b>x</b>",
                                   reviewer=ProfileFactory(display_name="Rita Reviewer"),
                                   highlights={"design": "Clean UI"}, bump=True)
    hidden = HackathonReviewFactory(submission=sub, feedback="Rude words",
                                    hidden_at=utcnow(), bump=True)
    return sub, owner, member, shown, hidden


def test_team_sees_visible_reviews_others_are_refused(db_session, login, client, reviewed):
    sub, owner, member, shown, hidden = reviewed
    for who in (owner, member):
        body = login(who).get("/projects/rev-project/reviews").get_data(as_text=True)
        assert "Line one\nLine two &lt;b&gt;x&lt;/b&gt;" in body and "Clean UI" in body
        assert "Rita Reviewer" in body and "Rude words" not in body
        assert "Hide review" not in body
    r = login(ProfileFactory()).get("/projects/rev-project/reviews")
    assert r.status_code == 403 and "You are not on this project&#39;s team" in \
        r.get_data(as_text=True)
    r = client.get("/projects/rev-project/reviews")
    assert r.status_code == 303 and "/sign-in?next=" in r.headers["Location"]
    mod = login(ProfileFactory(moderator=True)).get("/projects/rev-project/reviews")
    body = mod.get_data(as_text=True)
    assert "Rude words" in body and "Unhide review" in body and "Hide review" in body
    assert 'data-status="hidden"' in body


def test_hide_review_as_htmx_swaps_the_card_and_recounts(db_session, login, reviewed):
    sub, owner, member, shown, hidden = reviewed
    mod = login(ProfileFactory(moderator=True))
    r = mod.post(f"/moderation/reviews/{shown.id}/hide", htmx=True,
                 headers={"HX-Target": f"review-{shown.id}"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and body.lstrip().startswith(f'<li id="review-{shown.id}"')
    assert "Unhide review" in body
    db_session.expire_all()
    assert db_session.get(EventSubmission, sub.id).highlight_count == 0
    r = mod.post(f"/moderation/reviews/{shown.id}/hide", htmx=True)
    assert r.status_code == 409 and "Review is already hidden" in r.get_data(as_text=True)
    r = mod.post(f"/moderation/reviews/{hidden.id}/unhide")
    assert r.status_code == 303 and r.headers["Location"] == "/moderation/events/rev-jam/reviews"
    assert db_session.get(HackathonReview, hidden.id).hidden_at is None
    r = mod.post(f"/moderation/reviews/{hidden.id}/unhide")
    assert r.status_code == 409 and "Review is not hidden" in r.get_data(as_text=True)


def test_the_team_sees_its_place_means_and_anonymous_comments_once_published(db_session, login,
                                                                           judged):
    event, judge, subs = judged
    owner = db_session.get(ProjectFactory._meta.model, subs[1].project_id).owner
    page = login(owner).get("/projects/judged-1/reviews").get_data(as_text=True)
    assert "Overall:" not in page
    results.publish(db_session, ProfileFactory(admin=True), event,
                    results.compute(db_session, event).fingerprint, now=utcnow())
    page = login(owner).get("/projects/judged-1/reviews").get_data(as_text=True)
    assert "Overall: 2nd of 3" in page and "Judges' comments" in page
    assert "=HYPERLINK(&#34;x&#34;) comment 4" in page and "Jury One" not in page
    assert "<dd>4.00</dd>" in page


def test_moderators_event_review_list(db_session, login, reviewed):
    body = login(ProfileFactory(moderator=True)).get(
        "/moderation/events/rev-jam/reviews").get_data(as_text=True)
    assert "Rev Project" in body and body.count('class="card review-card"') == 2
    assert login(ProfileFactory()).get("/moderation/events/rev-jam/reviews").status_code == 403
