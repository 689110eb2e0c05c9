from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from mdm.models import Contract, Customer, Project, SourceRecord


class Command(BaseCommand):
    help = "Print what the demo holds and how to log in."

    def handle(self, *args, **options):
        users = get_user_model().objects.filter(username__in=["admin", "steward_customers"]).exists()
        self.stdout.write(
            "\nConcord is running on the embedded default (SQLite, no broker).\n"
            f"  {SourceRecord.objects.values('system').distinct().count()} systems, "
            f"{SourceRecord.objects.count()} source records -> {Customer.objects.count()} customers, "
            f"{Contract.objects.count()} contracts, {Project.objects.count()} projects (golden records)\n"
            "  Console:  http://127.0.0.1:8000/\n"
            "  API:      http://127.0.0.1:8000/api/v1/customers/   docs: http://127.0.0.1:8000/api/docs/\n"
            + ("  Logins:   the demo users and passwords printed above\n" if users else ""))
