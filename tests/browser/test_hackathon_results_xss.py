"""The XSS corpus through the texts the judging and results pages show: review feedback
and highlights, judges' comments, reviewer, judge and project names. Each payload is
stored (the review and score forms belong to the review pages), results are published,
and every page that shows them is opened in Chromium with the CSP bypassed: no dialog, no
request to a payload's URL, no event handler or ``javascript:`` link, no foreign script,
no evaluated template."""
from __future__ import annotations

from buildstory.db import db
from buildstory.enums import EventStatus
from buildstory.hackathon import results
from tests.browser.a11y import session_cookies
from tests.factories import (AccountFactory, EventFactory, EventProjectFactory, ProfileFactory,
                             ProjectFactory, utcnow)
from tests.hackathon_factories import (EventJudgeFactory, EventSubmissionFactory,
                                       HackathonReviewFactory, JudgeScoreFactory)
from tests.xss_payloads import PAYLOADS, TEMPLATE_MARK

FIND = r"""(mark) => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
      if (name.startsWith('on') || name.startsWith('hx-on') || name === 'srcdoc' ||
          (['href', 'src', 'action', 'formaction'].includes(name) &&
           /^(javascript|data|vbscript):|xss\.invalid/.test(value)))
        bad.push(el.outerHTML.slice(0, 120));
    }
  }
  for (const el of document.querySelectorAll('iframe, object, embed, base, style'))
    bad.push(el.outerHTML.slice(0, 120));
  [...document.scripts].filter(s => !/^\/static\//.test(s.getAttribute('src') || ''))
    .forEach(s => bad.push(s.outerHTML.slice(0, 120)));
  if (document.body.innerText.includes(mark)) bad.push('template evaluated: ' + mark);
  return bad;
}"""


def _store(app):
    """Every payload as feedback, highlight, comment and name; results published."""
    with app.app_context():
        admin = AccountFactory(profile__admin=True).profile
        owner = AccountFactory().profile
        event = EventFactory(status=EventStatus.judging, slug="xss-judged", name=PAYLOADS[0])
        mine = ProjectFactory(owner=owner, slug="xss-mine", name=PAYLOADS[1])
        subs = [EventSubmissionFactory(entry=EventProjectFactory(event=event, project=mine))]
        for i, p in enumerate(PAYLOADS[:10]):
            subs.append(EventSubmissionFactory(entry=EventProjectFactory(
                event=event, project=ProjectFactory(name=p, slug=f"xss-p{i}"))))
        judge = EventJudgeFactory(event=event, profile=ProfileFactory(display_name=PAYLOADS[2]))
        for i, sub in enumerate(subs):
            JudgeScoreFactory(submission=sub, judge=judge, bump=True, creativity=1 + i % 5,
                              comment=PAYLOADS[i % len(PAYLOADS)])
        for i, p in enumerate(PAYLOADS):
            HackathonReviewFactory(submission=subs[0], feedback=p, bump=True,
                                   reviewer=ProfileFactory(display_name=p[:100]),
                                   highlights={"design": p, "impact": p},
                                   hidden_at=utcnow() if i % 7 == 0 else None)
        db.session.flush()
        results.publish(db.session, admin, event, results.compute(db.session, event).fingerprint,
                        now=utcnow())
        ids = admin.clerk_id, owner.clerk_id
        db.session.commit()
        db.session.remove()
    return ids


def test_payloads_in_reviews_comments_and_names_never_run(browser, site, app):
    admin, owner = _store(app)
    pages = {owner: ["/events/xss-judged/results", "/projects/xss-mine/reviews",
                     "/projects/xss-mine/reviews?page=2"],
             admin: ["/projects/xss-mine/reviews", "/moderation/events/xss-judged/reviews",
                     "/moderation/events/xss-judged/reviews?page=2",
                     "/admin/events/xss-judged/judging",
                     "/admin/events/xss-judged/results?preview=1"]}
    problems, opened = [], 0
    for who, paths in pages.items():
        context = browser.new_context(bypass_csp=True)
        context.add_cookies(session_cookies(app, who, site))
        page = context.new_page()
        alarms = []
        page.on("dialog", lambda d: (alarms.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("request", lambda r: alarms.append(f"request: {r.url}")
                if "xss.invalid" in r.url or "/xss-hx" in r.url else None)
        try:
            for path in paths:
                response = page.goto(site + path, wait_until="load")
                assert response.status == 200, (path, response.status)
                problems += [f"{path}: {p}" for p in page.evaluate(FIND, TEMPLATE_MARK)]
                problems += [f"{path}: {a}" for a in alarms]
                alarms.clear()
                opened += 1
        finally:
            context.close()
    assert opened == 8
    assert not problems, "\n".join(problems[:50])
