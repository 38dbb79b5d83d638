import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from community.privacy.database import append_only_trigger


class Migration(migrations.Migration):
    """The moderation log becomes append-only in the database too (on PostgreSQL): only
    `erasing_audit_rows` may blank or delete its rows (retention, redaction). The users it
    names are protected, as a deleted user row would otherwise rewrite it."""

    dependencies = [
        ("moderation", "0003_clinicians_lane_beside_state"),
        ("privacy", "0005_audit_erasure_and_access_log_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="moderationaction",
            name="moderator",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="moderationaction",
            name="subject",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="moderation_notices",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        append_only_trigger("moderation_moderationaction", erasable=True),
    ]
