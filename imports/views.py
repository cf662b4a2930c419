"""Imports in the browser: upload, watch the check, confirm, watch the import, "Your imports".

Every page is its uploader's alone (`get_import_for_user`), for the roles its kind allows. The
steps run in Celery (`imports.tasks`); the page shows their progress, refreshed by htmx every
two seconds, or by the "Refresh" link without JavaScript.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models.fields.json import KT
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import staff_required

from . import jobs, registry
from .forms import UploadForm
from .models import ImportJob


def _kind_for(user, slug):
    kind = registry.get(slug)
    if kind is None or not kind.listed:
        raise Http404
    if not kind.allows(user):
        raise PermissionDenied
    return kind


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, kind):
    kind = _kind_for(request.user, kind)
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        file_label=kind.file_label,
    )
    if form.is_bound and form.is_valid():
        job = jobs.import_start(user=request.user, kind=kind, upload=form.cleaned_data["file"])
        return redirect("imports:job", pk=job.pk)
    return render(
        request,
        "imports/upload.html",
        {
            "form": form,
            "kind": kind,
            "max_mb": settings.IMPORT_MAX_MB,
            **kind.panel(request.user),
        },
    )


@staff_required
def sample(request, kind):
    """A sample file of the kind's format, for whoever may upload one."""
    kind = _kind_for(request.user, kind)
    if not kind.sample:
        raise Http404
    return FileResponse(
        open(kind.sample, "rb"),  # noqa: SIM115 (FileResponse closes it)
        as_attachment=True,
        filename=f"{kind.slug}-sample.csv",
        content_type="text/csv; charset=utf-8",
    )


def _heading(job, kind):
    status = ImportJob.Status
    return {
        status.CHECKING: f"Checking the {kind.file_label}",
        status.CHECKED: f"Check the {kind.file_label}",
        status.IMPORTING: f"Importing the {kind.file_label}",
        status.IMPORTED: kind.done_title,
        status.REFUSED: "File refused",
        status.CANCELLED: "Import cancelled",
    }.get(job.status, "Nothing imported")


def _job_context(request, job):
    kind = registry.get(job.kind)
    report = job.report
    valid = report.counts["rows"] - report.rejected if report else 0
    return {
        "job": job,
        "kind": kind,
        "heading": _heading(job, kind),
        "max_mb": settings.IMPORT_MAX_MB,
        "report": report,
        "valid": valid,
        "nothing_valid": bool(report) and valid == 0,
        "left_out": report.rejected if report else 0,
        "counts": [
            (name, label, report.counts.get(name, 0)) for name, label in kind.count_labels(report)
        ]
        if report
        else [],
        "progress": jobs.progress(job) if job.running else None,
        "rejected_file": job.rejected_path.is_file() and report and report.rejected,
        "upload_url": kind.upload_url(job),
        **kind.report(job),
        **(kind.panel(request.user) if job.status == ImportJob.Status.IMPORTED else {}),
    }


@staff_required
def job(request, pk):
    job = jobs.get_import_for_user(request.user, pk)
    return render(request, "imports/job.html", _job_context(request, job))


@staff_required
def job_progress(request, pk):
    """The progress panel alone, fetched every two seconds by static/js/import-progress.js,
    which reloads the page once the panel says the step has ended."""
    job = jobs.get_import_for_user(request.user, pk)
    return render(request, "imports/_progress.html", _job_context(request, job))


@staff_required
@require_POST
def confirm(request, pk):
    job = jobs.get_import_for_user(request.user, pk)
    jobs.import_confirm(job=job, skip_invalid=request.POST.get("skip_invalid") == "yes")
    return redirect("imports:job", pk=job.pk)


@staff_required
@require_POST
def cancel(request, pk):
    job = jobs.get_import_for_user(request.user, pk)
    outcome = jobs.import_cancel(job=job)
    job.refresh_from_db()
    if outcome == "stopping":
        messages.info(request, "Cancelling: nothing from this file will be kept.")
    elif job.status == ImportJob.Status.IMPORTED:
        # A stale tab: the file was confirmed elsewhere and has been imported.
        messages.info(request, "This file was already imported, so it could not be cancelled.")
    else:
        messages.info(request, "The file was not imported.")
    return redirect("imports:job", pk=job.pk)


@staff_required
def rejected_rows(request, pk):
    job = jobs.get_import_for_user(request.user, pk)
    if not job.rejected_path.is_file():
        raise Http404
    stem = job.file_name.rsplit(".", 1)[0]
    return FileResponse(
        open(job.rejected_path, "rb"),  # noqa: SIM115 (FileResponse closes it)
        as_attachment=True,
        filename=f"{stem}-rejected.csv",
        content_type="text/csv; charset=utf-8",
    )


@staff_required
def your_imports(request):
    """The user's own imports, newest first: leave a running one and come back to it here."""
    jobs_ = (
        ImportJob.objects.filter(created_by=request.user)
        .only("kind", "file_name", "status", "created_at")
        .annotate(
            rows_checked=KT("check_report__counts__rows"),
            rows_rejected=KT("check_report__counts__rejected"),
            rows_left_out=KT("result_report__counts__rejected"),
        )
    )
    page = Paginator(jobs_, 25).get_page(request.GET.get("page"))
    allowed = [kind for kind in registry.kinds() if kind.allows(request.user)]
    kinds = [kind for kind in allowed if kind.listed]
    elsewhere = [
        (kind.slug, kind.started_from[0], reverse(kind.started_from[1]), kind.started_from[2])
        for kind in allowed
        if not kind.listed and kind.started_from
    ]
    titles = {kind.slug: kind.file_label for kind in registry.kinds()}
    for each in page.object_list:
        each.kind_label = titles.get(each.kind, each.kind).capitalize()
        each.nothing_to_confirm = (
            each.status == ImportJob.Status.CHECKED
            and each.rows_checked is not None
            and each.rows_checked == each.rows_rejected
        )
        # An import that left rows out says so in the list, not only on its own page.
        each.left_out = int(each.rows_left_out or 0) if each.status == "imported" else 0
    return render(
        request, "imports/list.html", {"page": page, "kinds": kinds, "elsewhere": elsewhere}
    )
