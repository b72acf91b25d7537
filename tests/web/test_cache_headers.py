"""Private pages are not cacheable: every GET route of the permission matrix, per actor.

A signed-in visitor's responses, and every admin URL, carry ``Cache-Control: private,
no-store`` and ``Vary: Cookie``; anonymous visitors' public pages keep their caching
(the sitemap stays ``public``); static files and visible avatars stay ``public``.
"""
from __future__ import annotations

from tests.web.matrix import ROUTES

# Content-addressed avatars of visible builders, share cards and demo images of visible
# submissions, images of visible posts, and the sitemap: nothing personal.
SAME_FOR_EVERYONE = (".avatar", ".sitemap_index", ".sitemap_chunk", "showcase.card",
                     ".demo_image", ".demo_thumb", "buildlogs.image")
ACTORS = ("anonymous", "builder", "moderator", "admin")
GETS = sorted((endpoint, i) for (endpoint, method), cases in ROUTES.items() if method == "GET"
              for i in range(len(cases)))


def test_signed_in_and_admin_responses_are_private_and_vary_by_cookie(world):
    failures, checked = [], 0
    for endpoint, i in GETS:
        url = ROUTES[(endpoint, "GET")][i].url(world.w)
        for actor in ACTORS:
            with world.turn():
                response = world.client(actor).get(url)
                response.get_data()
            cache = response.headers.get("Cache-Control", "")
            if "public" in cache:  # the same bytes for every viewer
                assert endpoint.endswith(SAME_FOR_EVERYONE) or actor == "anonymous", (actor, url)
                continue
            private = actor != "anonymous" or url.startswith("/admin")
            if private and not ("private" in cache and "no-store" in cache):
                failures.append(f"{actor} {url}: Cache-Control {cache!r}")
            if "cookie" not in response.headers.get("Vary", "").lower():
                failures.append(f"{actor} {url}: Vary {response.headers.get('Vary')!r}")
            checked += 1
    assert checked > 100
    assert not failures, "\n".join(failures)


def test_anonymous_public_pages_keep_their_caching(world):
    anonymous = world.client("anonymous")
    with world.turn():
        assert anonymous.get("/sitemap.xml").headers["Cache-Control"] == "public, max-age=3600"
        page = anonymous.get(f"/profiles/{world.w.builder_username}")
    assert "no-store" not in page.headers.get("Cache-Control", "")
    with world.turn():
        signed_in = world.client("builder").get(f"/profiles/{world.w.builder_username}")
    assert signed_in.headers["Cache-Control"] == "private, no-store"
