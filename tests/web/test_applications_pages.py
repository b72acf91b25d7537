"""Public mentor and sponsor forms, and their admin review pages."""
import csv
import html
import io

import pytest
from sqlalchemy import func, select

from buildstory.applications.models import MentorApplication, SponsorshipInquiry
from buildstory.audit import AuditLog
from tests.factories import MentorApplicationFactory, ProfileFactory, SponsorshipInquiryFactory
from tests.querycount import count_queries

MENTOR = {"name": "Ada Lovelace", "email": " Ada@Example.com ", "discord_handle": "ada",
          "twitter_handle": "@ada", "github_handle": "", "website_url": "https://ada.example",
          "mentor_types": ["design", "technical"], "background": "Engines.",
          "availability": "Weekends"}
SPONSOR = {"company_name": "Acme", "contact_name": "Wile E.", "email": "wile@acme.example",
           "website_url": "", "offer_description": "Rockets.", "additional_notes": ""}


def text(response):
    return html.unescape(response.get_data(as_text=True))


# --- public forms ----------------------------------------------------------------------

def test_mentor_form_has_the_fields_and_button_of_routes_md(client):
    r = client.get("/mentor-apply")
    assert r.status_code == 200
    page = text(r)
    for label in ("Name", "Email", "Discord handle", "X handle", "GitHub handle", "Website",
                  "Design", "Technical", "Growth", "Background", "Availability"):
        assert f">{label}</label>" in page or f"> {label}</label>" in page, label
    assert ">Apply</button>" in page and 'name="csrf_token"' in page


def test_mentor_application_goes_to_the_thank_you_page(client, db_session):
    r = client.post("/mentor-apply", MENTOR)
    assert r.status_code == 303 and r.headers["Location"].endswith("/mentor-apply/thanks")
    row = db_session.scalar(select(MentorApplication))
    assert row.email == "ada@example.com" and row.mentor_types == ["design", "technical"]
    assert "Thank you!" in text(client.get("/mentor-apply/thanks"))


def test_mentor_errors_keep_the_input_and_show_messages(client, db_session):
    r = client.post("/mentor-apply", {**MENTOR, "email": "nope", "mentor_types": [],
                                      "website_url": "example.com"})
    assert r.status_code == 422
    page = text(r)
    assert "Valid email is required" in page and "Select at least one mentor type" in page
    assert "Invalid URL" in page and 'class="error-summary"' in page
    assert 'value="Ada Lovelace"' in page and "Engines." in page
    assert db_session.scalar(select(func.count()).select_from(MentorApplication)) == 0


def test_mentor_duplicate_email_is_a_422_by_the_field(client):
    MentorApplicationFactory(email="ada@example.com")
    r = client.post("/mentor-apply", MENTOR)
    assert r.status_code == 422
    assert "An application with this email already exists." in text(r)


def test_mentor_form_htmx_error_swaps_only_the_form(client):
    r = client.post("/mentor-apply", {**MENTOR, "name": ""}, htmx=True,
                    headers={"HX-Target": "mentor-form"})
    assert r.status_code == 422
    page = text(r)
    assert page.lstrip().startswith('<form id="mentor-form"') and "<html" not in page
    assert "Name is required" in page
    ok = client.post("/mentor-apply", MENTOR, htmx=True, headers={"HX-Target": "mentor-form"})
    assert ok.status_code == 200 and ok.headers["HX-Redirect"].endswith("/mentor-apply/thanks")


def test_sponsor_form_flow(client, db_session):
    page = text(client.get("/sponsor-apply"))
    for label in ("Company name", "Contact name", "Email", "Website", "Offer", "Notes"):
        assert f">{label}</label>" in page, label
    assert ">Send inquiry</button>" in page
    r = client.post("/sponsor-apply", SPONSOR)
    assert r.status_code == 303 and r.headers["Location"].endswith("/sponsor-apply/thanks")
    assert db_session.scalar(select(SponsorshipInquiry.email)) == "wile@acme.example"
    again = client.post("/sponsor-apply", {**SPONSOR, "email": "WILE@acme.example"})
    assert again.status_code == 422
    assert "An inquiry with this email already exists." in text(again)
    bad = client.post("/sponsor-apply", {**SPONSOR, "email": "x@y.z", "offer_description": ""})
    assert bad.status_code == 422 and "Offer is required" in text(bad)
    assert "Thank you!" in text(client.get("/sponsor-apply/thanks"))
    frag = client.post("/sponsor-apply", {**SPONSOR, "company_name": ""}, htmx=True,
                       headers={"HX-Target": "sponsor-form"})
    assert frag.status_code == 422 and text(frag).lstrip().startswith('<form id="sponsor-form"')
    assert "Company name is required" in text(frag)


def test_the_footer_links_to_both_forms_and_the_nav_to_streams(client):
    page = text(client.get("/mentor-apply"))
    assert 'href="/mentor-apply"' in page and 'href="/sponsor-apply"' in page
    assert 'href="/streams"' in page


