"""Every blueprint, registered in one place: the public site, then the admin area.

A feature's routes live in its own ``views.py`` (and ``admin_views.py`` for its admin
pages). The admin blueprints carry no prefix of their own: they are all mounted under
``/admin`` here, so the admin area has one root (docs/architecture.md, "Routes").
A feature whose routes span two modules (``events.onboarding_views``,
``profiles.public_views``, ``home.sitemap``) adds them to the blueprint of its
``views.py``; importing those modules here is what attaches them.
"""
from __future__ import annotations

ADMIN_PREFIX = "/admin"


def register_blueprints(app) -> None:
    """Register the public blueprints, then the admin ones under ``/admin``."""
    from .admin import views as admin
    from .applications import admin_views as applications_admin, views as applications
    from .buildlogs import talk_views as talk, views as buildlogs
    from .draws import admin_views as draws_admin
    from .hackathon import submission_views as submissions
    from .events import admin_views as events_admin, onboarding_views, views as events
    from .hackathon import queue_views as hackathon_queues
    from .hackathon import showcase_views as showcase
    from .hackathon import admin_views as hackathon_admin, results_views as hackathon_results
    from .home import sitemap, views as home
    from .identity import views as identity
    from .mail import admin_views as mail_admin, views as mail
    from .maintenance import admin_views as jobs_admin
    from .matching import views as matching
    from .moderation import views as moderation
    from .notifications import views as notifications
    from .profiles import public_views, views as profiles
    from .projects import views as projects
    from .reports import views as reports
    from .roadmap import admin_views as roadmap_admin, views as roadmap
    from .streams import admin_views as streams_admin, views as streams
    from .teams import views as teams
    from .tools import views as tools
    from .webhooks import admin_views as webhooks_admin

    del onboarding_views, public_views, sitemap  # imported for the routes they attach
    for module in (home, identity, profiles, events, projects, teams, moderation,
                   applications, streams, mail, tools, notifications, showcase,
                   submissions, hackathon_queues, hackathon_results, buildlogs, talk, roadmap, matching,
                   reports):
        app.register_blueprint(module.bp)
    for module, prefix in ((admin, ""), (events_admin, "/events"), (applications_admin, ""),
                           (streams_admin, ""), (draws_admin, ""), (mail_admin, ""),
                           (webhooks_admin, ""), (jobs_admin, ""), (hackathon_admin, "/events"),
                           (roadmap_admin, "")):
        app.register_blueprint(module.bp, url_prefix=ADMIN_PREFIX + prefix)
