"""Configuration: safe defaults first, then the environment (README "Configuration")."""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from .devdb import embedded_database_url

TRUE = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """Raised when the configuration cannot start the app safely."""


def _bool(value, default):
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE


def normalise_database_url(url):
    """Return a SQLAlchemy URL that uses psycopg 3 for postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _dev_secret_key(instance_path):
    """Return the development secret key kept under instance/, creating it once."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def load_config(instance_path, env=None):
    """Return the config dict built from ``env`` (default: os.environ)."""
    env = os.environ if env is None else env
    mode = env.get("BUILDSTORY_ENV", "development").strip().lower() or "development"
    if mode not in {"development", "production"}:
        raise ConfigError(f"BUILDSTORY_ENV must be development or production, not {mode!r}")
    production = mode == "production"
    secret = env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set when BUILDSTORY_ENV=production")
        secret = _dev_secret_key(instance_path)
    url = env.get("DATABASE_URL") or embedded_database_url(instance_path)
    return {
        "BUILDSTORY_ENV": mode,
        "PRODUCTION": production,
        "SECRET_KEY": secret,
        **_database_settings(env, url),
        **_auth_settings(env),
        **_cookie_settings(env, production),
        **_community_settings(env),
        **_rate_limit_settings(env),
        **_integration_settings(env),
        **_webhook_settings(env, production),
        **_mail_settings(env, production),
        "ARGON2_PARAMS": {},
        "PUBLIC_URL": _public_url(env.get("PUBLIC_URL", ""), production),
        # Not Flask's own TRUSTED_HOSTS key: the check runs in buildstory/web/proxy.py.
        "ALLOWED_HOSTS": _list(env.get("TRUSTED_HOSTS")),
        "TRUSTED_PROXY_HOPS": _int(env, "TRUSTED_PROXY_HOPS", 0),
        # Seconds that aggregate numbers (event stats, admin charts and tab counts) are
        # kept in the in-process cache (buildstory/cache.py); 0 turns it off.
        "STATS_CACHE_SECONDS": float(env.get("STATS_CACHE_SECONDS", "30")),
        # redis://host:6379/1 keeps that cache in Redis, shared by every app server.
        "CACHE_URL": (env.get("CACHE_URL") or "").strip(),
        # Uploaded media: "database" (default) or s3://bucket?endpoint=…&region=…
        # (buildstory/storage/).
        "STORAGE_URL": (env.get("STORAGE_URL") or "database").strip(),
    }


def _database_settings(env, url):
    return {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
        # Scale-out (README "Scaling"): a streaming read replica for the public pages, the
        # job queue's own direct connection when DATABASE_URL goes through PgBouncer.
        "DATABASE_REPLICA_URL": normalise_database_url(env.get("DATABASE_REPLICA_URL") or ""),
        "READ_YOUR_WRITES_SECONDS": _int(env, "READ_YOUR_WRITES_SECONDS", 10),
        "REPLICA_RETRY_SECONDS": _int(env, "REPLICA_RETRY_SECONDS", 5),
        # Empty: the job queue uses SQLALCHEMY_DATABASE_URI.
        "JOBS_DATABASE_URL": normalise_database_url(env.get("JOBS_DATABASE_URL") or ""),
        # A large fan-out's ranges, one job each: as many as the fan-out workers that may
        # write at once (1: one job, one database connection, however many workers run).
        "FANOUT_PARTS": max(1, _int(env, "FANOUT_PARTS", 1)),
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "pool_size": int(env.get("DB_POOL_SIZE", "10")),
            "max_overflow": 10,
            "connect_args": _connect_args(env),
        },
        # Form bodies are capped at 1 MB; the avatar upload raises its own limit.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "UPLOAD_BODY_LIMIT": 6 * 1024 * 1024,
    }


def _auth_settings(env):
    provider = env.get("AUTH_PROVIDER", "local").strip().lower() or "local"
    if provider not in {"local", "clerk"}:
        raise ConfigError("AUTH_PROVIDER must be local or clerk")
    if provider == "clerk":
        _check_clerk(env)
    return {
        "AUTH_PROVIDER": provider,
        "CLERK_JWT_KEY": env.get("CLERK_JWT_KEY", "").replace("\\n", "\n"),
        "CLERK_AUTHORIZED_PARTIES": _list(env.get("CLERK_AUTHORIZED_PARTIES")),
        "CLERK_SIGN_IN_URL": env.get("CLERK_SIGN_IN_URL", ""),
        "CLERK_SIGN_UP_URL": env.get("CLERK_SIGN_UP_URL", ""),
        "CLERK_FRONTEND_ORIGIN": env.get("CLERK_FRONTEND_ORIGIN", ""),
        "CLERK_ISSUER": env.get("CLERK_ISSUER", "").strip(),
        "CLERK_SESSION_HOURS": int(env.get("CLERK_SESSION_HOURS", "12")),
        "CLERK_IMAGE_HOST": env.get("CLERK_IMAGE_HOST", "img.clerk.com").strip().lower(),
        "ADMIN_USER_IDS": frozenset(_list(env.get("ADMIN_USER_IDS"))),
        "SESSION_LIFETIME_DAYS": int(env.get("SESSION_LIFETIME_DAYS", "30")),
    }


