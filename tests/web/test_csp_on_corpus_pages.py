"""The CSP header on every page the XSS corpus is shown on (docs/architecture.md "Quality bars").

The browser test opens these pages with the CSP bypassed, to test the escaping; this checks
the second wall separately: each of them is served with a policy that forbids inline and
eval'd scripts and framing.
"""
from __future__ import annotations

from tests.conftest import Client
from tests.xss_payloads import PAYLOADS, URL_PAYLOADS, push_everywhere


def directives(header: str) -> dict[str, list[str]]:
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_every_page_showing_user_text_carries_the_strict_csp(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_APPLY_ADDRESS", "100000 per hour")
    corpus = push_everywhere(app, db_session, payloads=PAYLOADS[:3], url_payloads=URL_PAYLOADS[:2])
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    checked = []
    viewers = {who: corpus.cookies.get(who) for who in corpus.pages}
    visits = [(who, path) for who, paths in corpus.pages.items() for path in paths]
    visits += [("banned", "/banned")]
    viewers["banned"] = corpus.banned_cookies[0]
    for who, path in visits:
        c = Client(app, db_session)
        if viewers[who]:
            c.raw.set_cookie(cookie_name, viewers[who])
        for htmx in (False, True):
            r = c.hx_get(path) if htmx else c.get(path)
            assert r.status_code == 200, (who, path, r.status_code)
            csp = directives(r.headers.get("Content-Security-Policy", ""))
            script = csp.get("script-src", csp.get("default-src"))
            assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, path
            assert csp.get("frame-ancestors") == ["'none'"], path
            assert csp.get("object-src") == ["'none'"] and csp.get("base-uri") == ["'none'"], path
            assert "'unsafe-inline'" not in csp.get("style-src", []), path
            assert r.headers["X-Content-Type-Options"] == "nosniff", path
            assert r.headers.get("Referrer-Policy"), path
            checked.append(path)
    assert len(set(checked)) >= 20
