"""`manage.py import_coops FILE`: the registry importer on the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.importer import CHECKING, CooperativeImportError, ImportReport, cooperatives_import

# Files with more rows than this show their progress, every PROGRESS_STEP rows.
PROGRESS_FROM_ROWS = 5000
PROGRESS_STEP = 10000


class Command(BaseCommand):
    help = (
        "Import co-ops from a CSV (UTF-8 or CP949) or .xlsx file with the template's "
        "columns. All or nothing: one invalid row and nothing is imported, unless "
        "--skip-invalid. Re-importing a file changes only what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV or .xlsx file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and report what would change, without writing anything",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and report the invalid ones",
        )
        parser.add_argument(
            "--source",
            default="",
            help="where the data comes from, recorded with every co-op (default: file name)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}
            ) from None
        try:
            report = cooperatives_import(
                file=data,
                filename=path.name,
                source=options["source"],
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                progress=self.progress,
            )
        except CooperativeImportError as error:
            raise CommandError(str(error)) from None
        self.print_report(report, verbosity=options["verbosity"])
        if report.blocked:
            raise CommandError(
                ngettext(
                    "%(count)d row was rejected, so nothing was imported. Fix it, or "
                    "import the valid rows with --skip-invalid.",
                    "%(count)d rows were rejected, so nothing was imported. Fix them, or "
                    "import the valid rows with --skip-invalid.",
                    report.rejected,
                )
                % {"count": report.rejected}
            )

    def progress(self, phase: str, done: int, total: int, errors: int = 0) -> None:
        if total <= PROGRESS_FROM_ROWS or (done % PROGRESS_STEP and done != total):
            return
        if phase == CHECKING:
            message = _("checked %(done)d of %(total)d rows")
        else:
            message = _("wrote %(done)d of %(total)d co-ops")
        self.stderr.write("… " + message % {"done": done, "total": total})

    def print_report(self, report: ImportReport, *, verbosity: int) -> None:
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(_("Warning: %(text)s") % {"text": warning}))
        for error in report.errors:
            self.stderr.write(
                _("Line %(line)d, %(column)s “%(value)s”: %(reason)s")
                % {
                    "line": error.line,
                    "column": error.column or "—",
                    "value": error.value,
                    "reason": error.reason,
                }
            )
        if verbosity >= 2:
            for row in report.updates:
                changes = "; ".join(f"{c.label}: {c.old!r} → {c.new!r}" for c in row.changes)
                self.stdout.write(
                    _("Line %(line)d, %(name)s: %(changes)s")
                    % {"line": row.line, "name": row.name, "changes": changes}
                )
        if report.dry_run:
            verdict = _("Dry run, nothing written")
        elif report.imported:
            verdict = _("Imported from %(source)s") % {"source": report.source}
        else:
            verdict = _("Nothing imported")
        line = f"{verdict}: {report.summary()}."
        if report.imported or (report.dry_run and not report.blocked):
            self.stdout.write(self.style.SUCCESS(line))
        else:
            self.stdout.write(line)
