"""Freeze the published data as release VERSION: a Frictionless data package listed on /data/."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from proposals import releases


class Command(BaseCommand):
    help = (
        "Freeze the published data as a citable Frictionless data package, "
        "RELEASES_DIR/ceasefire-monitor-VERSION.zip, listed on /data/. A VERSION that exists "
        "is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("version", help="E.g. 2026.1: letters, digits, dots, hyphens, _.")

    def handle(self, *args: object, version: str, **options: object) -> None:
        try:
            release = releases.build(version)
        except releases.ReleaseError as error:
            raise CommandError(str(error), returncode=1) from error
        self.stdout.write(self.style.SUCCESS(f"Released {release.version}: {release.path}"))
        self.stdout.write(f"  size     {filesizeformat(release.size)} ({release.size:,} bytes)")
        self.stdout.write(f"  SHA-256  {release.sha256}")
        for file in release.files:
            self.stdout.write(f"  {file.path:<22} {file.rows:>9,} rows")
