import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("proposals", "0013_positions_and_status_changes_from_today")]

    operations = [
        migrations.AddField(
            model_name="actor",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalactor",
            name="updated_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, editable=False),
            preserve_default=False,
        ),
    ]
