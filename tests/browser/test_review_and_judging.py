"""Peer review and judging in Chromium: by keyboard alone, axe on every state of the two
pages and their edit pages, and the XSS corpus through feedback, highlights and comments.

By keyboard: Tab reaches each control, Enter or Space presses it; after **Review next
submission**, a submitted review, **Skip** and a declared conflict the new submission's
heading has the focus and the progress line (a live region) says the new count. The judge
does the same with the radio groups (Space checks, arrows move).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from buildstory.db import db
from buildstory.enums import QueueKind
from buildstory.hackathon.models import QueueAssignment
from buildstory.profiles.models import Profile
from buildstory.projects.models import Project
from tests.browser.a11y import AXE, RUN, serious_violations, session_cookies
from tests.conftest import Client
from tests.factories import AccountFactory
from tests.review_helpers import judge, judging_event, submit
from tests.xss_payloads import PAYLOADS, TEMPLATE_MARK

CRITERIA = ("creativity", "business_case", "technical_challenge", "impact", "design")


@pytest.fixture
def browser_context_args(browser_context_args):
    # the CSP stays on for the pages; only axe's injected script needs it off
    return {**browser_context_args, "bypass_csp": True}


def committed(app, make):
    with app.app_context():
        result = make()
        db.session.commit()
        db.session.remove()
    return result


def tab_to(page, predicate_js, limit=60):
    """Press Tab until ``predicate_js(document.activeElement)`` is true."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => !!el && ({predicate_js}))(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached: {predicate_js}")


def button(label):
    return f"el.tagName === 'BUTTON' && el.textContent.trim() === {label!r}"


def axe(page, where):
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN)
    assert not violations, (where, violations)


def world(app, *, others=("Receipt Whisperer", "Haiku Garden", "Trail Talk")):
    def make():
        event = judging_event(slug="kb-jam", name="Keyboard Jam")
        me = AccountFactory(profile__display_name="Amara Okafor")
        submit(event, owner=me.profile, name="Ledger Lens", slug="ledger-lens")
        for name in others:
            submit(event, name=name, slug=name.lower().replace(" ", "-"))
        j = AccountFactory(profile__display_name="Judge Grace")
        judge(event, j.profile)
        return me.id, j.id
    return committed(app, make)


