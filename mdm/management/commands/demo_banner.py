import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from mdm.models import Contract, Customer, Project, SourceRecord


class Command(BaseCommand):
    help = "Print what the demo holds and how to log in."

    def handle(self, *args, **options):
        base = "http://" + os.environ.get("CONCORD_ADDR", "127.0.0.1:8000")
        self.stdout.write(
            "\nConcord is running on the embedded default (SQLite, no broker).\n"
            f"  {SourceRecord.objects.values('system').distinct().count()} systems, "
            f"{SourceRecord.objects.count()} source records -> {Customer.objects.count()} customers, "
            f"{Contract.objects.count()} contracts, {Project.objects.count()} projects (golden records)\n"
            f"  Console:  {base}/\n"
            f"  API:      {base}/api/v1/customers/   docs: {base}/api/docs/\n"
            + self.logins())

    def logins(self) -> str:
        # Printed on every start, not only on the one that created the users: a second
        # `./concord demo` loads nothing and would otherwise leave the reader without them.
        names = list(get_user_model().objects.filter(is_active=True).exclude(password__startswith="!")
                     .order_by("username")
                     .values_list("username", flat=True)[:20])
        if not names:
            return ""
        pairs = ", ".join(f"{name} / {name}-demo" for name in names)
        return (f"  Logins:   {pairs}\n"
                "            (the demo's passwords; `manage.py create_demo_users` resets them and says each role)\n")
