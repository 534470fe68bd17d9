from django.db import migrations, models

OLD = models.Index(
    fields=["reviewed_at", "title", "id"],
    condition=models.Q(is_published=True),
    name="proposal_review_idx",
)
NEW = models.Index(
    models.OrderBy(models.F("reviewed_at"), nulls_first=True),
    models.OrderBy(models.F("title")),
    models.OrderBy(models.F("id")),
    condition=models.Q(is_published=True),
    name="proposal_review_idx",
)


def nulls_first(apps, schema_editor) -> None:
    """The stale queue lists the never-reviewed first. SQLite sorts NULL first by itself (and has
    no NULLS FIRST in an index): only PostgreSQL's index changes."""
    if schema_editor.connection.vendor != "postgresql":
        return
    proposal = apps.get_model("proposals", "Proposal")
    schema_editor.remove_index(proposal, OLD)
    schema_editor.add_index(proposal, NEW)


def back(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    proposal = apps.get_model("proposals", "Proposal")
    schema_editor.remove_index(proposal, NEW)
    schema_editor.add_index(proposal, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0024_status_change_span"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="proposal", name="proposal_review_idx"),
                migrations.AddIndex(model_name="proposal", index=NEW),
            ],
            database_operations=[migrations.RunPython(nulls_first, back)],
        ),
    ]
