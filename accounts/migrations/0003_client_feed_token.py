# The client's calendar feed token: added empty, filled one by one (a callable default
# would give every existing row the same value), then made unique.

from django.db import migrations, models

import scheduler.models.common


def fill_tokens(apps, schema_editor):
    ClientProfile = apps.get_model("accounts", "ClientProfile")
    for profile in ClientProfile.objects.filter(feed_token__isnull=True):
        profile.feed_token = scheduler.models.common.new_token()
        profile.save(update_fields=["feed_token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_client_profile"),
    ]

    operations = [
        migrations.AddField(
            model_name="clientprofile",
            name="feed_token",
            field=models.CharField(max_length=64, null=True, editable=False),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="clientprofile",
            name="feed_token",
            field=models.CharField(
                default=scheduler.models.common.new_token, editable=False, max_length=64, unique=True
            ),
        ),
    ]
