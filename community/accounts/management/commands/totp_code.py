"""Print the current TOTP code for a secret (for demos and local testing, like an app would)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from community.accounts.mfa import current_totp_code


class Command(BaseCommand):
    help = "Print the current two-factor code for DEMO_TOTP_SECRET (or --secret). DEBUG only."

    def add_arguments(self, parser):
        parser.add_argument("--secret", default=os.environ.get("DEMO_TOTP_SECRET"))

    def handle(self, *args, secret=None, **options):
        if not settings.DEBUG:
            raise CommandError("totp_code is a local testing aid and runs only with DEBUG on.")
        secret = secret or "JBSWY3DPEHPK3PXP"
        self.stdout.write(current_totp_code(secret))
