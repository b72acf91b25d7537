"""Concurrent first requests of a share card store one row (a cache fill on GET)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from buildstory.db import db
from buildstory.enums import EventStatus
from buildstory.hackathon import cards
from buildstory.hackathon.models import SubmissionCard
from tests.conftest import Client
from tests.factories import EventFactory
from tests.web.test_showcase_pages import submit

N = 8


def test_concurrent_first_requests_store_one_card(committed):
    app = committed
    with app.app_context():
        event = EventFactory(status=EventStatus.active, slug="race-jam", name="Race Jam")
        sub = submit(event, "Racer", "Races to the card")
        db.session.commit()
        inputs = cards.CardInputs("Racer", "Races to the card", (), (sub.project.owner.display_name,),
                                  "Race Jam")
        url = f"/cards/{sub.id}/{cards.card_version(inputs)}.png"
        db.session.remove()
    clients = [Client(app) for _ in range(N)]
    barrier = threading.Barrier(N)
    answers = [None] * N

    def go(i):
        barrier.wait()
        answers[i] = clients[i].get(url)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [a.status_code for a in answers] == [200] * N
    assert len({a.data for a in answers}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SubmissionCard)) == 1
        db.session.remove()
