from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

# The same expression proposals.search queries, so that PostgreSQL uses the index.
SEARCH_INDEX = GinIndex(SearchVector("search_document", config="english"), name="proposal_search_idx")


def fill_search_documents(apps, schema_editor):
    # The current code builds the documents; it only reads fields that exist at this migration.
    from proposals import search

    ids = list(apps.get_model("proposals", "Proposal").objects.values_list("pk", flat=True))
    search.refresh(ids)


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("proposals", "Proposal"), SEARCH_INDEX)


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("proposals", "Proposal"), SEARCH_INDEX)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0005_analysts_group")]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="search_document",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill_search_documents, migrations.RunPython.noop),
        migrations.RunPython(add_search_index, remove_search_index),
    ]
