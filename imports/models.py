"""An import started in the browser: its file waits on disk, its steps run as Celery tasks."""

from pathlib import Path

from django.conf import settings
from django.db import models

from .frame import Report


def import_root():
    return Path(settings.IMPORT_DIR)


class ImportJob(models.Model):
    class Status(models.TextChoices):
        CHECKING = "checking", "Checking"
        CHECKED = "checked", "Checked: waiting for you to confirm"
        IMPORTING = "importing", "Importing"
        IMPORTED = "imported", "Imported"
        NOTHING_IMPORTED = "nothing_imported", "Nothing imported"
        REFUSED = "refused", "File refused"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Not confirmed within a day"
        FAILED = "failed", "Failed"

    RUNNING = (Status.CHECKING, Status.IMPORTING)

    kind = models.CharField(max_length=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    file_name = models.CharField(max_length=100)
    file_size = models.BigIntegerField()
    status = models.CharField(max_length=20, choices=Status, default=Status.CHECKING)
    skip_invalid = models.BooleanField(default=False)
    # What the importer needs beyond the file, from the app that started the job (a campaign
    # list: {"campaign_id": 7}); passed to the importer as keyword arguments.
    options = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    check_report = models.JSONField(null=True, blank=True)
    result_report = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    files_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="import_job_user_idx")]

    def __str__(self):
        return f"{self.kind} import {self.pk} ({self.file_name})"

    @property
    def folder(self):
        return import_root() / str(self.pk)

    @property
    def upload_path(self):
        return self.folder / "upload.csv"

    @property
    def rejected_path(self):
        return self.folder / "rejected.csv"

    @property
    def running(self):
        return self.status in self.RUNNING

    @property
    def report(self):
        """The latest report: the import's once it has run, else the check's."""
        data = self.result_report or self.check_report
        return Report.from_dict(data) if data else None

    @property
    def notices(self):
        return (self.result_report or self.check_report or {}).get("notices", [])
