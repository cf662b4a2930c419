from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        # Register the refresh task wherever Django runs (web, worker, beat), not only once
        # Celery's lazy autodiscovery has run.
        from . import tasks  # noqa: F401
