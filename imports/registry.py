"""The kinds of file that can be imported in the browser. Each app registers its own from its
AppConfig.ready (tenants: the tenant file; arrears: rent balances), so this bottom-layer app
never imports them."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ImportKind:
    slug: str  # in URLs: /imports/new/<slug>/
    title: str  # "Import tenants"
    done_title: str  # "Tenants imported"
    file_label: str  # "tenant file"
    importer: str  # dotted path of a CsvImport subclass
    roles: tuple[str, ...]  # who may upload it
    format_hint: str = ""
    # What the file must hold, shown on the upload page and beside a refused or rejected file,
    # and a sample file (a path) offered for download there.
    format_template: str = ""
    sample: str = ""
    panel_template: str = ""  # shown under the result and the upload form
    panel_context: str = ""  # dotted path of a callable(user) -> dict for that panel
    # A kind whose jobs need options (a campaign's list) is started from its app's own page:
    # not listed under "Your imports", no upload page here, and `start_url` (dotted path of a
    # callable(job) -> url) says where to upload another file.
    listed: bool = True
    start_url: str = ""
    # For an unlisted kind, "Your imports" says where one is started: a sentence, then a link
    # (URL name, link text) to the pages it is started from.
    started_from: tuple[str, str, str] = ()
    # Shown on the job page in place of the counts, with `report_context(job)` (dotted paths).
    report_template: str = ""
    report_context: str = ""
    # The report's counts as the pages show them: (name, label).
    counts: tuple[tuple[str, str], ...] = field(
        default=(
            ("created", "New"),
            ("updated", "Updated"),
            ("unchanged", "Unchanged"),
            ("rejected", "Rejected"),
        )
    )

    # The labels for a report that wrote nothing (a check before confirming, or a run that
    # rejected rows), where a label in `counts` says what was done: "Added" before anything is.
    unwritten_counts: tuple[tuple[str, str], ...] = ()

    def count_labels(self, report):
        if self.unwritten_counts and not report.written:
            return self.unwritten_counts
        return self.counts

    def importer_class(self):
        return import_string(self.importer)

    def panel(self, user):
        if not self.panel_template:
            return {}
        context = import_string(self.panel_context)(user) if self.panel_context else {}
        return {"panel_template": self.panel_template, **context}

    def upload_url(self, job):
        if self.start_url:
            return import_string(self.start_url)(job)
        return reverse("imports:upload", args=[self.slug])

    def report(self, job):
        if not self.report_template:
            return {}
        context = import_string(self.report_context)(job) if self.report_context else {}
        return {"report_template": self.report_template, **context}

    def allows(self, user):
        return user.is_authenticated and user.role in self.roles


_kinds: dict[str, ImportKind] = {}


def register(kind):
    _kinds[kind.slug] = kind


def get(slug):
    return _kinds.get(slug)


def kinds():
    return list(_kinds.values())
