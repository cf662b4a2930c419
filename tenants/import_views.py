"""Managers import the tenant file in the browser: upload, check (a dry run), confirm, result.

The uploaded file waits on the server in a folder named by a random token that only the
uploader's session holds, under a folder of the uploader's own; the browser never names a path.
The import itself is `TenantImport`, with the same rules and messages as `import_tenants`.
"""

import json
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import manager_required

from .importing import Report, TenantImport
from .models import Tenant
from .selectors import log_tenants_listed

SESSION_KEY = "tenant_import"
MAX_UPLOAD_MB = 10  # about 50,000 tenants: checked and imported within one request
KEEP_REJECTIONS = 1000  # shown on the page; the rejected-rows file has every one
STALE_AFTER_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")


def _root():
    return Path(getattr(settings, "TENANT_IMPORT_DIR", "") or tempfile.gettempdir()) / (
        "welfare-tenant-imports"
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a tenant file",
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The selected file must be a CSV")
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"The selected file must be smaller than {MAX_UPLOAD_MB} MB"
            )
        return upload


def _workspace(request):
    """The folder of this user's current import, or None."""
    held = request.session.get(SESSION_KEY) or {}
    token = held.get("token", "")
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    folder = _root() / str(request.user.pk) / token
    return folder if folder.is_dir() else None


def _discard_stale(user):
    """Remove this user's earlier imports, and anyone's left for more than a day."""
    root = _root()
    if not root.is_dir():
        return
    cutoff = time.time() - STALE_AFTER_SECONDS
    for user_folder in root.iterdir():
        for folder in user_folder.iterdir() if user_folder.is_dir() else ():
            if user_folder.name == str(user.pk) or folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)


def _report(folder, name):
    path = folder / name
    return Report.from_dict(json.loads(path.read_text())) if path.is_file() else None


def _save_report(folder, name, report):
    (folder / name).write_text(json.dumps(report.as_dict()))


@manager_required
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        _discard_stale(request.user)
        request.session.pop(SESSION_KEY, None)
        token = secrets.token_hex(16)
        folder = _root() / str(request.user.pk) / token
        folder.mkdir(parents=True, mode=0o700)
        uploaded = form.cleaned_data["file"]
        with open(folder / "upload.csv", "wb") as destination:
            for chunk in uploaded.chunks():
                destination.write(chunk)
        name = Path(uploaded.name).name[:100]
        report = TenantImport(
            dry_run=True,
            errors_out=folder / "rejected.csv",
            keep_rejections=KEEP_REJECTIONS,
            source_name=name,
        ).run(folder / "upload.csv")
        if report.refused:
            shutil.rmtree(folder, ignore_errors=True)
            form.add_error("file", f"The file was refused: {report.refused}")
        else:
            _save_report(folder, "check.json", report)
            request.session[SESSION_KEY] = {"token": token, "name": name}
            return redirect("tenant_import:check")
    return render(
        request,
        "tenants/import/upload.html",
        {
            "form": form,
            "max_mb": MAX_UPLOAD_MB,
            "unassigned": Tenant.objects.current().unassigned().count(),
        },
    )


@manager_required
@require_http_methods(["GET", "POST"])
def check(request):
    folder = _workspace(request)
    report = folder and _report(folder, "check.json")
    if not report:
        messages.info(request, "Upload a tenant file to check it.")
        return redirect("tenant_import:upload")
    upload_path = folder / "upload.csv"
    if request.method == "POST":
        if not upload_path.is_file():  # confirmed twice: the first import has the answer
            return redirect("tenant_import:result")
        result = TenantImport(
            user=request.user,
            skip_invalid=request.POST.get("skip_invalid") == "yes",
            errors_out=folder / "rejected.csv",
            keep_rejections=KEEP_REJECTIONS,
            source_name=request.session[SESSION_KEY]["name"],
        ).run(upload_path)
        _save_report(folder, "result.json", result)
        upload_path.unlink()
        return redirect("tenant_import:result")
    if not upload_path.is_file():
        return redirect("tenant_import:result")
    valid = report.counts["rows"] - report.rejected
    return render(request, "tenants/import/check.html", {"report": report, "valid": valid})


@manager_required
def result(request):
    folder = _workspace(request)
    report = folder and _report(folder, "result.json")
    if not report:
        return redirect("tenant_import:check" if folder else "tenant_import:upload")
    return render(
        request,
        "tenants/import/result.html",
        {"report": report, "unassigned": Tenant.objects.current().unassigned().count()},
    )


@manager_required
def rejected_rows(request):
    folder = _workspace(request)
    path = folder / "rejected.csv" if folder else None
    if path is None or not path.is_file():
        raise Http404
    name = Path(request.session[SESSION_KEY]["name"]).stem
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 (FileResponse closes it)
        as_attachment=True,
        filename=f"{name}-rejected.csv",
        content_type="text/csv; charset=utf-8",
    )


@manager_required
@require_POST
def cancel(request):
    folder = _workspace(request)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    request.session.pop(SESSION_KEY, None)
    messages.info(request, "The file was not imported.")
    return redirect("tenant_import:upload")


@manager_required
def unassigned(request):
    """Current tenants with no patch: neither the import file nor the patch map placed them.
    Ended tenancies need no patch, as on the home page's panel."""
    tenants = (
        Tenant.objects.current()
        .unassigned()
        .only("tenancy_ref", "first_name", "last_name", "address_line_1", "postcode")
        .order_by("last_name", "first_name", "tenancy_ref")
    )
    page = Paginator(tenants, 50).get_page(request.GET.get("page"))
    log_tenants_listed(request.user, [tenant.pk for tenant in page], request.path)
    return render(request, "tenants/import/unassigned.html", {"page": page})
