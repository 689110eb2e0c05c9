from django.core.management.base import BaseCommand, CommandError

from mdm.choices import Domain
from quality.services import quality_check


class Command(BaseCommand):
    help = "Evaluate the data-quality rules on every golden record now, and snapshot the scores."

    def add_arguments(self, parser):
        parser.add_argument("--domain", choices=Domain.values, help="Only this domain (default: all).")

    def handle(self, *args, domain: str | None, **options):
        try:
            summary = quality_check(domain=domain)
        except LookupError as error:
            raise CommandError(str(error)) from None
        for name, result in summary.domains.items():
            self.stdout.write(f"{name}: {result.evaluated} golden records, {result.failing} failing, "
                              f"{result.opened} violations opened, {result.closed} closed")
            for code, count in sorted(result.by_rule.items()):
                self.stdout.write(f"  {code}: {count}")
        for score in summary.scores:
            where = score.system or "golden records"
            self.stdout.write(f"score {score.domain} / {where}: {score.score:.1%} "
                              f"({score.passing} of {score.records} pass)")
