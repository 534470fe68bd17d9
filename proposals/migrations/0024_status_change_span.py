from django.db import migrations, models

# For each status change: the date of the next change of the same status (later by date, then
# by id) and whether it is the first. From now on proposals.supersession keeps both at every
# write.
FILL = """
UPDATE proposals_statuschange SET
    superseded_on = (
        SELECT other.changed_on FROM proposals_statuschange other
        WHERE {same}
        AND (other.changed_on > proposals_statuschange.changed_on
             OR (other.changed_on = proposals_statuschange.changed_on
                 AND other.id > proposals_statuschange.id))
        ORDER BY other.changed_on LIMIT 1
    ),
    is_first = NOT EXISTS (
        SELECT 1 FROM proposals_statuschange other
        WHERE {same}
        AND (other.changed_on < proposals_statuschange.changed_on
             OR (other.changed_on = proposals_statuschange.changed_on
                 AND other.id < proposals_statuschange.id))
    )
WHERE {chains}
"""
OWN = "other.proposal_id = proposals_statuschange.proposal_id AND other.precondition_id IS NULL"
OF_PRECONDITION = "other.precondition_id = proposals_statuschange.precondition_id"


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0023_reported_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="statuschange",
            name="is_first",
            field=models.BooleanField(
                default=True,
                db_default=True,
                editable=False,
                help_text="Whether it is the first change of this status on record: before it, "
                "the status it gives is taken to hold.",
            ),
        ),
        migrations.AddField(
            model_name="statuschange",
            name="superseded_on",
            field=models.DateField(
                editable=False,
                help_text="When the next change of the same status happened; empty for the latest.",
                null=True,
            ),
        ),
        migrations.RunSQL(
            FILL.format(same=OWN, chains="precondition_id IS NULL"), migrations.RunSQL.noop
        ),
        migrations.RunSQL(
            FILL.format(same=OF_PRECONDITION, chains="precondition_id IS NOT NULL"),
            migrations.RunSQL.noop,
        ),
    ]
