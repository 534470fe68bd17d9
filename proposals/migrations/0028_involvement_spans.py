import django.db.models.deletion
from django.db import migrations, models

# When each actor was involved in each proposal; from now on proposals.involvement rewrites a
# proposal's spans at every write. Contributors always; other actors while a position of theirs
# to propose or support the proposal was in force.
CONTRIBUTORS = """
    SELECT l.proposal_id, c.actor_id FROM proposals_layer_contributors c
    JOIN proposals_layer l ON l.id = c.layer_id
"""
FILL = f"""
INSERT INTO proposals_involvementspan (proposal_id, actor_id, since, until)
SELECT DISTINCT proposal_id, actor_id, CAST(NULL AS date), CAST(NULL AS date) FROM ({CONTRIBUTORS}) contributors
UNION ALL
SELECT p.proposal_id, p.actor_id, p.stated_on, p.superseded_on FROM proposals_position p
WHERE p.stance IN ('proposes', 'supports')
AND (p.superseded_on IS NULL OR p.superseded_on > p.stated_on)
AND NOT EXISTS (
    SELECT 1 FROM ({CONTRIBUTORS}) c WHERE c.proposal_id = p.proposal_id AND c.actor_id = p.actor_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0027_unsourced_claims"),
    ]

    operations = [
        migrations.CreateModel(
            name="InvolvementSpan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("since", models.DateField(null=True)),
                ("until", models.DateField(null=True)),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="proposals.actor",
                    ),
                ),
                (
                    "proposal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="proposals.proposal",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["actor", "proposal"], name="involvement_span_actor_idx")
                ],
            },
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
