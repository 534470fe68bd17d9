from django.contrib.auth.management import create_permissions
from django.db import migrations

ANALYSTS_GROUP = "Analysts"


def create_analysts_group(apps, schema_editor):
    """The group Analysts: add, change, delete and view every model of the proposals app."""
    # Permissions are normally created after all migrations; create them now to assign them.
    app_config = apps.get_app_config("proposals")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ANALYSTS_GROUP)
    permissions = Permission.objects.filter(content_type__app_label="proposals").exclude(
        # History is written by the app, never edited by hand.
        content_type__model__startswith="historical",
        codename__regex=r"^(add|change|delete)_",
    ).exclude(content_type__model="retiredslug", codename__regex=r"^(add|change|delete)_")
    group.permissions.add(*permissions)


def remove_analysts_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ANALYSTS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0004_history_and_drafts"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_analysts_group, remove_analysts_group)]
