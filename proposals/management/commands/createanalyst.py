"""Create an analyst: a user in the group Analysts, with access to the proposals admin."""

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from proposals.models import ANALYSTS_GROUP

PASSWORD_VARIABLE = "ANALYST_PASSWORD"  # noqa: S105 (the name of a variable, not a password)
MAX_NAME_PART = 150  # the length of User.first_name and User.last_name


class Command(BaseCommand):
    help = (
        "Create an analyst account. The full name and the password are asked for; scripts give "
        f"the name with --name and the password in the environment variable {PASSWORD_VARIABLE}."
    )

    stealth_options = ("stdin",)  # tests pass a stand-in for the terminal

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--name",
            default="",
            help="The analyst's full name, which the public change history shows. Asked for "
            "when not given; required when the command does not run in a terminal.",
        )

    def handle(self, *args, username: str, email: str, name: str, **options) -> None:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user called “{username}” already exists.")
        name = " ".join(name.split()) or self.ask_name(options.get("stdin", sys.stdin))
        first, _, last = name.partition(" ")
        if len(first) > MAX_NAME_PART or len(last) > MAX_NAME_PART:
            raise CommandError(
                f"The name is too long: at most {MAX_NAME_PART} characters before the first "
                "space and after it."
            )
        password = os.environ.get(PASSWORD_VARIABLE) or self.ask_password()
        user = User(username=username, email=email, first_name=first, last_name=last, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("The password is too weak: " + " ".join(error.messages)) from None
        try:
            group = Group.objects.get(name=ANALYSTS_GROUP)
        except Group.DoesNotExist:
            raise CommandError("The group Analysts is missing: run `manage.py migrate`.") from None
        with transaction.atomic():
            user.set_password(password)
            user.save()
            user.groups.add(group)
        self.stdout.write(self.style.SUCCESS(f"Analyst “{username}” created."))

    def ask_name(self, stdin) -> str:
        """The analyst's full name, typed at the terminal; a script must give --name."""
        if not (hasattr(stdin, "isatty") and stdin.isatty()):
            raise CommandError(
                "Give the analyst's full name with --name (the public change history shows "
                "it): there is no terminal here to ask for it."
            )
        try:
            name = " ".join(input("Full name (shown in the public change history): ").split())
        except (EOFError, KeyboardInterrupt):
            name = ""
        if not name:
            raise CommandError(
                "The name cannot be empty: the public change history shows it. Run the command "
                "again and type the analyst's full name, or give it with --name."
            )
        return name

    def ask_password(self) -> str:
        try:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        except (EOFError, KeyboardInterrupt):
            raise CommandError(
                f"No password given: type one, or set {PASSWORD_VARIABLE} for scripts."
            ) from None
        return password
