"""Write a CSV export: the same bytes as /export/<kind>.csv with the same filters."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from proposals.exports import KINDS, count_rows, csv_lines
from proposals.filters import filter_proposals
from proposals.models import Proposal

from ._progress import progress

FILTERS = [
    "q",
    "status",
    "layer",
    "actor",
    "precondition",
    "reported_after",
    "reported_before",
    "sort",
]


class Command(BaseCommand):
    help = "Export proposals, layers or preconditions as CSV, filtered as on /proposals/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("--output", metavar="FILE", help="Write here instead of to stdout.")
        for name in FILTERS:
            repeatable = name in {"status", "layer"}
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                dest=name,
                action="append" if repeatable else "store",
                help="May be given several times." if repeatable else None,
            )

    def handle(self, *args, kind: str, output: str | None, **options) -> None:
        params = QueryDict(mutable=True)
        for name in FILTERS:
            value = options.get(name)
            if value:
                params.setlist(name, value if isinstance(value, list) else [value])
        filterset, problems = filter_proposals(params, Proposal.objects.published())
        if problems:
            raise CommandError(" ".join(problems))
        lines = csv_lines(KINDS[kind], filterset.qs, settings.SITE_URL)
        if output is None:
            stream = sys.stdout.buffer
            for line in lines:
                stream.write(line.encode())
            stream.flush()
            return
        total = count_rows(KINDS[kind], filterset.qs)
        written = 0
        with open(output, "wb") as file:
            for written, line in enumerate(lines):  # the header is line 0
                file.write(line.encode())
                if written and written % 5000 == 0:
                    self.stderr.write(f"\r  {progress(written, total)}", ending="")
        self.stderr.write(f"\r  {progress(written, total)}: written to {output}")
