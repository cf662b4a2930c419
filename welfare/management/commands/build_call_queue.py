from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from welfare.queue import build_call_queue


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Make the day's welfare call queue (what the 06:00 beat job runs). Safe to repeat."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to build for, YYYY-MM-DD (default today).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )

    def handle(self, *args, **options):
        try:
            on = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as error:
            raise CommandError(f"--date: {error}; give the day as YYYY-MM-DD.") from error
        result = None
        try:
            with transaction.atomic():
                result = build_call_queue(on=on)
                if options["dry_run"]:
                    raise DryRun
        except DryRun:
            self.stdout.write("Dry run: nothing was written.")
        self.stdout.write(str(result))
