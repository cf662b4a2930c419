"""A one-time backup code for a demo user who must use two-factor (development only).

`make run` prints one for the demo manager, so that the demo can be tried without an
authenticator app; two-factor stays required. Run it again for another code.
"""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


class Command(BaseCommand):
    help = "Print a new one-time two-factor backup code for a user (only with DEBUG on)."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="manager")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_backup_code works only with DEBUG on (development).")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f'There is no user "{username}".') from None
        with transaction.atomic():
            # A confirmed authenticator so the user is not sent to set one up; its secret is
            # random and shown to nobody: the backup code is the way in.
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
            device, _ = StaticDevice.objects.get_or_create(
                user=user, defaults={"name": "Backup codes"}
            )
            code = secrets.token_hex(4)
            StaticToken.objects.create(device=device, token=code)
        self.stdout.write(f"  {username}'s one-time two-factor backup code: {code}")