def test_submissions_are_rate_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_APPLY_ADDRESS", "2 per hour")
    for i in range(2):
        assert client.post("/mentor-apply", {**MENTOR, "email": f"m{i}@example.com"}).status_code == 303
    # Refused submissions do not count...
    assert client.post("/mentor-apply", {**MENTOR, "email": "bad"}).status_code == 429
    r = client.post("/mentor-apply", {**MENTOR, "email": "m9@example.com"})
    assert r.status_code == 429 and "Too many attempts. Try again later." in text(r)
    assert int(r.headers["Retry-After"]) > 0
    # ...and the sponsor form has its own budget.
    assert client.post("/sponsor-apply", SPONSOR).status_code == 303


def test_refused_submissions_do_not_use_up_the_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_APPLY_ADDRESS", "1 per hour")
    for _ in range(3):
        assert client.post("/mentor-apply", {**MENTOR, "email": "bad"}).status_code == 422
    assert client.post("/mentor-apply", MENTOR).status_code == 303


# --- admin pages: permissions ---------------------------------------------------------

ADMIN_GETS = ["/admin/mentors", "/admin/mentors.csv", "/admin/sponsors", "/admin/streams",
              "/admin/draws"]


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_admin_pages_are_admin_only(client, login, path):
    def status(c):
        response = c.get(path)
        response.get_data()  # drain streamed bodies (the CSV) inside the test
        return response.status_code

    anon = client.get(path)
    assert anon.status_code == 303 and "/sign-in?next=" in anon.headers["Location"]
    assert status(login(ProfileFactory())) == 403
    assert status(login(ProfileFactory(moderator=True))) == 403
    banned_admin = login(ProfileFactory(banned=True, admin=True)).get(path)
    assert banned_admin.status_code == 303 and banned_admin.headers["Location"].endswith("/banned")
    assert status(login(ProfileFactory(admin=True))) == 200
    assert status(login(ProfileFactory(clerk_id="user_superadmin"))) == 200


def test_admin_nav_links_to_the_four_pages(login):
    page = text(login(ProfileFactory(admin=True)).get("/admin/mentors"))
    for path, label in (("/admin/mentors", "Mentors"), ("/admin/sponsors", "Sponsors"),
                        ("/admin/streams", "Streams"), ("/admin/draws", "Prize draws")):
        assert f'href="{path}"' in page and label in page


@pytest.mark.parametrize("path", ["/admin/mentors/{m}/approve", "/admin/mentors/{m}/decline",
                                  "/admin/sponsors/{s}/contacted", "/admin/sponsors/{s}/accept",
                                  "/admin/sponsors/{s}/decline"])
def test_review_actions_refuse_non_admins_and_change_nothing(login, db_session, path):
    m, s = MentorApplicationFactory(), SponsorshipInquiryFactory(status="contacted")
    url = path.format(m=m.id, s=s.id)
    for who in (ProfileFactory(), ProfileFactory(moderator=True)):
        assert login(who).post(url).status_code == 403
    db_session.refresh(m)
    db_session.refresh(s)
    assert (m.status, s.status) == ("pending", "contacted")
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_malformed_and_unknown_ids_are_404(login):
    admin = login(ProfileFactory(admin=True))
    assert admin.post("/admin/mentors/not-a-uuid/approve").status_code == 404
    assert admin.post("/admin/mentors/00000000-0000-0000-0000-000000000000/approve").status_code == 404
    assert admin.post("/admin/sponsors/00000000-0000-0000-0000-000000000000/accept").status_code == 404
    assert admin.post(f"/admin/sponsors/{SponsorshipInquiryFactory().id}/promote").status_code == 404


# --- mentors ----------------------------------------------------------------------------

def test_mentor_list_filters_by_status(login):
    MentorApplicationFactory(name="Pending Pat")
    MentorApplicationFactory(name="Approved Alex", status="approved")
    admin = login(ProfileFactory(admin=True))
    page = text(admin.get("/admin/mentors"))
    assert "Pending Pat" in page and "Approved Alex" in page
    page = text(admin.get("/admin/mentors?status=approved"))
    assert "Approved Alex" in page and "Pending Pat" not in page
    assert ">Approve</button>" not in page
    page = text(admin.get("/admin/mentors?status=pending"))
    assert ">Approve</button>" in page and ">Decline</button>" in page
    assert admin.get("/admin/mentors?status=bogus&page=x").status_code == 200


