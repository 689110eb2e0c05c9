from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from matching.services import match_model_fit
from mdm.records import DOMAINS


class Command(BaseCommand):
    help = "Fit a domain's matching model on its source records (unsupervised EM) and store it."

    def add_arguments(self, parser):
        parser.add_argument("domain", nargs="?", help="one domain; all of them if omitted")
        parser.add_argument("--upper", type=float, help="link at or above this probability")
        parser.add_argument("--lower", type=float, help="review at or above this probability")

    def handle(self, *args, domain: str | None, upper, lower, **options):
        if domain and domain not in DOMAINS:
            raise CommandError(f"unknown domain {domain!r}; expected one of {', '.join(DOMAINS)}")
        for name in [domain] if domain else DOMAINS:
            try:
                stored = match_model_fit(name, upper=upper, lower=lower)
            except ValidationError as error:
                self.stdout.write(f"{name}: not fitted ({' '.join(error.messages)})")
                continue
            self.stdout.write(f"{name}: fitted on {stored.fitted_on} source records "
                              f"(link >= {stored.upper_threshold}, review >= {stored.lower_threshold})")
