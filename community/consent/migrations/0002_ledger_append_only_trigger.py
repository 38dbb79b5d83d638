from django.db import migrations

from community.privacy.database import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [append_only_trigger("consent_consentrecord")]
