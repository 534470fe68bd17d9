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
