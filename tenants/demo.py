"""Realistic demo tenants for `seed_demo`: valid UK data with a real association's cohort mix.

Phones come from Ofcom's drama *landline* ranges, which libphonenumber holds valid (Faker's
en_GB mobiles are drama numbers that fail validation). Rows are built as plain dicts and
written in batches (COPY on PostgreSQL), so a million tenants never sit in memory as objects.
"""

import random
import re
from datetime import date, timedelta

from faker.providers.person.en_GB import Provider as People

from accounts.models import Patch

from .models import FamilyContact, PatchArea, Scheme, SupportProvider

# Patch code -> (town, outward codes). Lancashire districts.
PATCH_AREAS = {
    "PR-RIB": ("Preston", ["PR1", "PR2", "PR3", "PR4"]),
    "PR-LEY": ("Leyland", ["PR25", "PR26", "PR5", "PR7"]),
    "FY-LYT": ("Lytham St Annes", ["FY8"]),
    "FY-BPL": ("Blackpool", ["FY1", "FY2", "FY3", "FY4", "FY5", "FY7"]),
}
UNMAPPED_OUTWARD = [("Lancaster", "LA1"), ("Burnley", "BB11")]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
DRAMA_LANDLINES = [("+44207946", 4), ("+44113496", 4), ("+44161496", 4)]
STREETS = [
    "Mill Lane",
    "Church Street",
    "Ribble Road",
    "Station Road",
    "Victoria Street",
    "Moor Lane",
    "Garstang Road",
    "Marsh Lane",
    "Clifton Drive",
    "Watling Street Road",
    "Lytham Road",
    "Fylde Street",
    "Preston New Road",
    "Talbot Road",
    "Queens Promenade",
]
LANGUAGES = ["Polish", "Urdu", "Gujarati", "Punjabi", "Bengali", "Arabic", "Romanian", "BSL"]
NEEDS = [
    "Hard of hearing: speak slowly and clearly",
    "Easy read information",
    "Speech difficulty: allow time to answer",
    "Partially sighted",
    "Memory difficulties: confirm details twice",
]
RELATIONSHIPS = ["Daughter", "Son", "Niece", "Nephew", "Brother", "Sister", "Friend", "Neighbour"]
SCHEME_WORDS = ["Court", "House", "Gardens", "Lodge", "Mews", "Place"]
PROVIDER_WORDS = ["Support", "Care", "Living", "Futures", "Community Services"]


