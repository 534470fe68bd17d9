from django.db import migrations, models

# The date of the next record of the same chain (later by date, then by id); from now on
# proposals.supersession keeps it at every write.
FILL = """
UPDATE proposals_{table} SET superseded_on = (
    SELECT later.stated_on FROM proposals_{table} later
    WHERE {same}
    AND (later.stated_on > proposals_{table}.stated_on
         OR (later.stated_on = proposals_{table}.stated_on AND later.id > proposals_{table}.id))
    ORDER BY later.stated_on LIMIT 1
)
"""


def fill(table: str, keys: tuple[str, ...]) -> migrations.RunSQL:
    same = " AND ".join(f"later.{key} = proposals_{table}.{key}" for key in keys)
    return migrations.RunSQL(FILL.format(table=table, same=same), migrations.RunSQL.noop)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0021_involvement"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="superseded_on",
            field=models.DateField(
                editable=False,
                help_text="When a later commitment of this actor to this layer, in this unit, "
                "replaced it; empty while it is in force. Kept by proposals.supersession.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="position",
            name="superseded_on",
            field=models.DateField(
                editable=False,
                help_text="When a later position of this actor on this proposal replaced it; "
                "empty while it is in force. Kept by proposals.supersession.",
                null=True,
            ),
        ),
        fill("commitment", ("layer_id", "actor_id", "unit")),
        fill("position", ("proposal_id", "actor_id")),
    ]
