"""python manage.py import_records --system NAME --domain customer|contract|project FILE.csv"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mdm.csv_import import count_rows, read_csv_ahead
from mdm.records import DOMAINS, IngestSummary
from mdm.services.ingest import source_records_ingest, source_records_load_finished, source_system


class Command(BaseCommand):
    help = "Import source records of one system and domain from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--system", required=True)
        parser.add_argument("--domain", required=True)
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--show", type=int, default=20, help="How many quarantine reasons to print.")

    def handle(self, *args, file: Path, system: str, domain: str, batch_size: int, show: int, **options):
        if domain not in DOMAINS:
            raise CommandError(f"unknown domain {domain!r}; expected one of {', '.join(DOMAINS)}")
        try:
            source_system(system)
        except LookupError as error:
            raise CommandError(str(error)) from None
        if not file.is_file():
            raise CommandError(f"no such file: {file}")

        summary = IngestSummary()
        progress = tqdm(total=count_rows(file), unit="rows", desc=f"{system} {domain}",
                        disable=options.get("verbosity", 1) == 0, file=self.stderr)
        # Rows are read and prepared in a second process, a few batches ahead of the writing.
        for batch in read_csv_ahead(file, domain, batch_size):
            summary.merge(source_records_ingest(system=system, domain=domain, records=batch,
                                                reason=f"CSV import of {file.name}"))
            progress.update(len(batch))
        progress.close()
        settled = source_records_load_finished(domain) if summary.created else ""

        counts = summary.as_dict()
        self.stdout.write(
            f"created {counts['created']}, updated {counts['updated']}, unchanged {counts['unchanged']}, "
            f"stale {counts['stale']}, quarantined {counts['quarantined']} "
            f"(golden records: {counts['golden_created']} new, {counts['golden_updated']} changed, "
            f"{counts['review_candidates']} sent to review)")
        if settled:
            self.stdout.write(settled)
        for rejection in summary.quarantined[:show]:
            self.stdout.write(f"  quarantined {rejection.source_id or '(no source_id)'}: {rejection.reason}")
        if len(summary.quarantined) > show:
            self.stdout.write(f"  … and {len(summary.quarantined) - show} more (see the exception queue)")
