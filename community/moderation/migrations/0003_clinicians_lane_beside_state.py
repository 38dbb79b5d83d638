from django.db import migrations, models


def clear_claim_only_items(apps, schema_editor):
    """Items opened only because a clinician's word was asked for owe moderators nothing."""
    ModerationItem = apps.get_model("moderation", "ModerationItem")
    ModerationItem.objects.filter(
        state="open",
        clinician_asked_at__isnull=False,
        flag_count=0,
        crisis=False,
        held=False,
        escalated=False,
        appealed_at__isnull=True,
    ).update(state="clear")


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_clinician_requests"),
    ]

    operations = [
        migrations.AlterField(
            model_name="moderationitem",
            name="state",
            field=models.CharField(
                choices=[
                    ("open", "Open"),
                    ("resolved", "Resolved"),
                    ("clear", "Nothing for moderators"),
                ],
                default="open",
                max_length=16,
            ),
        ),
        migrations.RunPython(clear_claim_only_items, migrations.RunPython.noop),
    ]
