"""python manage.py bill_timesheets [--today YYYY-MM-DD]: the daily timesheet batch on demand —
pull the PSA's timesheet lines, then send each approved week's summary (or adjustment) to the ERP."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from connectors.base import ConnectorError
from connectors.models import is_connected
from staffing.policy import staffing_policy
from staffing.services import billing_summaries_send, timesheet_lines_pull


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today wants a date as YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = "Pull the PSA's timesheets and send the approved weeks to the ERP for billing (as the daily task does)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=_day, help="bill as of this day (default: today)")

    def handle(self, *args, today, **options):
        psa = staffing_policy()["psa"]
        if not is_connected(psa):
            raise CommandError(f"{psa} (the PSA) is not connected: see docs/connectors.md")
        try:
            pulled = timesheet_lines_pull(system=psa, today=today)
        except ConnectorError as error:
            raise CommandError(f"{psa} did not answer: {error}") from error
        summaries = billing_summaries_send(today=today)
        self.stdout.write(f"{len(pulled.changed)} timesheet lines new or changed, {len(pulled.removed)} removed")
        for summary in summaries:
            self.stdout.write(f"  {summary.kind} {summary.revision} for {summary.project_id}, week of {summary.week}: "
                              f"{summary.hours} h, {summary.amount} to {summary.system}")
        self.stdout.write(self.style.SUCCESS(f"{len(summaries)} summaries and adjustments in the outbox"))