def test_approve_without_js_redirects_back_and_records(login, db_session):
    app_row = MentorApplicationFactory(name="Grace")
    who = ProfileFactory(admin=True, display_name="Root Admin")
    admin = login(who)
    r = admin.post(f"/admin/mentors/{app_row.id}/approve", {"status": "pending"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/mentors?status=pending")
    db_session.refresh(app_row)
    assert app_row.status == "approved" and app_row.reviewed_by == who.id
    assert app_row.reviewed_at is not None
    assert db_session.scalar(select(AuditLog.action)) == "approve_mentor"
    assert "Reviewed by Root Admin" in text(admin.get("/admin/mentors"))


def test_decline_with_htmx_swaps_the_card(login, db_session):
    row = MentorApplicationFactory(name="Linus")
    admin = login(ProfileFactory(admin=True, display_name="Root Admin"))
    r = admin.post(f"/admin/mentors/{row.id}/decline", htmx=True,
                   headers={"HX-Target": f"mentor-{row.id}"})
    assert r.status_code == 200
    page = text(r)
    assert page.lstrip().startswith(f'<li id="mentor-{row.id}"') and "Declined" in page
    assert "Reviewed by Root Admin" in page and ">Approve</button>" not in page


def test_reviewing_twice_is_409_in_place_for_htmx_and_on_the_page_otherwise(login):
    row = MentorApplicationFactory(status="approved")
    admin = login(ProfileFactory(admin=True))
    r = admin.post(f"/admin/mentors/{row.id}/decline", htmx=True)
    assert r.status_code == 409 and "Application is not pending" in text(r)
    assert text(r).lstrip().startswith(f'<li id="mentor-{row.id}"')
    plain = admin.post(f"/admin/mentors/{row.id}/approve")
    assert plain.status_code == 409 and "Application is not pending" in text(plain)


def test_mentor_csv_is_streamed_and_neutralises_formulas(login):
    MentorApplicationFactory(name="=HYPERLINK(\"http://evil\")", email="a@example.com",
                             background="+1 great", availability="-weekends",
                             discord_handle="@everyone")
    MentorApplicationFactory(name="Plain Person", email="b@example.com", status="approved")
    admin = login(ProfileFactory(admin=True))
    r = admin.get("/admin/mentors.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.is_streamed and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text(r).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Submitted at", "Status", "Name", "Email"]
    assert len(rows) == 3
    evil = next(r for r in rows if r[3] == "a@example.com")
    assert evil[2] == "'=HYPERLINK(\"http://evil\")"
    assert "'+1 great" in evil and "'-weekends" in evil and "'@everyone" in evil
    approved = list(csv.reader(io.StringIO(text(admin.get("/admin/mentors.csv?status=approved")).lstrip("\ufeff"))))
    assert [r[2] for r in approved[1:]] == ["Plain Person"]


# --- sponsors ---------------------------------------------------------------------------

def test_sponsor_buttons_follow_the_workflow(login, db_session):
    row = SponsorshipInquiryFactory(company_name="Initech")
    admin = login(ProfileFactory(admin=True))
    page = text(admin.get("/admin/sponsors"))
    assert ">Mark contacted</button>" in page and ">Decline</button>" in page
    assert ">Accept</button>" not in page
    assert admin.post(f"/admin/sponsors/{row.id}/contacted").status_code == 303
    page = text(admin.get("/admin/sponsors?status=contacted"))
    assert "Initech" in page and ">Accept</button>" in page and ">Mark contacted</button>" not in page
    r = admin.post(f"/admin/sponsors/{row.id}/accept", htmx=True)
    assert r.status_code == 200 and "Accepted" in text(r) and ">Accept</button>" not in text(r)
    db_session.refresh(row)
    assert row.status == "accepted" and row.reviewed_at is not None
    actions = list(db_session.scalars(select(AuditLog.action).order_by(AuditLog.created_at)))
    assert actions == ["contact_sponsor", "accept_sponsor"]


def test_bad_sponsor_move_is_409(login):
    row = SponsorshipInquiryFactory()
    admin = login(ProfileFactory(admin=True))
    r = admin.post(f"/admin/sponsors/{row.id}/accept", htmx=True)
    assert r.status_code == 409
    assert 'Cannot move inquiry from "pending" to "accepted"' in text(r)
    plain = admin.post(f"/admin/sponsors/{row.id}/accept")
    assert plain.status_code == 409


# --- query budget -------------------------------------------------------------------------

@pytest.mark.parametrize("path,factory", [("/admin/mentors", MentorApplicationFactory),
                                          ("/admin/sponsors", SponsorshipInquiryFactory)])
def test_review_pages_run_a_constant_number_of_queries(app, login, path, factory):
    admin = login(ProfileFactory(admin=True))
    reviewer = ProfileFactory(admin=True)
    counts = []
    for n in (3, 30):
        for _ in range(n):
            factory(status="declined", reviewed_by=reviewer.id)
        admin.get(path)  # warm up (last_seen_at)
        with count_queries(app) as q:
            assert admin.get(path).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1] <= 8


@pytest.mark.parametrize("path, form, factory", [
    ("/mentor-apply", MENTOR, MentorApplicationFactory),
    ("/sponsor-apply", SPONSOR, SponsorshipInquiryFactory)])
def test_already_exists_answers_count_against_the_address_limit(client, path, form, factory):
    """Probing which emails applied gets the same 5 an hour as submitting."""
    for i in range(5):
        factory(email=f"probe{i}@example.com")
    for i in range(5):
        r = client.post(path, {**form, "email": f"probe{i}@example.com"})
        assert r.status_code == 422 and "already exists" in text(r)
    r = client.post(path, {**form, "email": "probe0@example.com"})
    assert r.status_code == 429 and "already exists" not in text(r)
