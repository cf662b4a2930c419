"""Make a manager who can use the service and the admin, and must set up two-factor first."""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User


class Command(BaseCommand):
    help = (
        "Create a manager (role manager, no team, admin access). They set up two-factor "
        "authentication when they first sign in. The password is asked for, or read from the "
        "MANAGER_PASSWORD environment variable with --no-input."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--no-input", action="store_true", help="read MANAGER_PASSWORD")

    def handle(self, *args, username, email, first_name, last_name, no_input, **options):
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f'There is already a user called "{username}".')
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f'There is already a user with the email address "{email}".')
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=User.Role.MANAGER,
            team=None,
            is_staff=True,
            is_superuser=True,
        )
        password = self._password(user, no_input)
        user.set_password(password)
        try:
            user.full_clean()
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        with transaction.atomic():
            user.save()
        self.stdout.write(
            f"Manager {username} created. They set up two-factor authentication when they "
            "first sign in; until then they cannot use the service or the admin."
        )

    def _password(self, user, no_input):
        if no_input:
            password = os.environ.get("MANAGER_PASSWORD", "")
            if not password:
                raise CommandError("Set MANAGER_PASSWORD, or leave out --no-input to be asked.")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords did not match.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return password