def _cookie_settings(env, production):
    # In production the cookies carry the __Host- prefix: the browser then accepts them
    # only over HTTPS, for the whole site, from this exact host (no Domain attribute), so
    # a sibling subdomain cannot plant a session or CSRF cookie.
    prefix = "__Host-" if production else ""
    return {
        "SESSION_COOKIE_NAME": prefix + "bs_session",
        "CSRF_COOKIE_NAME": prefix + "bs_csrf",
        # Set for a few seconds after a POST: that browser reads the primary (web/replica.py).
        "READ_PRIMARY_COOKIE_NAME": prefix + "bs_wrote",
        # The names before the prefix: read once and reissued under the new name, so a
        # deployment switching to production signs nobody out.
        "LEGACY_SESSION_COOKIE_NAME": "bs_session" if prefix else "",
        "LEGACY_CSRF_COOKIE_NAME": "bs_csrf" if prefix else "",
        "SESSION_COOKIE_SECURE": production,
    }


def _community_settings(env):
    return {
        "TEAM_SIZE_LIMIT": int(env.get("TEAM_SIZE_LIMIT", "6")),
        "INVITE_LINK_TTL_DAYS": int(env.get("INVITE_LINK_TTL_DAYS", "7")),
        "JOIN_REQUEST_TTL_DAYS": int(env.get("JOIN_REQUEST_TTL_DAYS", "7")),
        "MENTOR_CLAIM_TTL_DAYS": int(env.get("MENTOR_CLAIM_TTL_DAYS", "14")),
        "MENTOR_MAX_CLAIMED": int(env.get("MENTOR_MAX_CLAIMED", "3")),
        # A member's ownership request passes after this long unless the owner keeps it;
        # only an owner unseen for OWNERSHIP_IDLE_HOURS can be asked.
        "OWNERSHIP_REQUEST_HOURS": int(env.get("OWNERSHIP_REQUEST_HOURS", "72")),
        "OWNERSHIP_IDLE_HOURS": int(env.get("OWNERSHIP_IDLE_HOURS", "48")),
        "DISCORD_INVITE_URL": env.get("DISCORD_INVITE_URL", ""),
    }


MAIL_SCHEMES = ("smtp", "smtps", "log")


def _mail_settings(env, production):
    """``MAIL_URL``: ``smtp://user:pass@host[:587]`` (STARTTLS, required unless the host is
    loopback), ``smtps://user:pass@host[:465]`` (implicit TLS) or ``log:`` (messages go to
    the log). The older ``MAIL_BACKEND=smtp`` + ``SMTP_URL`` pair is still read."""
    url = (env.get("MAIL_URL") or "").strip()
    if not url and (env.get("MAIL_BACKEND") or "").strip().lower() == "smtp":
        url = (env.get("SMTP_URL") or "").strip()
    if not url:
        if production:
            raise ConfigError("MAIL_URL is required in production (smtp://user:pass@host:587, "
                              "smtps://user:pass@host:465, or log: to only log messages)")
        url = "log:"
    scheme = urlsplit(url).scheme.lower()
    if scheme == "smtp+starttls":  # the old SMTP_URL spelling of STARTTLS
        url, scheme = "smtp" + url[len("smtp+starttls"):], "smtp"
    if scheme not in MAIL_SCHEMES:
        raise ConfigError(f"MAIL_URL must start with smtp://, smtps:// or log:, not {url!r}")
    if scheme != "log" and not urlsplit(url).hostname:
        raise ConfigError("MAIL_URL must name the mail server's host, e.g. "
                          "smtp://user:pass@smtp.example.com:587")
    sender = (env.get("MAIL_FROM") or "").strip()
    if scheme != "log" and not sender:
        raise ConfigError("MAIL_FROM is required to send email over SMTP "
                          "(e.g. Buildstory <no-reply@buildstory.example.com>)")
    return {
        "MAIL_URL": url,
        "MAIL_FROM": sender or "Buildstory <no-reply@buildstory.local>",
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "10")),
        "CLERK_SECRET_KEY": env.get("CLERK_SECRET_KEY", ""),
    }


