"""Load the demo data set (two systems, several hundred customers) and the demo users."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from mdm.demo_data import demo_records
from mdm.records import IngestSummary
from mdm.services.ingest import source_records_ingest, source_records_load_finished


class Command(BaseCommand):
    help = "Load the demo data set: Salesforce and NetSuite customers, contracts and projects."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--customers", type=int, default=400)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if source records exist.")

    def handle(self, *args, seed: int, customers: int, if_empty: bool, **options):
        from mdm.models import SourceRecord

        if if_empty and SourceRecord.objects.exists():
            self.stdout.write("Demo data already loaded (delete var/ to start again).")
            return
        records = demo_records(seed=seed, customers=customers)
        for domain in ("customer", "contract", "project"):
            for system in ("netsuite", "salesforce"):
                batch = records[(system, domain)]
                if not batch:
                    continue
                summary: IngestSummary = source_records_ingest(system=system, domain=domain, records=batch,
                                                               reason="demo data")
                counts = summary.as_dict()
                self.stdout.write(f"{system:>10} {domain:<8} {len(batch):>5} rows: created {counts['created']}, "
                                  f"unchanged {counts['unchanged']}, quarantined {counts['quarantined']}, "
                                  f"golden new {counts['golden_created']}, review {counts['review_candidates']}")
                # Each system's load settles as an import does (the model fitted on the data itself).
                if counts["created"] and (settled := source_records_load_finished(domain)):
                    self.stdout.write(f"           {settled}")
        call_command("create_demo_users", stdout=self.stdout)
