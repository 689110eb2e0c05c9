import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from mdm.models import Contract, Customer, Project, SourceRecord


class Command(BaseCommand):
    help = "Print what the demo holds and how to log in."

    def handle(self, *args, **options):
        base = "http://" + os.environ.get("CONCORD_ADDR", "127.0.0.1:8000")
        users = get_user_model().objects.filter(username__in=["admin", "steward_customers"]).exists()
        self.stdout.write(
            "\nConcord is running on the embedded default (SQLite, no broker).\n"
            f"  {SourceRecord.objects.values('system').distinct().count()} systems, "
            f"{SourceRecord.objects.count()} source records -> {Customer.objects.count()} customers, "
            f"{Contract.objects.count()} contracts, {Project.objects.count()} projects (golden records)\n"
            f"  Console:  {base}/\n"
            f"  API:      {base}/api/v1/customers/   docs: {base}/api/docs/\n"
            + ("  Logins:   the demo users and passwords printed above\n" if users else ""))
