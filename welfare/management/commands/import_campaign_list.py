from django.core.management.base import CommandError

from tenants.import_command import ImportCommand
from welfare.campaign_import import CampaignListImport
from welfare.campaign_models import Campaign


class Command(ImportCommand):
    help = (
        "Import a list of tenants into a campaign of kind 'imported list': rows matched by "
        "tenancy_ref, or by last_name, date_of_birth and postcode. Every valid row or none, "
        "unless --skip-invalid."
    )
    importer = CampaignListImport

    def add_arguments(self, parser):
        parser.add_argument("campaign", type=int, help="The campaign's number (its page's URL)")
        super().add_arguments(parser)

    def handle(self, *args, campaign, **options):
        self.campaign = Campaign.objects.filter(pk=campaign, kind=Campaign.Kind.LIST).first()
        if self.campaign is None:
            raise CommandError(f"No imported-list campaign number {campaign}")
        return super().handle(*args, **options)

    def extra_options(self):
        return {"campaign": self.campaign}
