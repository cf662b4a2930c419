"""The COVID welfare calls become the first campaign: the cohorts' cadences and today's script."""

from datetime import date

from django.db import migrations

CODE = "covid_welfare"
SCRIPT = [
    "How are you doing?",
    "Are you managing to get all the essential shopping supplies you need at the moment?",
    "Are you able to get any medication if you need it?",
    "Are you chatting to people you know on the phone regularly?",
    "Are you aware of the latest government advice?",
    "Is there any support you feel that you need at this moment in time that you are not "
    "receiving?",
]


def seed(apps, schema_editor):
    Campaign = apps.get_model("welfare", "Campaign")
    Question = apps.get_model("welfare", "CampaignQuestion")
    campaign, created = Campaign.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "COVID welfare calls",
            "kind": "programme",
            "starts_on": date(2020, 3, 23),  # the first national lockdown
            "status": "active",
        },
    )
    if created:
        for position, text in enumerate(SCRIPT, start=1):
            Question.objects.create(campaign=campaign, position=position, text=text, kind="text")


def unseed(apps, schema_editor):
    apps.get_model("welfare", "Campaign").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("welfare", "0009_campaigns")]

    operations = [migrations.RunPython(seed, unseed)]
