"""python manage.py sync <system> [--domain D] [--full]: the scheduled sync, in the terminal."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from connectors.base import ConnectorError
from connectors.sync import sync_run
from mdm.records import DOMAINS


class Command(BaseCommand):
    help = "Pull changes from a system into the hub (since the watermark, or everything with --full)."

    def add_arguments(self, parser):
        parser.add_argument("system")
        parser.add_argument("--domain", choices=DOMAINS, action="append",
                            help="customer, contract or project (repeatable; default: every domain the system has)")
        parser.add_argument("--full", action="store_true", help="nightly reconciliation: ignore watermarks, mark deletions")

    def handle(self, *args, system, domain, full, **options):
        from connectors.models import connection_for

        try:
            connector = connection_for(system)
        except LookupError as error:
            raise CommandError(str(error)) from None
        domains = domain or [d for d in DOMAINS if d in connector.object_types]
        for each in domains:
            if each not in connector.object_types:
                raise CommandError(f"{system} has no {each} object types")
            bar = tqdm(desc=f"{system} {each}", unit=" records", disable=options["verbosity"] == 0)

            def progress(object_type, page, summary, bar=bar):
                bar.set_postfix_str(object_type)
                bar.update(len(page.records) + len(page.rejects) + len(page.deleted_source_ids))

            try:
                result = sync_run(system=system, domain=each, full=full, connector=connector, progress=progress)
            except ConnectorError as error:  # what was committed stays; the next run goes on from there
                raise CommandError(f"{system} {each}: {error}") from None
            finally:
                bar.close()
            for object_type, counts in result.as_dict().items():
                self.stdout.write(f"{system} {object_type}: " + ", ".join(
                    f"{counts[k]} {k}" for k in ("created", "updated", "unchanged", "stale", "deleted", "quarantined")))