def test_a_reviewer_reviews_skips_and_declares_a_conflict_by_keyboard(page, site, app):
    me, _ = world(app)
    page.context.add_cookies(session_cookies(app, me, site))
    page.goto(site + "/events/kb-jam/review")
    page.evaluate("window.__sameDocument = true")
    progress = page.locator("#review-progress")
    expect(progress).to_have_text("Reviewed 0 of 3")
    expect(progress).to_have_attribute("aria-live", "polite")
    axe(page, "review page, nothing held")

    tab_to(page, button("Review next submission"))
    page.keyboard.press("Enter")
    heading = page.locator("#review-heading")
    expect(heading).to_be_focused()
    first = heading.inner_text()
    axe(page, "review page, a submission held")

    # an empty submit: the error summary takes the focus, values stay
    tab_to(page, button("Submit review"))
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_contain_text("Feedback is required")
    expect(page.locator(".summary-focus")).to_be_focused()
    axe(page, "review page, 422")

    tab_to(page, "el.id === 'feedback'")
    page.keyboard.type("Clear demo.")
    page.keyboard.press("Enter")
    page.keyboard.type("The onboarding needs a skip button.")
    tab_to(page, "el.id === 'impact'")
    page.keyboard.type("Saves real time")
    tab_to(page, button("Submit review"))
    page.keyboard.press("Enter")
    expect(progress).to_have_text("Reviewed 1 of 3")
    expect(heading).to_be_focused()
    second = heading.inner_text()
    assert second != first
    expect(page.locator("#own-reviews")).to_contain_text("The onboarding needs a skip button.")

    tab_to(page, button("Skip"))
    page.keyboard.press("Space")
    expect(heading).to_be_focused()
    third = heading.inner_text()
    assert third not in (first, second)

    page.once("dialog", lambda d: d.accept())  # hx-confirm asks; Enter on it accepts
    tab_to(page, button("I have a conflict of interest"))
    page.keyboard.press("Enter")
    expect(page.locator(".queue-message")).to_have_text("Only submissions you skipped are left.")
    expect(page.locator(".queue-message")).to_be_focused()
    expect(progress).to_have_text("Reviewed 1 of 2")

    tab_to(page, button("Review skipped submissions"))
    page.keyboard.press("Enter")
    expect(heading).to_have_text(second)
    expect(heading).to_be_focused()
    tab_to(page, "el.id === 'feedback'")
    page.keyboard.type("Second look: solid.")
    tab_to(page, button("Submit review"))
    page.keyboard.press("Enter")
    expect(progress).to_have_text("You have reviewed every submission you can. Thank you!")
    expect(page.locator(".queue-message")).to_be_focused()
    assert page.evaluate("window.__sameDocument") is True  # never reloaded

    # the edit page, by keyboard too
    tab_to(page, f"el.tagName === 'A' && el.textContent.includes('your review of {first}')")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(f"Review {first}")
    axe(page, "review edit page")
    tab_to(page, "el.id === 'feedback'")
    page.keyboard.press("Control+a")
    page.keyboard.type("Edited by keyboard.")
    tab_to(page, button("Save review"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(site + "/events/kb-jam/review")
    expect(page.locator("#own-reviews")).to_contain_text("Edited by keyboard.")


def test_a_judge_scores_by_keyboard(page, site, app):
    _, j = world(app, others=("Receipt Whisperer", "Haiku Garden"))
    page.context.add_cookies(session_cookies(app, j, site))
    page.goto(site + "/events/kb-jam/judge")
    progress = page.locator("#judge-progress")
    expect(progress).to_have_text("Scored 0 of 3")
    axe(page, "judge page, nothing held")
    tab_to(page, button("Judge next submission"))
    page.keyboard.press("Enter")
    heading = page.locator("#judge-heading")
    expect(heading).to_be_focused()
    axe(page, "judge page, a submission held")
    assert "review" not in page.locator("#judge-panel").inner_text().lower()

    for i, name in enumerate(CRITERIA):
        tab_to(page, f"el.name === {name!r} && el.type === 'radio'")
        page.keyboard.press("Space")          # checks 1
        for _ in range(i % 4):
            page.keyboard.press("ArrowRight")  # moves and checks
        expect(page.locator(f"input[name={name}]:checked")).to_have_value(str(1 + i % 4))
    tab_to(page, "el.id === 'comment'")
    page.keyboard.type("Strong idea, rough edges.")
    tab_to(page, button("Save scores"))
    page.keyboard.press("Enter")
    expect(progress).to_have_text("Scored 1 of 3")
    expect(heading).to_be_focused()
    expect(page.locator("#own-scores")).to_contain_text("Strong idea, rough edges.")

    # a missing criterion: the summary says which, focused
    tab_to(page, button("Save scores"))
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_contain_text("Creativity is required")
    expect(page.locator(".summary-focus")).to_be_focused()
    axe(page, "judge page, 422")

    tab_to(page, button("Skip"))
    page.keyboard.press("Enter")
    expect(heading).to_be_focused()
    page.once("dialog", lambda d: d.accept())
    tab_to(page, button("I have a conflict of interest"))
    page.keyboard.press("Enter")
    expect(page.locator(".queue-message")).to_be_focused()

    page.goto(site + "/events/kb-jam/judge")
    tab_to(page, "el.tagName === 'A' && el.textContent.includes('your scores for')")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Score ")
    expect(page.locator("#comment")).to_have_value("Strong idea, rough edges.")
    axe(page, "score edit page")


def test_the_four_pages_pass_axe_in_light_and_dark(browser, site, app):
    me, j = world(app)

    def act():
        from buildstory.clock import utcnow
        from buildstory.events.models import Event
        from buildstory.hackathon import judge_services, review_services
        event = db.session.query(Event).filter_by(slug="kb-jam").one()
        reviewer = db.session.query(Profile).filter_by(clerk_id=me).one()
        scorer = db.session.query(Profile).filter_by(clerk_id=j).one()
        given = review_services.next_submission(db.session, event, reviewer, now=utcnow())
        slug = db.session.get(Project, given).slug
        review_services.save_review(db.session, event, reviewer, slug,
                                    {"feedback": "Tidy\nwork", "design": "Calm"}, now=utcnow())
        scored = db.session.get(Project, judge_services.next_submission(
            db.session, event, scorer, now=utcnow())).slug
        judge_services.save_scores(db.session, event, scorer, scored,
                                   {c: "4" for c in CRITERIA}, now=utcnow())
        return slug, scored

    reviewed, scored = committed(app, act)
    for identity, paths in ((me, ["/events/kb-jam/review", f"/events/kb-jam/reviews/{reviewed}"]),
                            (j, ["/events/kb-jam/judge", f"/events/kb-jam/scores/{scored}"])):
        for scheme in ("light", "dark"):
            for path in paths:
                found = serious_violations(browser, site + path, color_scheme=scheme,
                                           cookies=session_cookies(app, identity, site))
                assert not found, (path, scheme, found)


FIND_INJECTED = r"""(mark) => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
      if (name.startsWith('on') || name.startsWith('hx-on') || name === 'srcdoc' ||
          (['href', 'src', 'action', 'formaction', 'data'].includes(name) &&
           /^(javascript|data|vbscript):|xss\.invalid/.test(value)))
        bad.push(el.outerHTML.slice(0, 120));
    }
  }
  for (const el of document.querySelectorAll('iframe, object, embed, base, style, meta[http-equiv]'))
    bad.push(el.outerHTML.slice(0, 120));
  [...document.scripts].filter(s => !/^\/static\//.test(s.getAttribute('src') || ''))
    .forEach(s => bad.push(s.outerHTML.slice(0, 120)));
  if (document.body.innerText.includes(mark)) bad.push('template evaluated');
  return bad;
}"""


def test_the_xss_corpus_in_feedback_highlights_and_comments_never_runs(page, site, app):
    n = len(PAYLOADS)
    me, j = world(app, others=[f"Target {i}" for i in range(n)])
    reviewer, scorer = Client(app), Client(app)
    for client, identity in ((reviewer, me), (scorer, j)):
        client.raw.set_cookie(app.config["SESSION_COOKIE_NAME"],
                              session_cookies(app, identity, site)[0]["value"])
    reviewer.post("/events/kb-jam/review/next")
    scorer.post("/events/kb-jam/judge/next")

    def held(kind, identity):
        with app.app_context():
            profile_id = db.session.query(Profile.id).filter_by(clerk_id=identity).scalar()
            row = db.session.query(QueueAssignment).filter_by(queue=kind, profile_id=profile_id).one()
            slug = db.session.get(Project, row.project_id).slug
            db.session.remove()
        return slug

    slugs = []
    for i, payload in enumerate(PAYLOADS):
        slug = held(QueueKind.review, me)
        highlight = CRITERIA[i % 5]
        r = reviewer.post(f"/events/kb-jam/reviews/{slug}",
                          {"feedback": payload + "\nline two", highlight: payload})
        assert r.status_code == 303, (payload, r.status_code)
        slugs.append(slug)
        if i < 20:  # a judge's K is 3; 20 scored comments are plenty
            slug = held(QueueKind.judge, j)
            r = scorer.post(f"/events/kb-jam/scores/{slug}",
                            {**{c: "3" for c in CRITERIA}, "comment": payload})
            assert r.status_code == 303, (payload, r.status_code)

    alarms = []
    page.on("dialog", lambda d: (alarms.append(d.message), d.dismiss()))
    page.on("request", lambda r: alarms.append(r.url) if "xss.invalid" in r.url else None)
    problems = []
    for identity, paths in ((me, ["/events/kb-jam/review"]
                             + [f"/events/kb-jam/reviews/{s}" for s in slugs]),
                            (j, ["/events/kb-jam/judge"])):
        page.context.clear_cookies()
        page.context.add_cookies(session_cookies(app, identity, site))
        for path in paths:
            response = page.goto(site + path, wait_until="load")
            assert response.status == 200, (path, response.status)
            problems += [f"{path}: {p}" for p in page.evaluate(FIND_INJECTED, TEMPLATE_MARK)]
    assert not problems and not alarms, (problems[:20], alarms[:20])
    page.context.clear_cookies()
    page.context.add_cookies(session_cookies(app, me, site))
    page.goto(site + "/events/kb-jam/review")
    assert page.locator("#own-reviews .queue-feedback").count() == n
    expect(page.locator("#own-reviews")).to_contain_text(PAYLOADS[0])


def test_a_button_swapped_in_is_live_at_once(page, site, app):
    """htmx takes over new content in its settle step; we settle in the same task as the
    swap (``defaultSettleDelay`` 0, ``docs/architecture.md``), so a keyboard user pressing the
    just-swapped **Review skipped submissions** the very next moment sends it with htmx,
    not as a plain form that reloads the page and loses the focus (a CI flake once)."""
    me, _ = world(app, others=("Receipt Whisperer",))
    page.context.add_cookies(session_cookies(app, me, site))
    page.goto(site + "/events/kb-jam/review")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="Review next submission").click()
    expect(page.locator("#review-heading")).to_be_focused()
    # press the next button from the very task that follows the swap
    page.evaluate("""() => document.addEventListener('htmx:afterSwap', () => setTimeout(() => {
        const b = [...document.querySelectorAll('#review-panel button')]
            .find(b => b.textContent.trim() === 'Review skipped submissions');
        if (b) b.form.requestSubmit(b);
    }, 0))""")
    page.get_by_role("button", name="Skip").click()
    expect(page.locator("#review-heading")).to_have_text("Receipt Whisperer")
    expect(page.locator("#review-heading")).to_be_focused()
    assert page.evaluate("window.__sameDocument") is True  # never reloaded
