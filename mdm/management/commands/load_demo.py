"""Load the demo data set (two systems, several hundred customers) and the demo users."""

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from mdm.demo_data import demo_records
from mdm.records import IngestSummary
from mdm.services.ingest import source_records_ingest


class Command(BaseCommand):
    help = "Load the demo data set: Salesforce and NetSuite customers, contracts and projects."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--customers", type=int, default=400)

    def handle(self, *args, seed: int, customers: int, **options):
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
        if "create_demo_users" in get_commands():
            call_command("create_demo_users", stdout=self.stdout)
        else:
            from django.contrib.auth import get_user_model

            user, _ = get_user_model().objects.get_or_create(username="admin", defaults={
                "is_staff": True, "is_superuser": True})
            user.set_password("concord")
            user.save()
            self.stdout.write("demo login: admin / concord")
