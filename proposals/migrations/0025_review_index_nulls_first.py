from django.db import migrations

# The stale queue lists the never-reviewed first (NULLS FIRST). SQLite sorts NULL first by itself
# and proposal_review_idx serves it; PostgreSQL sorts NULL last, so it gets an index of its own.
# SQLite has no NULLS FIRST in an index, and remakes a table's indexes from the models' state,
# so this one is kept out of that state.
CREATE = """
CREATE INDEX IF NOT EXISTS proposal_stale_idx ON proposals_proposal
(reviewed_at ASC NULLS FIRST, title, id) WHERE is_published
"""
DROP = "DROP INDEX IF EXISTS proposal_stale_idx"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0024_status_change_span"),
    ]

    operations = [migrations.RunPython(create, drop)]
