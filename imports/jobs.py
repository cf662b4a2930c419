"""Browser imports as jobs: start one from an upload, check it (a dry run), confirm, cancel,
and the progress a running step reports. The steps run in a Celery task (`imports.tasks`)."""

import shutil
import time
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from . import registry
from .frame import Cancelled
from .models import ImportJob

KEEP_REJECTIONS = 1000  # shown on the page; the rejected-rows file has every one
FILES_KEPT = timedelta(hours=24)


def get_import_for_user(user, pk):
    """The user's own import, or 404: an import's file and report are its uploader's alone."""
    job = ImportJob.objects.filter(pk=pk, created_by=user).first()
    kind = job and registry.get(job.kind)
    if job is None or kind is None or not kind.allows(user):
        raise Http404
    return job


@transaction.atomic
def import_start(*, user, kind, upload, options=None):
    """Keep the uploaded file in the job's folder and queue its check. `options` go to the
    importer as keyword arguments (JSON: ids, not objects)."""
    job = ImportJob.objects.create(
        kind=kind.slug,
        options=options or {},
        created_by=user,
        file_name=upload.name.rsplit("/", 1)[-1][:100],
        file_size=upload.size,
    )
    # A folder left under this id by another database (a restore, a test run) is not this job's.
    shutil.rmtree(job.folder, ignore_errors=True)
    job.folder.mkdir(parents=True, mode=0o700)
    with open(job.upload_path, "wb") as destination:
        for chunk in upload.chunks():
            destination.write(chunk)
    _queue(job)
    return job


@transaction.atomic
def import_confirm(*, job, skip_invalid):
    """Queue the import of a checked file; confirming twice queues it once."""
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.IMPORTING, skip_invalid=skip_invalid, updated_at=timezone.now()
    )
    if started:
        _queue(job)
    return bool(started)


@transaction.atomic
def import_cancel(*, job):
    """Stop a job. A running step stops at its next progress report and keeps nothing; a
    checked file waiting for confirmation is deleted at once. Returns "stopping",
    "cancelled", or "too late" for a job that had already ended (imported, in another tab)."""
    now = timezone.now()
    # The row is locked first so a confirm from another tab lands wholly before or after
    # this: checked-then-cancelled, or importing-then-stopping, never neither.
    status = ImportJob.objects.select_for_update().values_list("status", flat=True).get(pk=job.pk)
    if status in ImportJob.RUNNING:
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True, updated_at=now)
        return "stopping"
    if status == ImportJob.Status.CHECKED:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.CANCELLED, finished_at=now, updated_at=now
        )
        transaction.on_commit(lambda: _delete_files(job.pk))
        return "cancelled"
    return "too late"


def _queue(job):
    from .tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.delay(job.pk))


def _progress_key(pk):
    return f"imports:progress:{pk}"


def progress(job):
    """What a running step last reported: rows read, rejected, and an estimate of time left."""
    data = cache.get(_progress_key(job.pk)) or {}
    rows, read, total = data.get("rows", 0), data.get("bytes_read", 0), data.get("total_bytes", 0)
    elapsed = time.time() - data.get("started", time.time())
    left = None
    if data.get("stage") == "reading" and read and total and elapsed > 2:
        left = max(int(elapsed * (total - read) / read), 0)
    return {
        "stage": data.get("stage", "waiting"),
        "rows": rows,
        "rejected": data.get("rejected", 0),
        "percent": min(int(100 * read / total), 100) if total else 0,
        "seconds_left": left,
    }


