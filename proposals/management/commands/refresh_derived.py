"""Work out again everything kept beside the records: search documents, who is involved in each
proposal, when each dated record was replaced, each proposal's precondition tallies and its
number of unsourced claims."""

from django.core.management.base import BaseCommand
from django.db import transaction

from proposals import (
    involvement,
    search,
    status_spans,
    supersession,
    tallies,
    unsourced,
    writes,
)
from proposals.models import DataVersion, Proposal


class Command(BaseCommand):
    help = (
        "Work out again the data derived from the records (search documents, involvement, "
        "replacement dates, precondition tallies, unsourced claims), in one transaction. Every write keeps them; "
        "run this after records were changed around the app (SQL, a release that predates "
        "them still serving during an upgrade)."
    )

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            ids = list(Proposal.objects.order_by("pk").values_list("pk", flat=True))
            writes.lock_proposals(ids)  # in the write path's order: no save interleaves
            search.refresh(ids)
            supersession.refresh_proposals()
            involvement.refresh(ids)  # reads the dates just worked out
            status_spans.refresh(ids)
            tallies.refresh(ids)
            unsourced.refresh(ids)
            DataVersion.bump()  # every cached page and count is now out of date
        self.stdout.write(
            self.style.SUCCESS(f"Derived data worked out again for {len(ids)} proposals.")
        )
