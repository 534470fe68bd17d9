"""Delete uploaded CSV files that were never applied (run it daily: README, "Deploying")."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from proposals.models import ImportBatch


class Command(BaseCommand):
    help = "Delete import batches that were uploaded but not applied within a day (or --hours)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=int, default=24, help="Keep unapplied uploads this long (default 24)."
        )

    def handle(self, *args, hours: int, **options) -> None:
        cutoff = timezone.now() - timedelta(hours=max(hours, 0))
        deleted, _ = ImportBatch.objects.filter(
            applied_at__isnull=True, created_at__lt=cutoff
        ).delete()
        self.stdout.write(f"Deleted {deleted} unapplied import{'s' if deleted != 1 else ''}.")
