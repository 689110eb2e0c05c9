from django.core.management.base import BaseCommand

from mdm.policy import policy_load


class Command(BaseCommand):
    help = "Load config/policy.toml (systems, sync-back, survivorship rules, roles) into the database."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Overwrite rows edited in the admin.")
        parser.add_argument("--system", action="append", default=[],
                            help="also add this system although it waits to be connected (when_connected)")

    def handle(self, *args, reset: bool, system: list[str], **options):
        counts = policy_load(reset=reset, systems=system)
        self.stdout.write(f"systems added {counts['systems']}, rules added {counts['rules']}, "
                          f"rows reset {counts['updated']}")
