"""HTTP glue shared by blueprints: htmx helpers, current user, CSRF, headers, errors.

A leaf: nothing here imports a feature package (the session and the signed-in builder's
profile aside), so every feature may use it (docs/architecture.md, "Layers")."""
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
from .replica import init_replica
from .inputs import init_inputs
from .security import init_security
from .transactions import init_transactions


def init_web(app) -> None:
    """Install the shared request machinery (before any blueprint is registered)."""
    init_inputs(app)  # before any rule is added
    init_compress(app)  # registered first, so it runs last among after_request hooks
    init_security(app)
    init_caching(app)
    init_transactions(app)  # read-only requests end with COMMIT (prepared plans survive)
    init_csrf(app)
    init_limits(app)
    app.before_request(load_current_user)
    init_replica(app)  # after the builder is loaded: sessions are read from the primary
    app.after_request(set_cookies)
    app.context_processor(template_context)
    init_errors(app)
    init_jinja(app)
    init_assets(app)
    init_proxy(app)  # wraps the WSGI app: proxy headers, then the host check

