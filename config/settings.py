"""Ceasefire Monitor settings, all read from the environment.

Development needs no settings at all; production must set DJANGO_SECRET_KEY and
DJANGO_ALLOWED_HOSTS (see README.md, "Settings").
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.logs import FORMATTERS, STDOUT_HANDLER

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

# Development and tests run without a key; config/wsgi.py (what gunicorn and `make serve` load)
# refuses to start without DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
INSECURE_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or INSECURE_DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "template_partials",
    "simple_history",
    "axes",
    "proposals",
]

MIDDLEWARE = [
    # First, so that nothing reads a forwarded header that did not come from the proxy.
    "config.security.UntrustedForwardedHeadersMiddleware",
    # Outermost, so that every response carries the policy headers: SecurityMiddleware's redirect
    # to HTTPS and WhiteNoise's static files included.
    "csp.middleware.CSPMiddleware",
    "config.security.CrossOriginHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that may answer early, so that every API and feed response says who may
    # read it (CORS_URLS_REGEX limits it to those).
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After the session and htmx: ETags, 304s, Cache-Control, and rendered public pages from the
    # shared cache (proposals/http_cache.py).
    "proposals.http_cache.HttpCacheMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the 429 page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every sign-in (the site's and the admin's) before Django's own backend does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "proposals.context_processors.analyst",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

# Database: DATABASE_URL, or an SQLite file under var/ so that `make run` needs no server.
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'ceasefire.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the one writer work at once; the timeout rides out short write locks.
    # Connections are kept like PostgreSQL's (DATABASE_CONN_MAX_AGE): opening one and setting
    # its journal mode while other processes read took a third of a cold page's time.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # When the server cannot be reached, give up within seconds: the page says 503, not a hang.
    # connect_timeout bounds a new connection; a kept connection to a server that has gone silent
    # (a network cut, not a refusal) fails once what it sent goes unacknowledged for as long
    # (tcp_user_timeout), and the keepalives find a dead one while it is idle.
    timeout = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # The as-of pages' correlated subqueries are estimated costly enough for PostgreSQL to
        # compile them to machine code, which takes longer (50-100 ms) than running them.
        options="-c jit=off",
        connect_timeout=timeout,
        tcp_user_timeout=timeout * 1000,
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=5,
        keepalives_count=3,
    )


def cache_from_url(url: str) -> dict:
    """CACHE_URL as a Django cache: empty or `locmem://` is memory in each process, `redis://…`
    (or `rediss://…`, or `unix://…`) Django's own Redis backend, shared by every server."""
    url = url.strip()
    if url in {"", "locmem://"}:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ceasefire"}
    if url.split("://", 1)[0] in {"redis", "rediss", "unix"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A cache that cannot be reached within a second is a 503, not a hung worker.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    raise ImproperlyConfigured(
        f"CACHE_URL must be empty, locmem:// or redis://host:port/db, not {url!r}"
    )


# The cache: rendered public pages and fragments, facet counts, CSV blocks and the API's request
# counts, each under the data version (proposals.cached), so no server ever reads a stale entry.
CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", ""))}
# Entries of an older data version or build are never read again; they only wait to expire (or,
# on Redis, to be evicted first: run it with maxmemory-policy allkeys-lru).
CACHE_TIMEOUT = int(os.environ.get("CACHE_TIMEOUT", "3600"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and `make run` serve static files straight from the finders, without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS")
# Static files are for our own pages (Cross-Origin-Resource-Policy: same-origin), so no CORS header.
WHITENOISE_ALLOW_ALL_ORIGINS = False

# Security headers that hold in every environment; HTTPS-only ones follow below.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Pages send the CSRF token in the markup (hx-headers on <body>); no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # Load balancers probe /healthz over plain HTTP; it answers them instead of redirecting.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Nothing is allowed unless named: scripts, styles, images and htmx's requests come from this site
# only, and there is no inline script or style anywhere (tests/test_security.py checks every page).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGIN_URL = "login"

# Password guessing: after 5 failed sign-ins for one username from one address, every further
# attempt from there, even with the right password, gets the 429 page until 15 minutes have passed
# without one. The attempts live in the database, so every app server sees them.
# Password spraying (one password against many usernames): after 20 failed sign-ins from one
# address, whatever the usernames, every sign-in from there is refused alike, for any username.
# django-axes has one limit for all its lockout parameters; config/throttling.py's handler gives
# each item of AXES_LOCKOUT_PARAMETERS its own, from LOGIN_FAILURE_LIMITS (AXES_FAILURE_LIMIT
# otherwise), and lets a successful sign-in clear its own username's failures only, not the
# address's.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
LOGIN_FAILURE_LIMITS = {("ip_address",): 20}
AXES_HANDLER = "config.throttling.PerParameterLimitHandler"
AXES_LOCKOUT_CALLABLE = "config.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout are refused but not recorded, so the lockout ends 15 minutes after it
# began, and a guesser who keeps trying cannot grow the attempt's row without end.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client's address: the one the outermost of DJANGO_PROXY_COUNT proxies saw, counted from the
# right of X-Forwarded-For, which counts only from the proxies in FORWARDED_ALLOW_IPS (the list
# gunicorn uses too); otherwise the connection's own (config/security.py).
PROXY_COUNT = max(0, int(os.environ.get("DJANGO_PROXY_COUNT", "1") or 0))
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_VERBOSE = False  # lockouts are still logged, with the username and the address
LOGIN_REDIRECT_URL = "proposal-list"
LOGOUT_REDIRECT_URL = "dashboard"
# A signed-in analyst is signed out after DJANGO_SESSION_IDLE_HOURS (8) without a request: each of
# their requests saves the session, which moves its expiry (and the cookie's) that far ahead again.
# Readers who are not signed in have no session, so this writes nothing and sets no cookie for them.
SESSION_IDLE_HOURS = float(os.environ.get("DJANGO_SESSION_IDLE_HOURS") or 8)
if not SESSION_IDLE_HOURS > 0:
    raise ImproperlyConfigured("DJANGO_SESSION_IDLE_HOURS must be a number of hours above 0")
SESSION_COOKIE_AGE = round(SESSION_IDLE_HOURS * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True

PROPOSALS_PER_PAGE = 25

# The largest CSV file an import accepts, in bytes.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
# The most rows one import takes; a larger file is refused whole, to be split.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))

# A published proposal no analyst has reviewed (marked reviewed, or published) within this many
# calendar days is stale, and waits in the workspace (0: stale unless reviewed today).
STALE_AFTER_DAYS = int(os.environ.get("STALE_AFTER_DAYS", "30"))
if STALE_AFTER_DAYS < 0:
    raise ImproperlyConfigured("STALE_AFTER_DAYS is a number of days: 0 or more.")

# The site's public address, for the links in CSV exports (the web and the command agree).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Open data: the read-only JSON API (/api/), the Atom feeds and the dataset releases (/data/).
# Anonymous GET only: no authentication at all, so an analyst's session shows the API nothing
# more than it shows anyone (drafts never appear). Requests are throttled per client address
# (config.security.client_ip) on the shared cache: API_THROTTLE_RATE, e.g. "60/min", "1000/hour".
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE") or "60/min"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["proposals.api.throttling.PerAddressThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": API_THROTTLE_RATE},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_VERSIONING_CLASS": None,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": False,
    "URL_FIELD_NAME": "api_url",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ceasefire Monitor API",
    "DESCRIPTION": (
        "Read-only JSON API of Ceasefire Monitor: the published proposals for monitoring and "
        "guaranteeing a Russia–Ukraine ceasefire, their layers, preconditions, positions, "
        "commitments, status changes, relations and citations, the actors, and the change log. "
        "Anonymous GET only; requests are limited per address (429 with Retry-After beyond it). "
        "Codes and columns are those of the CSV files, defined on /about/."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": False,
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatus": "proposals.models.base.ProposalStatus",
        "PreconditionStatus": "proposals.models.base.PreconditionStatus",
        "ActorKind": "proposals.models.base.ActorKind",
        "CitationKind": "proposals.models.base.CitationKind",
        "RelationKind": "proposals.models.base.RelationKind",
    },
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "defaultModelsExpandDepth": 0},
}
# Any site may read the API and the feeds from a browser (GET only); nothing else is shared.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/(api/.*|feeds/.*|proposals/[^/]+/feed\.atom)$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# Dataset releases (`manage.py release VERSION`, listed on /data/), and the licence they carry.
RELEASES_DIR = Path(os.environ.get("RELEASES_DIR") or BASE_DIR / "var" / "releases")
DATA_LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": FORMATTERS,
    "handlers": {"console": STDOUT_HANDLER},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
