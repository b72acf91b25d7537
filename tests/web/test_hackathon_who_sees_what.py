"""Who sees what on the reviews-received page and the results page, for every actor of the
permission matrix's world (P's team, a judge, moderators, the others)."""
from __future__ import annotations

from tests.web.matrix import ACTORS

TEAM = {"builder", "member"}
MODERATORS = {"moderator", "admin", "super_admin"}
HIDDEN_FEEDBACK_MARK = 'data-status="hidden"'


def test_the_project_reviews_page_per_actor(world):
    url = f"/projects/{world.w.project_slug}/reviews?event={world.w.judging_slug}"
    seen = {}
    for actor in ACTORS:
        with world.turn():
            r = world.client(actor).get(url)
            seen[actor] = (r.status_code, r.headers.get("Location", ""),
                           r.get_data(as_text=True))
    for actor, (status, location, body) in seen.items():
        if actor == "anonymous":
            assert status == 303 and location.startswith("/sign-in?next="), actor
        elif actor == "banned":
            assert status == 303 and location == "/banned"
        elif actor in TEAM:
            assert status == 200, actor
            assert "Good\nwork" in body and "Tidy" in body  # the visible review, newlines kept
            assert HIDDEN_FEEDBACK_MARK not in body and "Hide review" not in body
            assert body.count('class="card review-card"') == 1
        elif actor in MODERATORS:
            assert status == 200, actor
            assert body.count('class="card review-card"') == 2  # + the hidden one, badged
            assert HIDDEN_FEEDBACK_MARK in body
            assert "Hide review" in body and "Unhide review" in body
        else:  # other, hidden, judge: not on the team
            assert status == 403, actor
            assert "You are not on this project&#39;s team" in body


def test_the_results_page_is_the_same_for_everyone(world):
    url = f"/events/{world.w.judging_slug}/results"
    bodies = {}
    for actor in ACTORS:
        if actor == "banned":
            continue
        with world.turn():
            r = world.client(actor).get(url)
            assert r.status_code == 200, actor
            body = r.get_data(as_text=True)
        main = body[body.index("<main"):body.index("</main>")]
        bodies[actor] = main
        assert "/projects/mx-judged" in main and "Judge says hi" not in main
        assert 'href="/profiles/mx-judge"' in main  # the visible judges
    assert len(set(bodies.values())) == 1  # no viewer-dependent content
