"""List every published claim that no citation supports; exit status 1 when there is any."""

from django.core.management.base import BaseCommand, CommandError

from proposals.claims import KINDS, unsourced


class Command(BaseCommand):
    help = (
        "List every published claim that no citation supports, one line each: kind, proposal, "
        "what (tab-separated). Exit status 1 when there is any."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = 0
        for item in unsourced():
            count += 1
            self.stdout.write(f"{KINDS[item.kind]}\t{item.proposal.slug}\t{item.what}")
        if count:
            raise CommandError(
                f"{count} published claim{'s' if count != 1 else ''} "
                f"{'have' if count != 1 else 'has'} no source.",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS("Every published claim cites a source."))
