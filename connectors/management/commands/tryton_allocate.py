"""python manage.py tryton_allocate EMAIL PROJECT_CODE PERCENT: a planner's change in Tryton (the
demo's PSA), which the hub's allocation pull carries to the utilization forecast within seconds."""

from django.core.management.base import BaseCommand, CommandError

from connectors.base import ConnectorError


class Command(BaseCommand):
    help = "Set a person's share of a project in Tryton (project.allocation), as a planner would."

    def add_arguments(self, parser):
        parser.add_argument("email", help="the person's work email (e.g. ada.lovelace@concord.example)")
        parser.add_argument("project_code", help="the project's code (e.g. PRJ-0003-00)")
        parser.add_argument("percent", type=int, help="share of their time, 0-100")

    def handle(self, *args, email, project_code, percent, **options):
        from connectors.models import connection_for
        from connectors.tryton.demo import allocation_change

        try:
            allocation = allocation_change(connector=connection_for("tryton"), email=email,
                                           project_code=project_code, percentage=percent)
        except (ValueError, LookupError, ConnectorError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"allocation {allocation} in Tryton: {email} on {project_code} at {percent} %")
