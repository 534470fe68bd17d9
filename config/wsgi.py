"""The WSGI entry point. Without DEBUG (that is, in production) it refuses development-only settings."""

import os
import sys

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

REQUIRED_IN_PRODUCTION = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")

if not settings.DEBUG:
    missing = [name for name in REQUIRED_IN_PRODUCTION if not os.environ.get(name, "").strip()]
    if missing:
        sys.exit(f"Refusing to start: set {' and '.join(missing)} (see README.md, 'Settings').")

application = get_wsgi_application()


def warm_up() -> None:
    """Compile the site's templates and URL patterns and read the build digest, at start rather
    than in the first requests. gunicorn loads the app before it forks its workers
    (`preload_app`), so a new worker, or one recycled after its share of requests, starts with
    them done and serves its first requests as fast as the others."""
    from django.db import connections
    from django.template import engines
    from django.urls import get_resolver

    from proposals.cached import build

    get_resolver().reverse_dict  # noqa: B018 (populates the resolver's caches)
    engine = engines["django"]
    folder = settings.BASE_DIR / "templates"
    for path in sorted(folder.rglob("*.html")):
        engine.get_template(path.relative_to(folder).as_posix())
    build()
    connections.close_all()  # a connection must not be shared by the forked workers


if not settings.DEBUG:
    warm_up()
