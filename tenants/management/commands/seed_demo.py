import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from accounts.models import Patch, Team, User
from tenants.demo import DemoTenants
from tenants.models import FamilyContact, Tenant

DEMO_PASSWORD = "welfare-demo-2026"  # noqa: S105 (demo data only; refused outside DEBUG)
BATCH = 5000

TEAMS = {
    "Preston and South Ribble": [
        ("PR-RIB", "Ribble and Preston centre"),
        ("PR-LEY", "Leyland and Chorley"),
    ],
    "Fylde and Wyre": [
        ("FY-LYT", "Lytham St Annes"),
        ("FY-BPL", "Blackpool and Fleetwood"),
    ],
}

STAFF = [
    # username, first, last, role, team name
    ("officer.north", "Olivia", "Naylor", User.Role.OFFICER, "Preston and South Ribble"),
    ("officer.south", "Sam", "Fairclough", User.Role.OFFICER, "Fylde and Wyre"),
    ("income.officer", "Ian", "Crompton", User.Role.INCOME_OFFICER, "Preston and South Ribble"),
    ("manager", "Maya", "Sharples", User.Role.MANAGER, None),
]


class Command(BaseCommand):
    help = "Load demo teams, patches, staff sign-ins and N realistic tenants."

    def add_arguments(self, parser):
        parser.add_argument("--tenants", type=int, default=500)
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if tenants already exist."
        )
        parser.add_argument("--password", default=None)

    def handle(self, *args, **options):
        password = options["password"] or (DEMO_PASSWORD if settings.DEBUG else None)
        if password is None:
            raise CommandError("Outside DEBUG, give the demo staff a password with --password.")
        if options["if_empty"] and Tenant.objects.exists():
            self.stdout.write("Demo data already loaded.")
        else:
            started = time.monotonic()
            with transaction.atomic():
                self._staff(password)
                created = self._tenants(options["tenants"], options["seed"])
            self.stdout.write(f"Created {created:,} tenants in {time.monotonic() - started:.1f} s.")
        self._print_sign_ins(password)

    def _staff(self, password):
        teams = {}
        for team_name, patches in TEAMS.items():
            team, _ = Team.objects.get_or_create(name=team_name)
            teams[team_name] = team
            for code, name in patches:
                Patch.objects.update_or_create(code=code, defaults={"name": name, "team": team})
        for username, first, last, role, team_name in STAFF:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "role": role,
                    "team": teams.get(team_name),
                },
            )
            user.set_password(password)
            user.save()

    def _tenants(self, count, seed):
        demo = DemoTenants(count, seed)
        demo.reference_data()
        start = (Tenant.objects.count() or 0) + 1
        done = 0
        show_progress = sys.stderr.isatty()
        while done < count:
            size = min(BATCH, count - done)
            tenants = [demo.tenant(start + done + i) for i in range(size)]
            tenants = bulk_create_with_history(
                tenants, Tenant, batch_size=BATCH, default_change_reason="demo data"
            )
            contacts = [demo.family_contact(t) for t in tenants if demo.random.random() < 0.3]
            FamilyContact.objects.bulk_create(contacts, batch_size=BATCH)
            done += size
            if show_progress:
                sys.stderr.write(f"\r{done:,} / {count:,} tenants")
        if show_progress:
            sys.stderr.write("\n")
        return done

    def _print_sign_ins(self, password):
        self.stdout.write(self.style.SUCCESS(f"Demo sign-ins (password for all: {password}):"))
        for username, _first, _last, role, team_name in STAFF:
            where = f", {team_name}" if team_name else ""
            note = " (sets up two-factor on first sign-in)" if role == User.Role.MANAGER else ""
            self.stdout.write(f"  {username:<16} {User.Role(role).label}{where}{note}")
