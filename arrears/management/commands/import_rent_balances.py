from arrears.importing import RentBalanceImport
from tenants.import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import rent balances from the rent system's CSV export (rent-balances.md). "
        "Every valid row or none, unless --skip-invalid."
    )
    importer = RentBalanceImport

    def extra_options(self):
        # Older balances ignored (never overwriting newer ones) are reported as notices.
        return {"on_notice": self.stdout.write}
