from django.db import migrations, models

# How many of each proposal's preconditions have each status today; from now on
# proposals.tallies keeps the counts at every write.
FILL = """
UPDATE proposals_proposal SET
    tally_unmet = (SELECT COUNT(*) FROM proposals_precondition p
                   WHERE p.proposal_id = proposals_proposal.id AND p.status = 'unmet'),
    tally_in_progress = (SELECT COUNT(*) FROM proposals_precondition p
                         WHERE p.proposal_id = proposals_proposal.id AND p.status = 'in_progress'),
    tally_met = (SELECT COUNT(*) FROM proposals_precondition p
                 WHERE p.proposal_id = proposals_proposal.id AND p.status = 'met')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0025_review_index_nulls_first"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="proposal",
            name="proposal_status_published_idx",
        ),
        migrations.AddField(
            model_name="proposal",
            name="tally_in_progress",
            field=models.PositiveSmallIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name="proposal",
            name="tally_met",
            field=models.PositiveSmallIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.AddField(
            model_name="proposal",
            name="tally_unmet",
            field=models.PositiveSmallIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(
                fields=[
                    "status",
                    "is_published",
                    "id",
                    "tally_met",
                    "tally_in_progress",
                    "tally_unmet",
                ],
                name="proposal_status_published_idx",
            ),
        ),
    ]
