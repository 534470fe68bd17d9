"""Create an analyst: a user in the group Analysts, with access to the proposals admin."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from proposals.models import ANALYSTS_GROUP

PASSWORD_VARIABLE = "ANALYST_PASSWORD"  # noqa: S105 (the name of a variable, not a password)


class Command(BaseCommand):
    help = (
        "Create an analyst account. The password is asked for, or read from the environment "
        f"variable {PASSWORD_VARIABLE} for scripts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help="The name shown in the change history.")

    def handle(self, *args, username: str, email: str, name: str, **options) -> None:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user called “{username}” already exists.")
        password = os.environ.get(PASSWORD_VARIABLE) or self.ask_password()
        first, _, last = name.partition(" ")
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
