"""python manage.py import_records --system NAME --domain customer|contract|project FILE.csv"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mdm.csv_import import DEFAULT_ENCODING, CsvFileError, CsvFormat, csv_file_check, read_csv, read_csv_ahead
from mdm.records import DOMAINS, IngestSummary
from mdm.services.ingest import (
    source_records_ingest,
    source_records_load_finished,
    source_records_plan,
    source_system,
)


class Command(BaseCommand):
    help = ("Import source records of one system and domain from a CSV file. The file is read through "
            "once before anything is written: one that cannot be read (its encoding, a broken quote, no "
            "source_id column) stops with one line saying where and why, and nothing is imported.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--system", required=True)
        parser.add_argument("--domain", required=True)
        parser.add_argument("--encoding", default=DEFAULT_ENCODING,
                            help="The file's encoding (default: UTF-8, with or without a byte-order mark), "
                                 "e.g. cp1252 or latin-1.")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--show", type=int, default=20, help="How many quarantine reasons to print.")

    def handle(self, *args, file: Path, system: str, domain: str, encoding: str, batch_size: int, show: int,
               **options):
        if domain not in DOMAINS:
            raise CommandError(f"unknown domain {domain!r}; expected one of {', '.join(DOMAINS)}")
        try:
            source_system(system)
        except LookupError as error:
            raise CommandError(str(error)) from None
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        form = CsvFormat(encoding=encoding, max_field_bytes=settings.CONCORD_CSV_MAX_FIELD_BYTES)
        try:
            rows = csv_file_check(file, form)
            # A load that makes a match-model fit due is planned whole first (matching in batch).
            planned = source_records_plan(system=system, domain=domain, records=read_csv(file, domain, form))
            if planned and options.get("verbosity", 1):
                self.stdout.write(planned)
            summary = self._import(file, system, domain, form, rows, batch_size, options.get("verbosity", 1))
        except CsvFileError as error:
            raise CommandError(str(error)) from None
        # The golden records are final when the command returns: the load is settled in batch.
        settled = source_records_load_finished(domain) if summary.created else ""
        self._report(summary, show)
        if settled:
            self.stdout.write(settled)

    def _import(self, file: Path, system: str, domain: str, form: CsvFormat, rows: int, batch_size: int,
                verbosity: int) -> IngestSummary:
        summary = IngestSummary()
        progress = tqdm(total=rows, unit="rows", desc=f"{system} {domain}", disable=verbosity == 0, file=self.stderr)
        # Rows are read and prepared in a second process, a few batches ahead of the writing.
        for batch in read_csv_ahead(file, domain, batch_size, form):
            summary.merge(source_records_ingest(system=system, domain=domain, records=batch,
                                                reason=f"CSV import of {file.name}"))
            progress.update(len(batch))
        progress.close()
        return summary

    def _report(self, summary: IngestSummary, show: int) -> None:
        counts = summary.as_dict()
        self.stdout.write(
            f"created {counts['created']}, updated {counts['updated']}, unchanged {counts['unchanged']}, "
            f"stale {counts['stale']}, quarantined {counts['quarantined']} "
            f"(golden records: {counts['golden_created']} new, {counts['golden_updated']} changed, "
            f"{counts['review_candidates']} sent to review)")
        for rejection in summary.quarantined[:show]:
            self.stdout.write(f"  quarantined {rejection.source_id or '(no source_id)'}: {rejection.reason}")
        if len(summary.quarantined) > show:
            self.stdout.write(f"  … and {len(summary.quarantined) - show} more (see the exception queue)")
