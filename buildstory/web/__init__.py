"""HTTP glue shared by blueprints: htmx helpers, current user, CSRF, headers, errors."""
from __future__ import annotations

from .assets import init_assets
from .compress import init_compress
from .auth import load_current_user, set_cookies, template_context
from .caching import init_caching
from .csrf import init_csrf
from .errors import init_errors
from .jinja import init_jinja
from .limits import init_limits
from .proxy import init_proxy
from .inputs import init_inputs
from .security import init_security
from .transactions import init_transactions


def init_web(app) -> None:
    """Install the shared request machinery and every blueprint."""
    init_inputs(app)  # before any rule is added
    init_compress(app)  # registered first, so it runs last among after_request hooks
    init_security(app)
    init_caching(app)
    init_transactions(app)  # read-only requests end with COMMIT (prepared plans survive)
    init_csrf(app)
    init_limits(app)
    app.before_request(load_current_user)
    app.after_request(set_cookies)
    app.context_processor(template_context)
    init_errors(app)
    init_jinja(app)
    init_assets(app)
    init_proxy(app)  # wraps the WSGI app: proxy headers, then the host check

    from ..admin.views import bp as admin_bp
    from ..applications.admin_views import bp as applications_admin_bp
    from ..applications.views import bp as applications_bp
    from ..events.admin_views import bp as events_admin_bp
    from ..events.views import bp as events_bp
    from ..identity.views import bp as identity_bp
    from ..moderation.views import bp as moderation_bp
    from ..profiles.views import bp as profiles_bp
    from ..projects.views import bp as projects_bp
    from ..teams.views import bp as teams_bp
    from .pages import bp as pages_bp

    for bp in (pages_bp, identity_bp, profiles_bp, events_bp, projects_bp, teams_bp,
               moderation_bp, admin_bp, applications_bp, events_admin_bp,
               applications_admin_bp):
        app.register_blueprint(bp)

    from ..cli import init_cli
    init_cli(app)
