"""The app as served: gunicorn imports this module in each worker process (docker-compose.yml).

Once the app is loaded, everything loaded so far (Django, every app's models, and through the
URLconf every view, form and admin module: about 150,000 objects) is moved out of the garbage
collector's sight (`gc.freeze()`). It lives as long as the worker, so scanning it finds nothing
to free; yet every full collection scanned it, every few dozen requests, for 100-130 ms of CPU
in the middle of whichever request was running (the long tail of the dashboard's lists with five
managers at once, issue 20). A full collection now scans only what was made since (20 ms).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _freeze_loaded_app():
    """Import every view (the URLconf, as the first request would), collect what loading left
    behind, and freeze the rest: it is never garbage, so no full collection scans it again."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the URLconf and every view module)
    gc.collect()
    gc.freeze()


_freeze_loaded_app()
