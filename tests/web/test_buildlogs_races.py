"""One builder posting five times at the same instant, from five browsers on five
connections: the posting limit is counted under the builder's lock, so exactly one post
is created and the other four get 429 with the gap message."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from buildstory.buildlogs.models import Post
from buildstory.db import db
from buildstory.identity import services, tokens
from tests.conftest import Client
from tests.factories import ProfileFactory
from tests.hackathon_factories import AiToolFactory


def test_five_simultaneous_posts_by_one_builder_one_lands(committed):
    app = committed
    with app.app_context():
        builder, tool = ProfileFactory(), AiToolFactory(name="Race Tool")
        cookies = [tokens.encode_session(services.create_session(
            db.session, builder.clerk_id, user_agent="race", now=services.utcnow(),
            lifetime_days=1)) for _ in range(5)]
        slug, builder_id = tool.slug, builder.id
        db.session.commit()
        db.session.remove()
    clients = []
    for cookie in cookies:
        c = Client(app)
        c.raw.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        c.token = c.csrf()
        clients.append(c)
    barrier = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def go(i, c):
        htmx = i % 2 == 1
        headers = {"X-CSRF-Token": c.token, "HX-Target": "updates"} if htmx else {}
        body = {"body": f"Race {i}"} if htmx else {"body": f"Race {i}", "csrf_token": c.token}
        barrier.wait()
        responses[i] = c.post(f"/tools/{slug}/posts", body, csrf=False, htmx=htmx,
                              headers=headers)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([200, 429, 429, 429, 429], [303, 429, 429, 429, 429])
    for r in responses:
        if r.status_code == 429:
            assert "Please wait a few seconds before posting again." in r.get_data(as_text=True)
            assert int(r.headers["Retry-After"]) >= 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post)
                                 .where(Post.author_id == builder_id)) == 1
        db.session.remove()
