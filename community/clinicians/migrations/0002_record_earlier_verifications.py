"""Clinicians verified with the foundation's checkbox get a verified application on record,
so that staff can revoke them like anyone else."""

from django.db import migrations
from django.utils import timezone


def record_earlier_verifications(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Application = apps.get_model("clinicians", "ClinicianApplication")
    now = timezone.now()
    for user in User.objects.filter(is_verified_clinician=True):
        if not Application.objects.filter(user=user, status="verified").exists():
            Application.objects.create(
                user=user,
                profession="(verified before the verification workflow)",
                registration_number="—",
                organisation="—",
                status="verified",
                decided_at=now,
                decision_reason="Verified by staff before applications were recorded.",
            )


class Migration(migrations.Migration):
    dependencies = [("clinicians", "0001_initial"), ("accounts", "0002_user_erased_at")]

    operations = [
        migrations.RunPython(record_earlier_verifications, migrations.RunPython.noop)
    ]
