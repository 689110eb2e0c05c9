from django.core.management.base import BaseCommand, CommandError

from quality.rules import RuleError
from quality.seed import quality_rules_load


class Command(BaseCommand):
    help = "Load config/quality_rules.toml (the data-quality rules) into the database."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Overwrite rules edited in the admin.")

    def handle(self, *args, reset: bool, **options):
        try:
            counts = quality_rules_load(reset=reset)
        except RuleError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"rules added {counts['added']}, rules reset {counts['reset']}")
