"""/admin/draws and `flask draws verify`."""
import html

import pytest
from sqlalchemy import func, select

from buildstory.draws.models import PrizeDraw
from buildstory.audit import AuditLog
from buildstory.draws import services
from tests.factories import EventFactory, EventRegistrationFactory, ProfileFactory
from tests.querycount import count_queries


def text(response):
    return html.unescape(response.get_data(as_text=True))


def event_with(n, **event):
    ev = EventFactory(**{"status": "complete", **event})
    for i in range(n):
        EventRegistrationFactory(event=ev, profile=ProfileFactory(username=f"{ev.slug[:8]}-p{i:03d}"))
    return ev


def test_draw_page_has_the_form_defaulting_to_the_featured_event(login):
    EventFactory(status="draft", name="Secret Draft")
    EventFactory(status="complete", name="Old Jam")
    featured = EventFactory(status="active", featured=True, name="Live Jam")
    page = text(login(ProfileFactory(admin=True)).get("/admin/draws"))
    assert ">Event</label>" in page and ">Winners</label>" in page
    assert "Exclude earlier winners" in page and ">Run draw</button>" in page
    assert f'<option value="{featured.id}" selected>' in page
    assert "Old Jam" in page and "Secret Draft" not in page
    assert "How to check a draw" in page and "sha256-ctr-fisher-yates/1" in page


def test_running_a_draw_redirects_to_its_verification_panel(login, db_session):
    event = event_with(5, name="Autumn Jam")
    who = ProfileFactory(admin=True, display_name="Draw Master")
    admin = login(who)
    r = admin.post("/admin/draws", {"event_id": str(event.id), "winner_count": "2"})
    assert r.status_code == 303
    draw = db_session.scalar(select(PrizeDraw))
    assert r.headers["Location"].endswith(f"/admin/draws?draw={draw.id}#draw-details")
    assert draw.winner_count == 2 and draw.total_eligible == 5 and draw.drawn_by == who.id
    assert len(draw.seed) == 64
    page = text(admin.get(f"/admin/draws?draw={draw.id}"))
    assert "Draw for Autumn Jam" in page and draw.seed in page
    assert "the stored winners match" in page
    assert f"flask draws verify {draw.id}" in page
    for w in draw.winners:
        assert f"@{w['username']}" in page
    assert "Draw Master" in page  # in the history
    assert db_session.scalar(select(AuditLog.action)) == "run_prize_draw"


def test_htmx_success_navigates_to_the_draw(login, db_session):
    event = event_with(2)
    r = login(ProfileFactory(admin=True)).post(
        "/admin/draws", {"event_id": str(event.id), "winner_count": "1"}, htmx=True,
        headers={"HX-Target": "draw-form"})
    assert r.status_code == 200 and "/admin/draws?draw=" in r.headers["HX-Redirect"]


def test_exclude_earlier_winners_checkbox(login, db_session):
    event = event_with(3)
    admin = login(ProfileFactory(admin=True))
    admin.post("/admin/draws", {"event_id": str(event.id), "winner_count": "2"})
    r = admin.post("/admin/draws", {"event_id": str(event.id), "winner_count": "1",
                                    "exclude_earlier_winners": "1"})
    assert r.status_code == 303
    second = db_session.scalar(select(PrizeDraw).where(PrizeDraw.excluded_previous_winners))
    assert second.total_eligible == 1
    r = admin.post("/admin/draws", {"event_id": str(event.id), "winner_count": "2",
                                    "exclude_earlier_winners": "1"})
    assert r.status_code == 409
    assert "Requested 2 winners but only 0 eligible participants" in text(r)


@pytest.mark.parametrize("count,message", [("0", "Winners must be at least 1"),
                                           ("abc", "Winners must be a whole number")])
def test_bad_winner_count_is_422_with_input_kept(login, count, message):
    event = event_with(1)
    r = login(ProfileFactory(admin=True)).post(
        "/admin/draws", {"event_id": str(event.id), "winner_count": count,
                         "exclude_earlier_winners": "1"})
    assert r.status_code == 422
    page = text(r)
    assert message in page and f'value="{count}"' in page
    assert 'name="exclude_earlier_winners" value="1" checked' in page


