from django.core.management.base import BaseCommand

from dashboard.refresh import dashboard_refresh


class Command(BaseCommand):
    help = "Work out the manager dashboard's figures now (Celery beat does it every 15 minutes)."

    def handle(self, *args, **options):
        snapshot = dashboard_refresh()
        if snapshot is None:
            self.stdout.write("Another refresh is running; it will write the figures.")
        else:
            self.stdout.write(f"Dashboard refreshed in {snapshot.seconds:.1f} s.")
