"""Create the demo conditions, groups and accounts (idempotent; DEBUG only)."""

import os

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from community.groups.demo import run_demo_seeders
from community.groups.models import Condition, Membership, Role, SupportGroup
from community.groups.services import add_member

DEFAULT_PASSWORD = "community-demo"
DEFAULT_TOTP_SECRET = "JBSWY3DPEHPK3PXP"

CONDITIONS = [
    ("type-1-diabetes", "Type 1 diabetes"),
    ("multiple-sclerosis", "Multiple sclerosis"),
]
GROUPS = [
    # slug, condition slug, name, kind, description
    (
        "t1d-adults",
        "type-1-diabetes",
        "Type 1 diabetes: adults",
        SupportGroup.Kind.PATIENT,
        "Adults living with type 1 diabetes share everyday experience: pumps, sensors, "
        "work, sport and the worries in between.",
    ),
    (
        "living-with-ms",
        "multiple-sclerosis",
        "Living with MS",
        SupportGroup.Kind.PATIENT,
        "People living with multiple sclerosis, and a place to talk about fatigue, "
        "treatment choices and good days.",
    ),
    (
        "diabetes-clinicians",
        "type-1-diabetes",
        "Diabetes care professionals",
        SupportGroup.Kind.PROFESSIONAL,
        "A room for verified clinicians who support the diabetes groups.",
    ),
]
# e-mail, display name, staff, verified clinician, two-factor, [(group slug, role)]
ACCOUNTS = [
    ("admin@demo.example", "Demo admin", True, False, True, []),
    (
        "moderator@demo.example",
        "Calm moderator",
        False,
        False,
        True,
        [("t1d-adults", Role.MODERATOR)],
    ),
    (
        "clinician@demo.example",
        "Nurse Robin",
        False,
        True,
        True,
        [("t1d-adults", Role.CLINICIAN), ("diabetes-clinicians", Role.CLINICIAN)],
    ),
    ("patient1@demo.example", "Morning walker", False, False, False, [("t1d-adults", Role.MEMBER)]),
    ("patient2@demo.example", "Blue heron", False, False, False, [("t1d-adults", Role.MEMBER)]),
    (
        "patient3@demo.example",
        "Quiet reader",
        False,
        False,
        False,
        [("living-with-ms", Role.MEMBER)],
    ),
]


class Command(BaseCommand):
    help = "Create demo conditions, groups and accounts. Safe to run again. Never in production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed a database other than the local SQLite file (still DEBUG only).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a known password and runs only with DEBUG on."
            )
        if connection.vendor != "sqlite" and not force:
            raise CommandError(
                "This database is not the local SQLite file. seed_demo creates accounts with a "
                "published password; add --force if this really is a demo database."
            )
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        secret = os.environ.get("DEMO_TOTP_SECRET") or DEFAULT_TOTP_SECRET
        with transaction.atomic():
            groups = seed_groups()
            users = {
                account[0]: seed_account(account, groups, password, secret) for account in ACCOUNTS
            }
            run_demo_seeders(groups, users)
        self.print_summary(password, secret)

    def print_summary(self, password: str, secret: str) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"Password for every demo account: {password}")
        for email, name, staff, _clinician, two_factor, memberships in ACCOUNTS:
            where = ", ".join(f"{slug} ({role.label})" for slug, role in memberships)
            extras = ["staff"] if staff else []
            if two_factor:
                extras.append("two-factor")
            self.stdout.write(f"  {email:<26} {name:<16} {' '.join(extras):<18} {where}")
        self.stdout.write(
            f"Two-factor (TOTP) secret of the admin, moderator and clinician: {secret} "
            "(add it to an authenticator app)."
        )


def seed_groups() -> dict[str, SupportGroup]:
    conditions = {
        slug: Condition.objects.update_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in CONDITIONS
    }
    groups = {}
    for slug, condition_slug, name, kind, description in GROUPS:
        groups[slug] = SupportGroup.objects.update_or_create(
            slug=slug,
            defaults={
                "condition": conditions[condition_slug],
                "name": name,
                "kind": kind,
                "description": description,
            },
        )[0]
    return groups


def seed_account(account, groups: dict[str, SupportGroup], password: str, secret: str) -> None:
    email, name, staff, clinician, two_factor, memberships = account
    user, _created = get_user_model().objects.update_or_create(
        email=email,
        defaults={
            "display_name": name,
            "is_staff": staff,
            "is_superuser": staff,
            "is_verified_clinician": clinician,
        },
    )
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if two_factor:
        Authenticator.objects.filter(user=user).delete()
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)
    for slug, role in memberships:
        add_member(group=groups[slug], user=user, role=role, state=Membership.State.ACTIVE)
    return user
