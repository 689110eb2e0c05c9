from django.core.management.base import BaseCommand, CommandError

from mdm.policy import policy_load, sync_back_set


class Command(BaseCommand):
    help = "Load config/policy.toml (systems, sync-back, survivorship rules, roles) into the database."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Overwrite rows edited in the admin.")
        parser.add_argument("--system", action="append", default=[],
                            help="also add this system although it waits to be connected (when_connected)")
        parser.add_argument("--sync-back", action="append", default=[], metavar="SYSTEM=DOMAINS",
                            help="then write back only these domains to the system (comma-separated; empty: "
                                 "none), as an admin's edit would, e.g. --sync-back tryton=")

    def handle(self, *args, reset: bool, system: list[str], sync_back: list[str], **options):
        counts = policy_load(reset=reset, systems=system)
        self.stdout.write(f"systems added {counts['systems']}, rules added {counts['rules']}, "
                          f"rows reset {counts['updated']}")
        for setting in sync_back:
            name, equals, domains = setting.partition("=")
            if not equals:
                raise CommandError(f"--sync-back {setting}: write SYSTEM=DOMAINS, e.g. tryton=customer,project")
            try:
                wanted = sync_back_set(system=name, domains=[d.strip() for d in domains.split(",") if d.strip()])
            except ValueError as error:
                raise CommandError(f"--sync-back {setting}: {error}") from None
            self.stdout.write(f"{name} takes back: {', '.join(wanted) or 'nothing'}")
