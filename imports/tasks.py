from celery import shared_task

from . import jobs


@shared_task(name="imports.run_job")
def run_import_job(pk):
    """Check or import a browser upload (imports/jobs.py); the page shows its progress."""
    jobs.run_step(pk)


@shared_task(name="imports.discard_stale_files")
def discard_stale_files():
    """Hourly: uploads and rejected-rows files are kept at most a day (issue 16)."""
    return jobs.discard_stale_files()
