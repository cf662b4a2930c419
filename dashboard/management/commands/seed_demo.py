"""`manage.py seed_demo`: demo staff, tenants (tenants/demo.py), a resource directory, and
`--days` working days of the association's life played through the real actions
(dashboard/demo_life.py).

It lives in the dashboard app, at the top of the layers, because it fills several apps (the
register and Here to Help's directory) and tenants/ may import none above it.
"""

import sys
import time
from datetime import timedelta

import time_machine
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Patch, Team, User
from dashboard.demo_life import DemoLife, at, schedule_tomorrow
from here_to_help.models import Need, Organisation, OrganisationArea, OrganisationNeed
from imports.statistics import analyze_if_much_changed, estimated_rows
from services.demo import service_list_date
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
        parser.add_argument(
            "--days",
            type=int,
            default=90,
            help="Days of calls, requests, escalations and arrears to play, working days only "
            "(0: none).",
        )

    def handle(self, *args, **options):
        password = options["password"] or (DEMO_PASSWORD if settings.DEBUG else None)
        if password is None:
            raise CommandError("Outside DEBUG, give the demo staff a password with --password.")
        if options["if_empty"] and Tenant.objects.exists():
            self.stdout.write("Demo data already loaded.")
        else:
            started = time.monotonic()
            today = timezone.localdate()
            days = max(0, options["days"])
            before = estimated_rows(Tenant)
            # The register is made the day before the first day played, so that each tenant's
            # record, and the queue's "never contacted" rule, begin then; the service list is
            # dated then too, so the managers' played changes come after it.
            first_day = today - timedelta(days=days)
            register_day = at(first_day - timedelta(days=1), 7)
            with time_machine.travel(register_day, tick=False), transaction.atomic():
                self._staff(password)
                created = self._tenants(options["tenants"], options["seed"])
                service_list_date(at=register_day)
            with transaction.atomic():
                self._directory()
            # The first queue build after a large seed plans with today's figures (issue 21).
            analyze_if_much_changed(Tenant, changed=created, before=before)
            self.stdout.write(f"Created {created:,} tenants in {time.monotonic() - started:.1f} s.")
            if days:
                started = time.monotonic()
                life = DemoLife(seed=options["seed"])
                life.play(days, today)
                with transaction.atomic():
                    schedule_tomorrow(life.manager, today)
                self.stdout.write(
                    f"Played the {len(life.days)} working days of the last {days} days "
                    f"({life.calls:,} calls) "
                    f"in {time.monotonic() - started:.1f} s."
                )
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
        start = (Tenant.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        first_new_pk = start
        done = 0
        show_progress = sys.stderr.isatty()
        postgres = connection.vendor == "postgresql"
        while done < count:
            size = min(BATCH, count - done)
            rows = [demo.tenant(start + done + i) for i in range(size)]
            if postgres:
                ids = self._copy_tenants(rows)
            else:
                ids = [t.pk for t in Tenant.objects.bulk_create(Tenant(**row) for row in rows)]
            contacts = [
                demo.family_contact(pk, row["last_name"])
                for pk, row in zip(ids, rows, strict=True)
                if demo.random.random() < 0.3
            ]
            FamilyContact.objects.bulk_create(contacts, batch_size=BATCH)
            done += size
            if show_progress:
                sys.stderr.write(f"\r{done:,} / {count:,} tenants")
        if show_progress:
            sys.stderr.write("\n")
        self._baseline_history(first_new_pk)
        return done

    def _copy_tenants(self, rows):
        """COPY a batch into PostgreSQL: the rows are already valid, so skip per-field prep."""
        now = timezone.now()
        columns = [*rows[0].keys(), "created_at", "updated_at"]
        with connection.cursor() as cursor:
            with cursor.connection.cursor().copy(
                f"COPY tenants_tenant ({', '.join(columns)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row([*row.values(), now, now])
            cursor.execute(
                "SELECT id FROM tenants_tenant WHERE tenancy_ref = ANY(%s) ORDER BY tenancy_ref",
                [[row["tenancy_ref"] for row in rows]],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _baseline_history(self, first_pk):
        """One 'created' history row per new tenant, set-based, so later changes show a diff."""
        history = Tenant.history.model
        tracked = [
            field.column
            for field in history._meta.concrete_fields
            if not field.name.startswith("history_")
        ]
        columns = ", ".join(tracked)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {history._meta.db_table} "  # noqa: S608 (no user input)
                f"({columns}, history_date, history_change_reason, history_type) "
                f"SELECT {columns}, %s, 'demo data', '+' FROM tenants_tenant WHERE id >= %s",
                [timezone.now(), first_pk],
            )

    def _directory(self):
        """A few resource-directory entries, so signposting can be tried at once."""
        from datetime import timedelta

        manager = User.objects.get(username="manager")
        now = timezone.now()
        entries = [
            # name, kind, needs, areas (empty: all), phone, days since validated
            (
                "Preston Community Food Bank",
                "charity",
                [Need.FOOD],
                ["PR1", "PR2", "PR3"],
                "+441614960101",
                10,
            ),
            (
                "Fylde Coast Pantry",
                "community_group",
                [Need.FOOD],
                ["FY1", "FY2", "FY3", "FY4", "FY5", "FY7", "FY8"],
                "+441614960102",
                20,
            ),
            (
                "Leyland Good Neighbours",
                "community_group",
                [Need.BEFRIENDING, Need.FOOD],
                ["PR25", "PR26", "PR5", "PR7"],
                "+441614960103",
                30,
            ),
            (
                "Citizens Advice Lancashire West",
                "charity",
                [Need.BENEFITS, Need.FINANCIAL],
                [],
                "+441614960104",
                15,
            ),
            (
                "Lancashire Mind",
                "charity",
                [Need.MENTAL_HEALTH, Need.BEFRIENDING],
                [],
                "+441614960105",
                40,
            ),
            (
                "Prescription Delivery Volunteers",
                "community_group",
                [Need.MEDICATION],
                ["PR1", "PR2", "PR25", "FY8"],
                "+441614960106",
                120,
            ),  # needs validating again
        ]
        for name, kind, needs, areas, phone, days in entries:
            organisation, created = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "covers_all_areas": not areas,
                    "phone": phone,
                    "opening_notes": "Monday to Friday, 10am to 4pm",
                    "validated_at": now - timedelta(days=days),
                    "validated_by": manager,
                },
            )
            if not created:
                continue
            OrganisationNeed.objects.bulk_create(
                OrganisationNeed(organisation=organisation, need=need) for need in needs
            )
            OrganisationArea.objects.bulk_create(
                OrganisationArea(organisation=organisation, outward_code=code) for code in areas
            )

    def _print_sign_ins(self, password):
        self.stdout.write(self.style.SUCCESS(f"Demo sign-ins (password for all: {password}):"))
        for username, _first, _last, role, team_name in STAFF:
            where = f", {team_name}" if team_name else ""
            note = (
                " (two-factor: use the backup code printed below)"
                if role == User.Role.MANAGER
                else ""
            )
            self.stdout.write(f"  {username:<16} {User.Role(role).label}{where}{note}")
