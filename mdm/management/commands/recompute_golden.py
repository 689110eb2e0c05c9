from django.core.management.base import BaseCommand, CommandError

from mdm.records import DOMAINS
from mdm.services.golden import golden_records_recompute_all


class Command(BaseCommand):
    help = "Re-apply survivorship to every golden record of a domain (after editing the rules)."

    def add_arguments(self, parser):
        parser.add_argument("domain", nargs="?", help="one domain; all of them if omitted")

    def handle(self, *args, domain: str | None, **options):
        if domain and domain not in DOMAINS:
            raise CommandError(f"unknown domain {domain!r}; expected one of {', '.join(DOMAINS)}")
        for name in [domain] if domain else DOMAINS:
            self.stdout.write(f"{name}: {golden_records_recompute_all(name)} golden records changed")
