"""A corpus of classic XSS payloads (docs/architecture.md "Quality bars"), shared by the tests.

``PAYLOADS`` go into every user text field; each would open a dialog (``alert``), load a
URL containing ``xss``, or leave an element with a handler or a ``javascript:`` link if it
were ever rendered as markup. ``URL_PAYLOADS`` go into the URL fields, which must refuse
them or store a plain http(s) URL. ``TEMPLATE_MARK`` appears on a page only if one of
the template-injection payloads (``tpl{{7*7}}tpl`` …) was evaluated.

Every payload is at most 100 characters, so it fits the shortest text field (names).
"""
from __future__ import annotations

PAYLOADS = [
    # Script tags, in several spellings.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.invalid/x.js></SCRIPT>",
    "<ScRiPt>alert(String.fromCharCode(88,83,83))</sCrIpT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script\x0c>alert(1)</script>",
    # Event handlers.
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x oNeRrOr=alert(1)//",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<xss onpointerenter=alert(1) style=display:block>hover me",
    "<video><source onerror=alert(1)></video>",
    # SVG and MathML.
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">X</text></a></svg>',
    '<math href="javascript:alert(1)">CLICK</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # Frames, objects and other ways to run or load things.
    '<iframe src="javascript:alert(1)"></iframe>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    '<object data="data:text/html,<script>alert(1)</script>">',
    '<embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    "<style>@import 'https://xss.invalid/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    # javascript: / data: / vbscript: links, in many casings and encodings.
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    # Markdown link and image tricks.
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click](vbscript:msgbox(1))",
    '[x](https://ok.example" onmouseover="alert(1))',
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    '![pic](x" onerror="alert(1))',
    "<https://ok.example/\" onclick=\"alert(1)>",
    "[a](<javascript:alert(1)>)",
    "**<img src=x onerror=alert(1)>** _<svg onload=alert(1)>_",
    # Breaking out of attributes and elements: quotes, backticks, closing tags.
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "' onfocus='alert(1)' autofocus='",
    "`><img src=x onerror=alert(1)>`",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<![CDATA[<script>alert(1)</script>]]>",
    # htmx attributes: markup htmx would act on even under the CSP.
    '<div hx-get="/xss-hx" hx-trigger="load">x</div>',
    '<button hx-on:click="alert(1)">x</button>',
    # Entity- and percent-encoded text must stay text.
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    # Unicode tricks: right-to-left override, fullwidth brackets, dotted I, zero-width.
    "\u202e<script>alert(1)</script>",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "<scr\u0130pt>alert(1)</scr\u0130pt>",
    "<img src=x on\u200berror=alert(1)>",
    # Template injection (Jinja, JS template literals, Ruby, ERB).
    "tpl{{7*7}}tpl",
    "tpl${7*7}tpl",
    "tpl#{7*7}tpl",
    "tpl<%= 7*7 %>tpl",
    "{{constructor.constructor('alert(1)')()}}",
    "{% raw %}{{ config }}{% endraw %}",
]
TEMPLATE_MARK = "tpl49tpl"

URL_PAYLOADS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "javascript://example.com/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//xss.invalid/x",
    'https://ok.example/"><script>alert(1)</script>',
    "https://ok.example/' onmouseover='alert(1)",
    "https://ok.example/`onclick=alert(1)`",
    "https://xss.invalid@ok.example/",
]

assert len(PAYLOADS) >= 40 and all(len(p) <= 100 for p in PAYLOADS)


# --- Pushing the corpus through every user text field, by the real forms -----------------

class Corpus:
    """What ``push_everywhere`` made: the URLs that show the payloads, by who sees them."""

    def __init__(self):
        self.pages: dict[str, list[str]] = {"admin": [], "watcher": [], "anonymous": []}
        self.cookies: dict[str, str] = {}
        self.banned_cookies: list[str] = []
        self.tried = 0          # payload × field submissions
        self.refused: list[str] = []


