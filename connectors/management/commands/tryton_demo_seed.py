"""python manage.py tryton_demo_seed [--projects N]: the demo's PSA (Tryton) holds the demo firm's
projects (with their customers), people, allocations and recent timesheets. Idempotent."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from connectors.base import ConnectorError


class Command(BaseCommand):
    help = ("Seed Tryton with the hub's demo projects (and customers), the people HR knows, their allocations "
            "and the last two weeks of timesheets; creates only what Tryton lacks.")

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=6, help="how many projects to staff (default 6)")
        parser.add_argument("--billed-by", default="netsuite", help="the ERP the projects bill to (default netsuite)")
        parser.add_argument("--people-from", default="bamboohr", help="the HR system the people come from")

    def handle(self, *args, projects, billed_by, people_from, **options):
        from connectors.models import connection_for, is_connected
        from connectors.tryton.demo import demo_people, demo_projects_choose, tryton_demo_seed

        if projects < 1:
            raise CommandError("--projects is at least 1")
        if not is_connected("tryton"):
            raise CommandError("tryton is not connected (set CONCORD_TRYTON_URL)")
        chosen = demo_projects_choose(count=projects, billed_by=billed_by)
        people = demo_people(from_system=people_from)
        if not chosen or not people:
            raise CommandError(f"nothing to staff: {len(chosen)} active projects billed by {billed_by}, "
                               f"{len(people)} people from {people_from} (sync them first)")
        try:
            report = tryton_demo_seed(connector=connection_for("tryton"), projects=chosen, people=people,
                                      today=timezone.localdate())
        except ConnectorError as error:
            raise CommandError(f"tryton: {error}") from None
        self.stdout.write(f"Tryton seeded with {len(chosen)} projects and {len(people)} people: created {report}")