def test_too_many_winners_is_409_in_place_for_htmx(login, db_session):
    event = event_with(2)
    r = login(ProfileFactory(admin=True)).post(
        "/admin/draws", {"event_id": str(event.id), "winner_count": "3"}, htmx=True,
        headers={"HX-Target": "draw-form"})
    assert r.status_code == 409
    page = text(r)
    assert page.lstrip().startswith('<form id="draw-form"')
    assert "Requested 3 winners but only 2 eligible participants" in page
    assert db_session.scalar(select(func.count()).select_from(PrizeDraw)) == 0


@pytest.mark.parametrize("event_id", ["", "nope", "00000000-0000-0000-0000-000000000000", "draft"])
def test_unknown_or_draft_event_is_refused(login, db_session, event_id):
    if event_id == "draft":
        event_id = str(event_with(2, status="draft").id)
    r = login(ProfileFactory(admin=True)).post("/admin/draws",
                                              {"event_id": event_id, "winner_count": "1"})
    assert r.status_code == 422 and "Choose an event from the list" in text(r)
    assert db_session.scalar(select(func.count()).select_from(PrizeDraw)) == 0


def test_unknown_or_malformed_draw_in_the_query_is_404(login):
    admin = login(ProfileFactory(admin=True))
    assert admin.get("/admin/draws?draw=nope").status_code == 404
    assert admin.get("/admin/draws?draw=00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize("role", [{}, {"moderator": True}])
def test_non_admins_cannot_run_draws(login, db_session, role):
    event = event_with(2)
    r = login(ProfileFactory(**role)).post("/admin/draws", {"event_id": str(event.id),
                                                            "winner_count": "1"})
    assert r.status_code == 403
    assert db_session.scalar(select(func.count()).select_from(PrizeDraw)) == 0


def test_draws_page_query_budget_is_constant(app, login, db_session):
    admin_profile = ProfileFactory(admin=True)
    admin = login(admin_profile)
    event = event_with(12)
    counts = []
    for n in (2, 20):
        for _ in range(n):
            services.run_draw(db_session, admin_profile, event, 1, exclude_earlier_winners=False,
                              now=services_now())
        latest = db_session.scalar(select(PrizeDraw.id).order_by(PrizeDraw.drawn_at.desc()))
        admin.get("/admin/draws")
        with count_queries(app) as q:
            assert admin.get(f"/admin/draws?draw={latest}").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1] <= 8


def services_now():
    from buildstory.identity.services import utcnow
    return utcnow()


# --- flask draws verify ------------------------------------------------------------------

def run_draw(db_session):
    event = event_with(6)
    return services.run_draw(db_session, ProfileFactory(admin=True), event, 2,
                             exclude_earlier_winners=False, now=services_now())


def test_cli_verify_prints_match(app, db_session):
    draw = run_draw(db_session)
    result = app.test_cli_runner().invoke(args=["draws", "verify", str(draw.id)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "match"
    assert draw.seed in result.output


def test_cli_verify_detects_a_tampered_row(app, db_session):
    draw = run_draw(db_session)
    loser = next(p for p in draw.eligible if p not in draw.winners)
    db_session.execute(PrizeDraw.__table__.update().where(PrizeDraw.id == draw.id)
                       .values(winners=[loser, draw.winners[1]]))
    db_session.expire_all()
    result = app.test_cli_runner().invoke(args=["draws", "verify", str(draw.id)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "mismatch"
    assert "the stored winners differ from the recomputed ones" in result.output


def test_cli_verify_unknown_or_malformed_id(app, db_session):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["draws", "verify", "00000000-0000-0000-0000-000000000000"])
    assert missing.exit_code != 0 and "No draw with id" in missing.output
    bad = runner.invoke(args=["draws", "verify", "nope"])
    assert bad.exit_code != 0 and "Not a draw id" in bad.output
