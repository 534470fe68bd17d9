from django.db import migrations, models

# How many of each proposal's claims no citation supports; from now on proposals.unsourced keeps
# the counts at every write.
FILL = """
UPDATE proposals_proposal SET unsourced_claims =
    (CASE WHEN EXISTS (SELECT 1 FROM proposals_citation c
                       WHERE c.proposal_id = proposals_proposal.id) THEN 0 ELSE 1 END)
    + (SELECT COUNT(*) FROM proposals_layer r WHERE r.proposal_id = proposals_proposal.id
       AND NOT EXISTS (SELECT 1 FROM proposals_citation c WHERE c.layer_id = r.id))
    + (SELECT COUNT(*) FROM proposals_precondition r WHERE r.proposal_id = proposals_proposal.id
       AND NOT EXISTS (SELECT 1 FROM proposals_citation c WHERE c.precondition_id = r.id))
    + (SELECT COUNT(*) FROM proposals_position r WHERE r.proposal_id = proposals_proposal.id
       AND NOT EXISTS (SELECT 1 FROM proposals_citation c WHERE c.position_id = r.id))
    + (SELECT COUNT(*) FROM proposals_commitment r
       JOIN proposals_layer l ON l.id = r.layer_id WHERE l.proposal_id = proposals_proposal.id
       AND NOT EXISTS (SELECT 1 FROM proposals_citation c WHERE c.commitment_id = r.id))
    + (SELECT COUNT(*) FROM proposals_statuschange r WHERE r.proposal_id = proposals_proposal.id
       AND NOT EXISTS (SELECT 1 FROM proposals_citation c WHERE c.status_change_id = r.id))
    + (SELECT COUNT(*) FROM proposals_event_proposals r
       WHERE r.proposal_id = proposals_proposal.id
       AND NOT EXISTS (SELECT 1 FROM proposals_citation c WHERE c.event_id = r.event_id))
    + (SELECT COUNT(*) FROM proposals_proposalrelation r
       JOIN proposals_proposal o ON o.id = r.other_id
       WHERE r.proposal_id = proposals_proposal.id AND o.is_published
       AND NOT EXISTS (SELECT 1 FROM proposals_citation c WHERE c.relation_id = r.id))
"""


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0026_precondition_tallies"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="unsourced_claims",
            field=models.PositiveIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(
                condition=models.Q(("is_published", True), ("unsourced_claims__gt", 0)),
                fields=["title", "id", "unsourced_claims"],
                name="proposal_unsourced_idx",
            ),
        ),
    ]
