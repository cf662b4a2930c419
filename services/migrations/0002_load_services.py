"""The services listed under "Maintaining services" in the association's lockdown account.

Each starts with the status the account gives it and a plain-English message that managers can
change later. Reversing removes these services and their history.
"""

from django.db import migrations
from django.utils import timezone

OPERATING, REDUCED, UNAVAILABLE = "operating", "reduced", "unavailable"

SERVICES = [
    # (slug, name, status, message)
    (
        "customer-contact-centre",
        "Customer Contact Centre",
        OPERATING,
        "Our Customer Contact Centre is open. Phone or email us as usual about your home or "
        "your tenancy.",
    ),
    (
        "housing-management-services",
        "Housing Management Services",
        OPERATING,
        "Your housing officer is still working, mostly by phone and email instead of visits. "
        "Contact the Customer Contact Centre if you need to speak to them.",
    ),
    (
        "emergency-repairs-service",
        "Emergency Repairs Service",
        OPERATING,
        "We are still doing emergency repairs. Report an emergency, such as a gas or water leak, "
        "no heating or hot water, no electricity or a door or window that will not lock, to the "
        "Customer Contact Centre straight away.",
    ),
    (
        "womens-domestic-abuse-helpline",
        "Women’s Domestic Abuse Helpline",
        OPERATING,
        "The helpline is open. If you are in danger now, call 999. If you cannot speak, call 999 "
        "and press 55 when you are asked.",
    ),
    (
        "progress-futures",
        "Progress Futures",
        OPERATING,
        "Progress Futures is running, by phone and online instead of face to face.",
    ),
    (
        "independent-living-co-ordinators",
        "Independent Living Co-ordinators",
        OPERATING,
        "Independent Living Co-ordinators are working and are calling tenants in independent "
        "living schemes more often than usual. Contact your co-ordinator if you need help.",
    ),
    (
        "community-investment-fund",
        "Community Investment Fund",
        OPERATING,
        "The Community Investment Fund is open for applications as usual.",
    ),
    (
        "domestic-cleaning-independent-living",
        "Domestic Cleaning (independent living)",
        OPERATING,
        "Cleaning in independent living schemes is carrying on, following government and Public "
        "Health England guidance.",
    ),
    (
        "community-safety",
        "Community Safety",
        OPERATING,
        "You can still report anti-social behaviour to the Customer Contact Centre. In an "
        "emergency, call 999.",
    ),
    (
        "income-collection",
        "Income Collection",
        OPERATING,
        "Please keep paying your rent. If coronavirus means you cannot pay, tell us as soon as "
        "you can: we can agree a payment plan and check what help you can get.",
    ),
    (
        "allocations",
        "Allocations",
        OPERATING,
        "We are still letting empty homes. Viewings and moves follow government guidance.",
    ),
    (
        "financial-inclusion-team",
        "Financial Inclusion Team",
        OPERATING,
        "Our Financial Inclusion Team can help by phone with benefits, budgeting and debts. Ask "
        "the Customer Contact Centre to put you in touch.",
    ),
    (
        "customer-involvement",
        "Customer Involvement",
        OPERATING,
        "You can still have your say about our services, by phone, email and online instead of "
        "at meetings.",
    ),
    (
        "refuges",
        "Refuges",
        OPERATING,
        "Our refuges are open. If you need a safe place to stay, call the Women’s Domestic Abuse "
        "Helpline. In an emergency, call 999.",
    ),
    (
        "supported-housing-homelessness-schemes",
        "Supported Housing (homelessness schemes)",
        OPERATING,
        "Our homelessness schemes are open and staffed, following government guidance.",
    ),
    (
        "progress-lifeline",
        "Progress Lifeline",
        OPERATING,
        "Lifeline alarms are answered 24 hours a day, as usual. Press your button if you need "
        "help.",
    ),
    (
        "key-unlocking-futures",
        "Key Unlocking Futures",
        OPERATING,
        "Key Unlocking Futures is running, by phone and online instead of face to face.",
    ),
    (
        "progress-living",
        "Progress Living",
        OPERATING,
        "Progress Living is running, following government and Public Health England guidance.",
    ),
    (
        "estate-caretakers",
        "Estate Caretakers",
        REDUCED,
        "Caretakers are still cleaning and checking shared areas, but less often than usual. "
        "Report anything unsafe, such as a broken light or a spillage, to the Customer Contact "
        "Centre.",
    ),
    (
        "grounds-maintenance",
        "Grounds Maintenance",
        REDUCED,
        "We are cutting grass and looking after shared gardens less often than usual. We will "
        "catch up when it is safe to.",
    ),
    (
        "essential-white-goods-supported-living",
        "Essential White Goods (supported living)",
        REDUCED,
        "In supported living schemes we are only repairing or replacing essential appliances, "
        "such as fridges, freezers and cookers. Tell your support provider if one breaks.",
    ),
    (
        "routine-repairs-and-maintenance",
        "Routine repairs and maintenance",
        UNAVAILABLE,
        "We have stopped routine repairs for now. We are still doing emergency repairs: report "
        "them to the Customer Contact Centre. We will contact you to rearrange any routine "
        "repair that was booked.",
    ),
    (
        "access-to-offices-for-visitors",
        "Access to all offices for visitors",
        UNAVAILABLE,
        "Our offices are closed to visitors. Phone or email the Customer Contact Centre instead.",
    ),
    (
        "caretaker-bulky-items-removal",
        "Caretaker bulky items removal",
        UNAVAILABLE,
        "Caretakers are not taking away bulky items, such as furniture, for now. Please keep them "
        "in your home and do not leave them in shared areas or outside.",
    ),
    (
        "furniture-futures",
        "Furniture Futures",
        UNAVAILABLE,
        "Furniture Futures is temporarily suspended. We will update this page when it starts "
        "again.",
    ),
    (
        "face-to-face-community-involvement",
        "Face to face community involvement activity",
        UNAVAILABLE,
        "Community meetings and events in person are cancelled. You can still take part by phone "
        "and online: see Customer Involvement.",
    ),
    (
        "major-repairs-and-improvements",
        "Major repairs and improvements",
        UNAVAILABLE,
        "Planned work, such as new kitchens, bathrooms and roofs, is on hold. We will contact you "
        "to rearrange any work that was booked.",
    ),
    (
        "disabled-adaptations",
        "Disabled adaptations",
        UNAVAILABLE,
        "We have paused adaptations to homes. If you are waiting for one, you keep your place. "
        "Tell us if your needs have changed or become urgent.",
    ),
    (
        "non-essential-environmental-improvements",
        "Non-essential environmental improvement works",
        UNAVAILABLE,
        "Improvement work on estates, such as landscaping and fencing, is on hold for now.",
    ),
]


def load(apps, schema_editor):
    Service = apps.get_model("services", "Service")
    StatusChange = apps.get_model("services", "StatusChange")
    now = timezone.now()
    for position, (slug, name, status, message) in enumerate(SERVICES):
        service = Service.objects.create(slug=slug, name=name, position=position)
        StatusChange.objects.create(
            service=service, status=status, message=message, effective_at=now, created_at=now
        )


def unload(apps, schema_editor):
    Service = apps.get_model("services", "Service")
    Service.objects.filter(slug__in=[slug for slug, *_ in SERVICES]).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
