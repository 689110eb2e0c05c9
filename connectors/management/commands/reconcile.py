"""python manage.py reconcile <system> [--domain D] [--repair]: what the system holds against the
hub; its last line reads `missing N, extra N, differing N`."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from connectors.base import ConnectorError
from connectors.reconcile import reconcile_domains, reconciliation_run
from mdm.records import DOMAINS

SHOWN = 10  # ids printed per kind (a run keeps more: connectors.reconcile.DETAILS)


class Command(BaseCommand):
    help = ("Read what a system holds through its connector and compare it with the hub: golden records "
            "missing there, records there the hub does not know, values that differ. --repair sends the "
            "missing and differing ones again.")

    def add_arguments(self, parser):
        parser.add_argument("system")
        parser.add_argument("--domain", choices=DOMAINS, action="append",
                            help="customer, contract or project (repeatable; default: every domain the system "
                                 "takes back)")
        parser.add_argument("--repair", action="store_true", help="send what is missing or differs again")

    def handle(self, *args, system, domain, repair, **options):
        from connectors.models import connection_for

        try:
            connector = connection_for(system)
        except LookupError as error:
            raise CommandError(str(error)) from None
        totals = {"missing": 0, "extra": 0, "differing": 0}
        for each in domain or reconcile_domains(system, connector):
            bar = tqdm(desc=f"{system} {each}", unit=" records", disable=options["verbosity"] == 0)
            try:
                run = reconciliation_run(system=system, domain=each, repair=repair, connector=connector,
                                         progress=bar.update)
            except (LookupError, ConnectorError) as error:
                raise CommandError(f"{system} {each}: {error}") from None
            finally:
                bar.close()
            self._report(run)
            for name in totals:
                totals[name] += getattr(run, name)
        self.stdout.write(", ".join(f"{name} {count}" for name, count in totals.items()))

    def _report(self, run) -> None:
        where = f"{run.system.name} {run.domain}"
        self.stdout.write(f"{where}: {run.expected} golden records, {run.held} records held there; "
                          f"missing {run.missing}, extra {run.extra}, differing {run.differing}")
        details = run.details
        if details["missing"]:
            self.stdout.write(f"  missing there: {', '.join(details['missing'][:SHOWN])}")
        if details["extra"]:
            self.stdout.write(f"  unknown to the hub: {', '.join(details['extra'][:SHOWN])}")
        for entry in details["differing"][:SHOWN]:
            self.stdout.write(f"  differs: {entry['golden_id']} ({run.system.name} {entry['source_id']}): "
                              f"{', '.join(entry['fields'])}")
        if details["twin_count"]:
            self.stdout.write(f"  {details['twin_count']} golden records stand for more than one record there")
        if run.repair:
            self.stdout.write(f"  sent again: {run.resent}")
