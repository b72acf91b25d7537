"""``python -m bench.fanout <event slug> <dedupe key>``: record an event-wide fan-out (the
"event is live" notice to every registrant) and queue its job, as a status change does.
``bench/run.py`` runs it while the site is under load and a worker writes the batches."""
from __future__ import annotations

import sys

from sqlalchemy import select

from buildstory import create_app
from buildstory.db import db
from buildstory.enums import NotificationType
from buildstory.events.models import Event
from buildstory.notifications.fanout import fan_out


def main(slug: str, key: str) -> None:
    app = create_app()
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        fan_out(db.session, NotificationType.event_status, audience="event_registrants",
                subject_id=event.id, dedupe_key=key, title=event.name, event_id=event.id)
        db.session.commit()


if __name__ == "__main__":
    main(*sys.argv[1:3])
