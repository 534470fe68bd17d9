"""Today's records as dated history: each proponent becomes a `proposes` position dated on the
proposal's first report, and each proposal's and precondition's status becomes its first change."""

from django.db import migrations


def day_of(proposal):
    return proposal.first_reported or proposal.created_at.date()


def forwards(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    Precondition = apps.get_model("proposals", "Precondition")
    Position = apps.get_model("proposals", "Position")
    StatusChange = apps.get_model("proposals", "StatusChange")
    note = "Recorded from the status on file when dated status changes began."
    for proposal in Proposal.objects.prefetch_related("proponents").iterator(chunk_size=1000):
        Position.objects.bulk_create(
            [
                Position(
                    proposal=proposal,
                    actor=actor,
                    stance="proposes",
                    stated_on=day_of(proposal),
                )
                for actor in proposal.proponents.all()
            ],
            ignore_conflicts=True,
        )
        StatusChange.objects.get_or_create(
            proposal=proposal,
            precondition=None,
            changed_on=day_of(proposal),
            defaults={"status": proposal.status, "note": note},
        )
    for precondition in Precondition.objects.select_related("proposal").iterator(chunk_size=1000):
        StatusChange.objects.get_or_create(
            proposal=precondition.proposal,
            precondition=precondition,
            changed_on=day_of(precondition.proposal),
            defaults={"status": precondition.status, "note": note},
        )


class Migration(migrations.Migration):
    dependencies = [("proposals", "0012_positions_commitments_status_changes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
