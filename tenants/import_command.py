"""The management command shared by the CSV imports (tenants, rent balances): same options,
same report, same exit status."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class ImportCommand(BaseCommand):
    importer = None  # a tenants.importing.CsvImport subclass
    # Django's system checks (every app's models, URLs and templates) cost 1.2 s of start-up,
    # and a nightly import needs none of them: `manage.py check` and the deploy run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file, write nothing.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows even if some are rejected (they are still reported).",
        )
        parser.add_argument(
            "--errors-out",
            type=Path,
            help="Write the rejected rows here, with line and reason columns.",
        )
        parser.add_argument(
            "--progress", action="store_true", help="Show progress even when not on a terminal."
        )

    def extra_options(self):
        return {}

    def handle(self, *args, file, dry_run, skip_invalid, errors_out, progress, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        show_progress = progress or self.stderr.isatty()
        report = self.importer(
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            errors_out=errors_out,
            progress=self.stderr._out if show_progress else None,
            on_reject=self.stderr.write,
            keep_rejections=0,
            **self.extra_options(),
        ).run(file)
        if report.refused:
            raise CommandError(f"{file.name} refused: {report.refused}")
        if report.unknown_columns:
            self.stdout.write(f"Ignored unknown columns: {', '.join(report.unknown_columns)}")
        self.stdout.write(report.summary())
        if errors_out:
            self.stdout.write(f"Rejected rows written to {errors_out}")
        if dry_run:
            self.stdout.write("Dry run: nothing written.")
        if report.rejected and not skip_invalid:
            raise CommandError(
                f"{'Dry run: ' if dry_run else 'Nothing imported: '}"
                f"{report.rejected:,} row{'s' if report.rejected != 1 else ''} rejected. "
                "Correct them, or import the valid rows with --skip-invalid."
            )
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"Imported in {report.seconds:,.1f}s."))