def _rate_limit_settings(env):
    return {
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # With a shared store (redis://…) that goes away, count in memory per process
        # until it is back rather than failing requests.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
    }


def _integration_settings(env):
    return {
        "TWITCH_CLIENT_ID": env.get("TWITCH_CLIENT_ID", ""),
        "TWITCH_CLIENT_SECRET": env.get("TWITCH_CLIENT_SECRET", ""),
        "TWITCH_API_BASE": env.get("TWITCH_API_BASE", "https://api.twitch.tv/helix"),
        "TWITCH_AUTH_BASE": env.get("TWITCH_AUTH_BASE", "https://id.twitch.tv/oauth2"),
    }


def _webhook_settings(env, production):
    # Webhook URLs must be https and resolve to public addresses in production (the
    # server fetches what an admin typed); development and tests post to loopback.
    return {
        "WEBHOOK_ALLOW_PRIVATE": _bool(env.get("WEBHOOK_ALLOW_PRIVATE"), not production),
        "WEBHOOK_REQUIRE_HTTPS": production,
        "WEBHOOK_DISABLE_AFTER": max(1, _int(env, "WEBHOOK_DISABLE_AFTER", 20)),
    }


def check_rate_limit_storage(env, workers: int) -> None:
    """Refuse to serve production from several processes that each count rate limits in
    their own memory: every limit would silently be multiplied by the number of workers.
    Called by gunicorn (``gunicorn.conf.py``) once it knows how many workers it starts."""
    production = (env.get("BUILDSTORY_ENV") or "").strip().lower() == "production"
    storage = (env.get("RATELIMIT_STORAGE_URI") or "memory://").strip()
    enabled = _bool(env.get("RATELIMIT_ENABLED"), True)
    if production and enabled and workers > 1 and storage.startswith("memory://"):
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI is memory:// with {workers} worker processes: each would "
            "count rate limits on its own, multiplying every limit. Set "
            "RATELIMIT_STORAGE_URI=redis://host:6379/0 (shared by all processes), or serve "
            "with one worker process (WEB_CONCURRENCY=1, GUNICORN_THREADS=8).")


def _public_url(value: str, production: bool) -> str:
    """Return ``PUBLIC_URL`` without a trailing slash; required in production."""
    value = value.strip().rstrip("/")
    if not value:
        if production:
            raise ConfigError("PUBLIC_URL must be set when BUILDSTORY_ENV=production (the "
                              "address people use, e.g. https://buildstory.example.com): "
                              "links in emails and pages are built from it")
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment:
        raise ConfigError(f"PUBLIC_URL must be an http(s) address such as "
                          f"https://buildstory.example.com, not {value!r}")
    return value


def _check_clerk(env) -> None:
    """Clerk mode needs the allowed origins and the issuer to check tokens against."""
    if not _list(env.get("CLERK_AUTHORIZED_PARTIES")):
        raise ConfigError("CLERK_AUTHORIZED_PARTIES must be set when AUTH_PROVIDER=clerk "
                          "(comma-separated origins allowed in a token's azp claim, e.g. "
                          "https://buildstory.example.com)")
    if not env.get("CLERK_ISSUER", "").strip():
        raise ConfigError("CLERK_ISSUER must be set when AUTH_PROVIDER=clerk (your Clerk "
                          "instance's Frontend API URL, checked against a token's iss claim)")


def _int(env, name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number ≥ 0, not {raw!r}")
    return int(raw)


def _connect_args(env) -> dict:
    """psycopg connection arguments; ``DB_STATEMENT_TIMEOUT_MS`` (default off) caps every
    statement of the app's connections (README "Performance" recommends 5000 for web
    processes; leave it off for ``flask db upgrade`` on large tables)."""
    args = {"connect_timeout": 5}
    if _bool(env.get("DB_TRANSACTION_POOLER"), False):
        # DATABASE_URL is a transaction-pooling PgBouncer: consecutive transactions may run
        # on different server connections, so no server-side prepared statements, and no
        # startup options (PgBouncer refuses them; set statement_timeout on the role).
        args["prepare_threshold"] = None
        return args
    timeout = int(env.get("DB_STATEMENT_TIMEOUT_MS", "0") or 0)
    if timeout > 0:
        args["options"] = f"-c statement_timeout={timeout}"
    return args


def _list(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]
