"""Shared set-up for the call-queue benchmarks (queue_build.py, queue_claims.py).

DATABASE_URL names the database (default postgres://postgres@127.0.0.1:5432/welfare_bench);
it is created and migrated if missing. The tenants are generated in SQL with one
`INSERT ... SELECT generate_series`, never as Python objects, with the cohort mix of a large
association: about 25% aged 70+, 10% in independent living and 3% in supported living schemes,
5% Lifeline customers, 2% self-isolating, 1% who declined calls, 0.5% with no patch, and the
last successful contact spread over the past 120 days. They are kept between runs (the
`QB-` tenancy references mark them) unless the count differs.
"""

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare_bench")
TEAMS, PATCHES_PER_TEAM = 10, 4


def setup_django():
    """Create the database if missing, point Django at it, migrate."""
    import psycopg

    parsed = urlparse(URL)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}")
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)


def _reference_data():
    from accounts.models import Patch, Team
    from tenants.models import Scheme

    patches = []
    for t in range(1, TEAMS + 1):
        team, _ = Team.objects.get_or_create(name=f"Bench team {t:02d}")
        for p in range(1, PATCHES_PER_TEAM + 1):
            patch, _ = Patch.objects.update_or_create(
                code=f"QB-{t:02d}-{p}", defaults={"name": f"Bench patch {t}.{p}", "team": team}
            )
            patches.append(patch.pk)
    schemes = {}
    for kind, count in (("independent_living", 20), ("supported_living", 10)):
        schemes[kind] = [
            Scheme.objects.get_or_create(name=f"Bench {kind} {n}", defaults={"type": kind})[0].pk
            for n in range(count)
        ]
    return patches, schemes


def ensure_tenants(count):
    """`count` generated tenants in the database, made in SQL if they are not there yet."""
    from django.db import connection

    patches, schemes = _reference_data()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenants_tenant WHERE tenancy_ref LIKE 'QB-%'")
        if cursor.fetchone()[0] == count:
            print(f"Using the {count:,} generated tenants already in the database")
            return
        started = time.monotonic()
        cursor.execute(
            "TRUNCATE welfare_calltask, tenants_accesslog, tenants_familycontact, "
            "tenants_historicaltenant, tenants_tenant CASCADE"
        )
        cursor.execute(
            """
            INSERT INTO tenants_tenant (
                tenancy_ref, first_name, last_name, date_of_birth, phone, mobile, no_phone,
                email, address_line_1, address_line_2, town, postcode, patch_id, scheme_id,
                support_provider_id, lifeline, lives_alone, self_isolating_from,
                self_isolating_until, interpreter_language, communication_needs,
                declined_calls_on, in_hospital_until, tenancy_end_date, deceased_reported_on,
                deceased_on, last_contact_at, created_at, updated_at)
            SELECT
                'QB-' || lpad(g::text, 7, '0'),
                (ARRAY['Margaret','Peter','Agnieszka','John','Susan','Ahmed','Mary','David',
                       'Joan','Ravi'])[1 + g %% 10],
                (ARRAY['Holt','Ashworth','Nowak','Smith','Patel','Walsh','Taylor','Khan',
                       'Jones','Hughes','Brown','Wilson','Evans','Thomas','Roberts','Wood',
                       'Hall','Clarke','Jackson','Moss'])[1 + (g / 10) %% 20],
                CASE WHEN random() < 0.25
                     THEN current_date - (25567 + floor(random() * 9000))::int
                     ELSE current_date - (6575 + floor(random() * 18900))::int END,
                '+44207946' || lpad((g %% 10000)::text, 4, '0'), '', false, '',
                g || ' Mill Lane', '', 'Preston', 'PR1 2AB',
                CASE WHEN g %% 200 = 0 THEN NULL
                     ELSE (%(patches)s::bigint[])[1 + g %% %(npatches)s] END,
                CASE WHEN random() < 0.10
                     THEN (%(independent)s::bigint[])[1 + g %% 20]
                     WHEN random() < 0.0333
                     THEN (%(supported)s::bigint[])[1 + g %% 10] END,
                NULL,
                random() < 0.05,
                random() < 0.35,
                CASE WHEN isolating THEN current_date - 3 END,
                CASE WHEN isolating THEN current_date + 7 END,
                '', '',
                CASE WHEN random() < 0.01 THEN current_date - 30 END,
                NULL, NULL, NULL, NULL,
                now() - random() * interval '120 days',
                now() - interval '2 years', now()
            FROM generate_series(1, %(count)s) g
            CROSS JOIN LATERAL (SELECT random() < 0.02 + g * 0 AS isolating) flags
            """,
            {
                "patches": patches,
                "npatches": len(patches),
                "independent": schemes["independent_living"],
                "supported": schemes["supported_living"],
                "count": count,
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tenants_tenant")
    print(f"Generated {count:,} tenants in SQL in {time.monotonic() - started:.1f} s")


def ensure_phone_marks():
    """What officers learned on calls, in `PhoneNumber` rows (made in SQL; kept between runs):
    1 tenant in 100 has their only number marked wrong (no number to dial: the build passes
    them to a manager), 1 in 50 has a number added in the app, 1 in 200 has both (a number to
    dial: the added one)."""
    from django.db import connection

    from accounts.models import User

    marker, _ = User.objects.get_or_create(
        username="bench-marker", defaults={"role": User.Role.MANAGER}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenants_phonenumber WHERE by_id = %s", [marker.pk])
        if cursor.fetchone()[0]:
            return
        cursor.execute(
            """
            INSERT INTO tenants_phonenumber (tenant_id, number, source, status, file_numbers,
                                             reason, by_id, at)
            SELECT id, phone, 'file', 'wrong', '', 'Bench: wrong number', %(by)s, now()
            FROM tenants_tenant
            WHERE tenancy_ref LIKE 'QB-%%' AND (id %% 100 = 7 OR id %% 200 = 11)
            UNION ALL
            SELECT id, '+447700' || lpad((id %% 1000000)::text, 6, '0'), 'app', 'good', phone,
                   'Bench: given on a call', %(by)s, now()
            FROM tenants_tenant
            WHERE tenancy_ref LIKE 'QB-%%' AND (id %% 50 = 3 OR id %% 200 = 11)
            """,
            {"by": marker.pk},
        )
        cursor.execute("VACUUM ANALYZE tenants_phonenumber")


def cohort_mix(on):
    """The share of tenants in each cohort on `on`, from the due rule's own annotations."""
    from django.db.models import Count, Q

    from tenants.models import Tenant
    from welfare.cadence import call_tenants

    rules = call_tenants().call_cohort_rules(on)
    counts = Tenant.objects.aggregate(
        total=Count("id"),
        **{code: Count("id", filter=rule) for code, rule in rules.items()},
        declined=Count("id", filter=Q(declined_calls_on__isnull=False)),
        no_patch=Count("id", filter=Q(patch__isnull=True)),
    )
    total = counts.pop("total")
    return total, {code: count / total for code, count in counts.items()}