def run_step(pk):
    """Run the job's waiting step (check or import); called by the Celery task."""
    job = ImportJob.objects.select_related("created_by").get(pk=pk)
    if job.status not in ImportJob.RUNNING:
        return
    if job.cancel_requested:
        _finish(job, ImportJob.Status.CANCELLED)
        return
    checking = job.status == ImportJob.Status.CHECKING
    started = time.time()

    def on_progress(report):
        cache.set(
            _progress_key(pk),
            {
                "stage": report.stage,
                "rows": report.counts["rows"],
                "rejected": report.rejected,
                "bytes_read": report.bytes_read,
                "total_bytes": report.total_bytes,
                "started": started,
            },
            timeout=FILES_KEPT.total_seconds(),
        )
        # Read committed: the cancel a manager saved is seen by this run's next report.
        if ImportJob.objects.filter(pk=pk, cancel_requested=True).exists():
            raise Cancelled

    def before_commit(report):
        # In the import's own transaction, once every row is written: a cancel saved until now
        # rolls it all back, and the job is marked imported in the same commit. A cancel after
        # that waits for this row's lock (`import_cancel`) and finds the file imported, so no
        # manager is told "nothing will be kept" of a file that then is.
        job_row = ImportJob.objects.select_for_update().filter(pk=pk)
        if job_row.values_list("cancel_requested", flat=True).get():
            raise Cancelled
        job_row.update(status=ImportJob.Status.IMPORTED, updated_at=timezone.now())

    importer = registry.get(job.kind).importer_class()(
        user=job.created_by,
        dry_run=checking,
        skip_invalid=job.skip_invalid and not checking,
        errors_out=job.rejected_path,
        keep_rejections=KEEP_REJECTIONS,
        source_name=job.file_name,
        on_progress=on_progress,
        before_commit=None if checking else before_commit,
        **job.options,
    )
    try:
        report = importer.run(job.upload_path)
    except Exception:
        _finish(job, ImportJob.Status.FAILED)
        raise
    data = {**report.as_dict(), "notices": getattr(importer, "notices", [])}
    if report.cancelled:
        _finish(job, ImportJob.Status.CANCELLED)
    elif report.refused:
        _finish(job, ImportJob.Status.REFUSED, check_report=data)
    elif checking:
        # A cancel saved after the check's last progress report still wins: the manager asked
        # for it and was told "Cancelling". Only a cancel: a run that finds the job no longer
        # checking (run twice, as a task whose worker died is) leaves it as it is.
        checked = ImportJob.objects.filter(pk=pk, status=job.status, cancel_requested=False)
        if (
            not checked.update(
                status=ImportJob.Status.CHECKED, check_report=data, updated_at=timezone.now()
            )
            and ImportJob.objects.filter(pk=pk, status=job.status, cancel_requested=True).exists()
        ):
            _finish(job, ImportJob.Status.CANCELLED)
    else:
        status = ImportJob.Status.IMPORTED if report.written else ImportJob.Status.NOTHING_IMPORTED
        _finish(job, status, result_report=data, keep_rejected=True)
    cache.delete(_progress_key(pk))


def _finish(job, status, keep_rejected=False, **fields):
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, finished_at=now, updated_at=now, **fields
    )
    if keep_rejected:
        # Confirmed: the upload goes now; the rejected rows wait a day for "Fix the file".
        job.upload_path.unlink(missing_ok=True)
    else:
        _delete_files(job.pk)


def _delete_files(pk):
    job = ImportJob(pk=pk)
    shutil.rmtree(job.folder, ignore_errors=True)
    ImportJob.objects.filter(pk=pk).update(files_deleted_at=timezone.now())


def discard_stale_files(now=None):
    """Delete the files of imports untouched for a day; a check never confirmed expires, and a
    step still "running" after a day (its worker died) has failed, having kept nothing.
    The hourly beat job; returns how many imports' files it deleted."""
    now = now or timezone.now()
    stale = ImportJob.objects.filter(files_deleted_at__isnull=True, updated_at__lt=now - FILES_KEPT)
    ImportJob.objects.filter(pk__in=stale.values("pk"), status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.EXPIRED, finished_at=now
    )
    ImportJob.objects.filter(pk__in=stale.values("pk"), status__in=ImportJob.RUNNING).update(
        status=ImportJob.Status.FAILED, finished_at=now
    )
    pks = list(stale.values_list("pk", flat=True))
    for pk in pks:
        _delete_files(pk)
    return len(pks)