def push_everywhere(app, session=None, payloads=PAYLOADS, url_payloads=URL_PAYLOADS) -> Corpus:
    """Create builders, an admin, a moderator and a watcher, then submit every payload
    through every form with a user text field; return the pages that show them.

    ``session`` is the test's ``db_session`` for web tests, None for committed browser
    tests (then data is committed for real and requests run outside any app context).
    """
    from buildstory.db import db
    from buildstory.identity import services, tokens
    from tests.conftest import Client
    from tests.factories import AccountFactory, EventFactory

    corpus = Corpus()
    n = len(payloads)
    with app.app_context():
        def login_cookie(profile):
            row = services.create_session(db.session, profile.clerk_id, user_agent="xss",
                                          now=services.utcnow(), lifetime_days=1)
            return tokens.encode_session(row)

        builders = [AccountFactory(profile__username=f"xss{i}").profile for i in range(n)]
        victims = [AccountFactory(profile__username=f"xssban{i}").profile for i in range(n)]
        admin = AccountFactory(profile__username="xss-admin", profile__admin=True).profile
        watcher = AccountFactory(profile__username="xss-watcher").profile
        featured = EventFactory(open=True, featured=True, slug="xss-featured")
        EventFactory(active=True, slug="xss-live")  # takes submissions
        people = {"builders": [login_cookie(p) for p in builders],
                  "admin": login_cookie(admin), "watcher": login_cookie(watcher)}
        banned_cookies = [login_cookie(p) for p in victims]
        victim_ids = [p.id for p in victims]
        featured_id = str(featured.id)
        from tests.hackathon_factories import AiToolFactory
        tool_ids = [AiToolFactory(name=f"Xss tool {i}", slug=f"xss-tool-{i}").id for i in range(n)]
        db.session.commit()
    corpus.cookies = {"admin": people["admin"], "watcher": people["watcher"]}
    corpus.banned_cookies = banned_cookies
    name = app.config["SESSION_COOKIE_NAME"]

    def client(cookie):
        c = Client(app, session)
        if cookie:
            c.raw.set_cookie(name, cookie)
        return c

    def submit(c, path, data, ok=(303,)):
        corpus.tried += sum(1 for v in data.values() if v in payloads or v in url_payloads)
        r = c.post(path, data)
        assert r.status_code in ok, (path, data, r.status_code, r.get_data(as_text=True)[:500])
        return r.status_code

    admin_c = client(people["admin"])
    # The watcher's project looks for a backend builder: every builder asks to join it with
    # a payload as the message, which the watcher reads on /invites.
    watcher_c = client(people["watcher"])
    submit(watcher_c, "/projects/new", {"name": "Xss host", "slug": "xss-host",
                                        "description": "Looking for builders"})
    submit(watcher_c, "/projects/xss-host/open-roles", {"open_roles": "backend"})
    for i, p in enumerate(payloads):
        me = client(people["builders"][i])
        base = {"display_name": p, "username": f"xss{i}", "bio": p, "allow_invites": "1",
                "twitch_url": f"https://www.twitch.tv/xss{i}"}
        submit(me, "/settings", base)
        for handle in ("twitter_handle", "github_handle"):  # formats no payload fits
            submit(me, "/settings", {**base, handle: p}, ok=(422,))
        submit(me, "/projects/new", {"name": p, "slug": f"xss-{i}", "description": p,
                                     "goal_text": p})
        # Other skills (shown on the profile when its characters pass) and a join request
        submit(me, "/settings/skills", {"other_skills": p}, ok=(303, 422))
        submit(me, "/projects/xss-host/join-requests", {"role": "backend", "message": p})
        submit(me, "/events/xss-featured/register", {"team_preference": "solo"})
        submit(me, f"/projects/xss-{i}/events", {"event": featured_id})
        submit(me, f"/projects/xss-{i}/invites", {"username": "xss-watcher"})
        submit(admin_c, "/admin/events", {
            "name": p, "slug": f"xss-e{i}", "description": p, "starts_at": "2031-05-01T10:00",
            "ends_at": "2031-05-02T10:00", "timezone": "UTC"})
        submit(admin_c, f"/admin/events/xss-e{i}/status", {"status": "open"})
        submit(client(None), "/mentor-apply", {
            "name": p, "email": f"mentor{i}@example.com", "discord_handle": p,
            "mentor_types": "design", "background": p, "availability": p})
        submit(client(None), "/sponsor-apply", {
            "company_name": p, "contact_name": p, "email": f"sponsor{i}@example.com",
            "offer_description": p, "additional_notes": p})
        submit(admin_c, f"/moderation/profiles/{victim_ids[i]}/ban",
               {"confirm": "yes", "reason": p})
        submit(admin_c, "/admin/streams", {"twitch_id": str(700000 + i), "name": p})
        # a tool's name (a unique prefix keeps the folded names apart) and description
        submit(admin_c, f"/moderation/tools/{tool_ids[i]}", {
            "name": (f"t{i}x " + p)[:60], "category": "coding", "description": p})
        # A submission: what was built and the lesson, shown to the team on its form.
        submit(me, "/events/xss-live/register", {"team_preference": "solo"})
        submit(me, f"/projects/xss-{i}/submissions/xss-live",
               {"what_built": p, "lesson_learned": p})
        corpus.pages[f"xss{i}"] = [f"/projects/xss-{i}/submissions/xss-live"]
        corpus.cookies[f"xss{i}"] = people["builders"][i]
    for j, u in enumerate(url_payloads):
        me = client(people["builders"][j % n])
        base = {"display_name": f"Url {j}", "username": f"xss{j % n}", "allow_invites": "1"}
        for field in ("website_url", "twitch_url", "stream_url"):
            submit(me, "/settings", {**base, field: u}, ok=(303, 422))
        for field in ("github_url", "live_url"):
            submit(me, f"/projects/xss-{j % n}/edit", {
                "name": f"Url {j}", "slug": f"xss-{j % n}", "description": "u", field: u},
                ok=(303, 422))
        submit(client(None), "/mentor-apply", {
            "name": "Url", "email": f"url-mentor{j}@example.com", "discord_handle": "u",
            "mentor_types": "design", "background": "u", "availability": "u",
            "website_url": u}, ok=(303, 422))
        submit(client(None), "/sponsor-apply", {
            "company_name": "Url", "contact_name": "u", "email": f"url-sponsor{j}@example.com",
            "offer_description": "u", "website_url": u}, ok=(303, 422))
        submit(admin_c, "/admin/streams", {"twitch_id": str(800000 + j), "name": "Url",
                                           "box_art_url": u}, ok=(303, 422))
        for field in ("demo_url", "repo_url", "video_url"):
            submit(me, f"/projects/xss-{j % n}/submissions/xss-live",
                   {"what_built": f"Url {j}", field: u}, ok=(303, 422))

    def pages(path, per_page):
        return [f"{path}{'&' if '?' in path else '?'}page={k}"
                for k in range(1, n // per_page + 2)]

    corpus.pages["admin"] = (
        [f"/profiles/xss{i}" for i in range(n)] + [f"/projects/xss-{i}" for i in range(n)]
        + [f"/events/xss-e{i}" for i in range(n)] + ["/events/xss-featured", "/events"]
        + pages("/members", 24) + pages("/members?q=xss", 24) + pages("/projects", 24)
        + pages("/events/xss-featured", 24) + ["/streams", "/admin", "/admin/events",
                                                "/admin/draws", "/admin/streams"]
        + pages("/admin/users", 50) + pages("/admin/users?status=banned", 50)
        + [f"/admin/users/{victim_ids[i]}" for i in range(0, n, 7)]
        + pages("/admin/audit", 50) + pages("/admin/mentors", 50) + pages("/admin/sponsors", 50)
        + [f"/tools/xss-tool-{i}" for i in range(n)] + pages("/tools?category=coding", 50))
    corpus.pages["watcher"] = ["/dashboard", "/invites"]
    corpus.pages["anonymous"] = ["/", "/streams", "/events", "/members", "/projects", "/tools",
                                 "/tools/xss-tool-0"]
    return corpus


def stored_urls(session) -> list[str]:
    """Every URL a user could have typed that is stored anywhere."""
    import sqlalchemy as sa
    columns = {"profiles": ("website_url", "twitch_url", "stream_url"),
               "projects": ("github_url", "live_url"), "mentor_applications": ("website_url",),
               "sponsorship_inquiries": ("website_url",), "twitch_categories": ("box_art_url",),
               "event_submissions": ("demo_url", "repo_url", "video_url")}
    urls = []
    for table, names in columns.items():
        for column in names:
            urls += session.scalars(sa.text(
                f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')).all()
    return urls
