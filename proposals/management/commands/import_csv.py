"""Import a CSV file like those export_csv writes: check every row, then apply all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from proposals.exports import IMPORTABLE
from proposals.imports import ImportMoved, ImportRefused, apply_import, plan_import

from ._progress import progress


class Command(BaseCommand):
    help = "Import proposals, layers or preconditions from CSV (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTABLE))
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, but write nothing."
        )

    def handle(self, *args, kind: str, file: str, dry_run: bool, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {file}.")
        content = path.read_bytes()
        try:
            plan = plan_import(content, kind)
        except ImportRefused as refusal:
            raise CommandError(str(refusal)) from None
        for error in plan.errors_shown:
            self.stderr.write(str(error))
        if plan.errors_not_shown:
            self.stderr.write(f"… and {plan.errors_not_shown} more, not listed.")
        summary = (
            f"{plan.count('create')} to create, {plan.count('update')} to update, "
            f"{plan.count('unchanged')} unchanged"
        )
        if plan.errors:
            errors = f"{len(plan.errors)} error{'s' if len(plan.errors) != 1 else ''}"
            raise CommandError(f"{errors}; nothing was written ({summary}).")
        if dry_run:
            self.stdout.write(f"Dry run: {summary}. Nothing was written.")
            return
        try:
            apply_import(
                content,
                kind,
                plan.versions(),
                on_progress=lambda done, total: self.stderr.write(
                    f"\r  {progress(done, total)}", ending=""
                ),
            )
        except ImportMoved as moved:
            for item in moved.moved:
                self.stderr.write(f"{item.identity}: {item.what}")
            raise CommandError(f"{moved} Run the command again.") from None
        self.stderr.write("")
        self.stdout.write(self.style.SUCCESS(f"Imported: {summary}."))
