import django.contrib.postgres.search
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

OLD_INDEX = GinIndex(SearchVector("search_document", config="english"), name="proposal_search_idx")
NEW_INDEX = GinIndex(fields=["search_vector"], name="proposal_search_vector_idx")


def store_vectors(apps, schema_editor):
    """On PostgreSQL: fill the stored vectors and index them instead of the expression."""
    if schema_editor.connection.vendor != "postgresql":
        return
    Proposal = apps.get_model("proposals", "Proposal")
    Proposal.objects.update(search_vector=SearchVector("search_document", config="english"))
    schema_editor.remove_index(Proposal, OLD_INDEX)
    schema_editor.add_index(Proposal, NEW_INDEX)


def unstore_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Proposal = apps.get_model("proposals", "Proposal")
    schema_editor.remove_index(Proposal, NEW_INDEX)
    schema_editor.add_index(Proposal, OLD_INDEX)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0007_data_version")]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(store_vectors, unstore_vectors),
    ]
