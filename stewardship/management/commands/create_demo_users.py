"""Create one demo user per console role; safe to run again (passwords are reset to the printed ones)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from mdm.policy import roles_ensure
from stewardship.models import StewardScope

# username -> (role group or None for the superuser, {domain: countries} scopes, description)
DEMO_USERS = {
    "steward_customers": ("steward", {"customer": ["DE", "NL", "FR"]}, "customer steward for DE, NL, FR"),
    "steward_projects": ("steward", {"project": []}, "project steward, all countries"),
    "council": ("council", {}, "master data council member: approves governed changes"),
    "council2": ("council", {}, "second council member (four-eyes)"),
    "auditor": ("auditor", {}, "sees everything, changes nothing"),
    "integration": ("integration", {}, "API user for connectors"),
    "admin": (None, {}, "superuser: Django admin for configuration"),
}


class Command(BaseCommand):
    help = "Create demo users, one of each console role, and print their logins."

    def add_arguments(self, parser):
        parser.add_argument("--password-suffix", default="-demo",
                            help="Each password is the username followed by this suffix (default: -demo).")

    @transaction.atomic
    def handle(self, *args, password_suffix: str, **options):
        roles_ensure()
        User = get_user_model()
        rows = []
        for username, (role, scopes, description) in DEMO_USERS.items():
            user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
            user.is_staff = user.is_superuser = role is None
            user.set_password(username + password_suffix)
            user.save()
            user.groups.set([Group.objects.get(name=role)] if role else [])
            StewardScope.objects.filter(user=user).exclude(domain__in=scopes).delete()
            for domain, countries in scopes.items():
                StewardScope.objects.update_or_create(user=user, domain=domain, defaults={"countries": countries})
            rows.append((username, username + password_suffix, description, "created" if created else "updated"))
        width = max(len(r[0]) for r in rows)
        for username, password, description, state in rows:
            self.stdout.write(f"{username:<{width}}  password: {password:<24} {description} ({state})")
