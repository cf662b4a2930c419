from tenants.import_command import ImportCommand
from tenants.importing import TenantImport


class Command(ImportCommand):
    help = (
        "Import tenants from the housing management system's CSV export (tenants.md). "
        "Every valid row or none, unless --skip-invalid."
    )
    importer = TenantImport
