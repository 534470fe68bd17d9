from django.db import migrations

# The five kinds of CONTRACT.md; analysts may add more, so this only creates what is missing.
LAYER_KINDS = [
    ("air", "Air monitoring", "Satellites and drones watching a demilitarised zone or contact line.", 10),
    ("naval", "Naval units", "Ships securing freedom of navigation at sea.", 20),
    ("un_force", "UN force", "Peacekeeping troops under a UN mandate, from impartial third countries.", 30),
    ("border_training", "Border training", "Forces stationed away from the front, training Ukrainian forces.", 40),
    ("us_guarantor", "US guarantor", "The United States as the overarching security guarantor.", 50),
]


def create_layer_kinds(apps, schema_editor):
    LayerKind = apps.get_model("proposals", "LayerKind")
    for slug, name, description, order in LAYER_KINDS:
        LayerKind.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "display_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [migrations.RunPython(create_layer_kinds, migrations.RunPython.noop)]
