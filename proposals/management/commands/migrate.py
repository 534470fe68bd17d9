"""Django's migrate, one server at a time.

Every app server runs `make serve`, which migrates before it starts. When several start together
(after a reboot, or an upgrade rolled out at once) their migrate commands queue on a PostgreSQL
advisory lock instead of racing: the first applies the migrations, the others then find nothing to
apply. On SQLite, which has one server by nature, nothing changes.
"""

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

# Any fixed number, the same on every server: pg_advisory_lock's key for "migrations running".
LOCK_KEY = 8_404_170_325


class Command(MigrateCommand):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(*args, **options)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            return super().handle(*args, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