class DemoTenants:
    def __init__(self, count, seed, today=None):
        self.count = count
        self.random = random.Random(seed)
        self.today = today or date.today()
        self.first_names = People.first_names_male + People.first_names_female
        self.last_names = list(People.last_names)

    # Reference data ---------------------------------------------------------------------
    def reference_data(self):
        r = self.random
        patches = {patch.code: patch for patch in Patch.objects.all()}
        for code, (_town, outwards) in PATCH_AREAS.items():
            for outward in outwards:
                PatchArea.objects.update_or_create(
                    outward_code=outward, defaults={"patch": patches[code]}
                )
        provider_count = min(120, max(3, self.count // 800))
        providers = [
            SupportProvider.objects.get_or_create(
                name=f"{r.choice(self.last_names)} {PROVIDER_WORDS[i % 5]} {i + 1}"
            )[0]
            for i in range(provider_count)
        ]
        self.providers = providers
        self.schemes = {Scheme.Type.INDEPENDENT_LIVING: [], Scheme.Type.SUPPORTED_LIVING: []}
        for scheme_type, per_scheme, share in (
            (Scheme.Type.INDEPENDENT_LIVING, 40, 0.10),
            (Scheme.Type.SUPPORTED_LIVING, 6, 0.03),
        ):
            for i in range(max(2, int(self.count * share / per_scheme))):
                patch_code = r.choice(list(PATCH_AREAS))
                name = f"{r.choice(self.last_names)} {r.choice(SCHEME_WORDS)} {i + 1}"
                scheme, _ = Scheme.objects.get_or_create(
                    name=name,
                    defaults={
                        "type": scheme_type,
                        "support_provider": r.choice(providers)
                        if scheme_type == Scheme.Type.SUPPORTED_LIVING
                        else None,
                    },
                )
                self.schemes[scheme_type].append((scheme, patch_code))
        self.patches = patches

    # Rows -----------------------------------------------------------------------------
    def phone(self):
        prefix, digits = self.random.choice(DRAMA_LANDLINES)
        return f"{prefix}0{self.random.randrange(10 ** (digits - 1)):0{digits - 1}d}"

    def postcode(self, outward):
        r = self.random
        return f"{outward} {r.randrange(1, 10)}{r.choice(INWARD_LETTERS)}{r.choice(INWARD_LETTERS)}"

    def birth_date(self, aged_70_plus):
        r = self.random
        age = r.randint(70, 98) if aged_70_plus else r.randint(19, 69)
        return self.today - timedelta(days=age * 365 + r.randrange(365))

    def tenant(self, index):
        r = self.random
        roll = r.random()
        scheme = None
        if roll < 0.10:
            scheme, patch_code = r.choice(self.schemes[Scheme.Type.INDEPENDENT_LIVING])
        elif roll < 0.13:
            scheme, patch_code = r.choice(self.schemes[Scheme.Type.SUPPORTED_LIVING])
        else:
            patch_code = r.choice(list(PATCH_AREAS))
        if r.random() < 0.005:
            town, outward = r.choice(UNMAPPED_OUTWARD)
            patch = None
        else:
            town, outwards = PATCH_AREAS[patch_code]
            outward = r.choice(outwards)
            patch = self.patches[patch_code]
        in_independent_living = scheme is not None and scheme.type == Scheme.Type.INDEPENDENT_LIVING
        aged = r.random() < (0.6 if in_independent_living else 0.22)
        isolating = r.random() < 0.02
        isolating_from = self.today - timedelta(days=r.randrange(0, 6)) if isolating else None
        no_phone = r.random() < 0.01
        has_mobile = not no_phone and r.random() < 0.5
        first_name, last_name = r.choice(self.first_names), r.choice(self.last_names)
        return {
            "tenancy_ref": f"PHG-{index:07d}",
            "first_name": first_name,
            "last_name": last_name,
            "date_of_birth": self.birth_date(aged),
            "phone": "" if no_phone or (has_mobile and r.random() < 0.5) else self.phone(),
            "mobile": self.phone() if has_mobile else "",
            "no_phone": no_phone,
            "address_line_1": f"{r.randint(1, 180)} {r.choice(STREETS)}",
            "town": town,
            "postcode": self.postcode(outward),
            "patch_id": patch.pk if patch else None,
            "scheme_id": scheme.pk if scheme else None,
            "support_provider_id": scheme.support_provider_id if scheme else None,
            "lifeline": r.random() < 0.05,
            "lives_alone": r.choice([True, True, False, None]),
            "self_isolating_from": isolating_from,
            "self_isolating_until": isolating_from + timedelta(days=10) if isolating else None,
            "interpreter_language": r.choice(LANGUAGES) if r.random() < 0.03 else "",
            "communication_needs": r.choice(NEEDS) if r.random() < 0.06 else "",
            "declined_calls_on": self.today - timedelta(days=r.randrange(10, 400))
            if r.random() < 0.01
            else None,
            # No contact yet: seed_demo's calls (dashboard/demo_life.py) give each one.
            "last_contact_at": None,
            # A third have an email address, at example.org (reserved: it reaches nobody), so
            # the demo's messages have someone to reach besides the phone. From the row's
            # number, not the random stream, which the rest of the demo follows.
            "email": demo_email(first_name, last_name, index) if index % 3 == 0 else "",
            "address_line_2": "",
            "in_hospital_until": None,
            "tenancy_end_date": None,
            "deceased_reported_on": None,
            "deceased_on": None,
        }

    def family_contact(self, tenant_id, last_name):
        r = self.random
        consent = r.random() < 0.6
        return FamilyContact(
            tenant_id=tenant_id,
            name=f"{r.choice(self.first_names)} {last_name}",
            relationship=r.choice(RELATIONSHIPS),
            phone=self.phone(),
            consent_to_updates=consent,
            consent_given_on=self.today - timedelta(days=r.randrange(1, 300)) if consent else None,
        )


def demo_email(first_name, last_name, index):
    """A demo tenant's email address: letters of their names and their row, at example.org."""
    letters = [re.sub(r"[^a-z]", "", name.lower()) for name in (first_name, last_name)]
    return f"{'.'.join(part for part in letters if part)}.{index}@example.org"
