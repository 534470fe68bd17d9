"""Typed citations (quote or paraphrase, who said it and when, the hedge, the confidence), sources
described fully (type, language, full text, no invented headline), citations for events and
relations; and the layer kinds' descriptions say what each kind is, not what one plan claims."""

import django.db.models.deletion
from django.db import migrations, models

# (slug, old name, new name, old description, new description): changed only where an analyst has
# not changed them since 0002.
LAYER_KINDS = [
    (
        "air",
        "Air monitoring",
        "Air monitoring",
        "Satellites and drones watching a demilitarised zone or contact line.",
        "Watching an area, such as a ceasefire line or a buffer zone, from the air or from space: "
        "satellites, drones, aircraft.",
    ),
    (
        "naval",
        "Naval units",
        "Naval units",
        "Ships securing freedom of navigation at sea.",
        "Warships or other naval units at sea, for example to keep shipping lanes open.",
    ),
    (
        "un_force",
        "UN force",
        "UN peacekeeping force",
        "Peacekeeping troops under a UN mandate, from impartial third countries.",
        "Troops deployed as peacekeepers under a mandate of the United Nations.",
    ),
    (
        "border_training",
        "Border training",
        "Training forces",
        "Forces stationed away from the front, training Ukrainian forces.",
        "Foreign forces stationed in Ukraine, away from the front line, to train Ukraine's forces.",
    ),
    (
        "us_guarantor",
        "US guarantor",
        "US security guarantee",
        "The United States as the overarching security guarantor.",
        "A role for the United States as guarantor of the arrangement's security, standing "
        "behind the other layers.",
    ),
]


def describe_layer_kinds(apps, schema_editor):
    LayerKind = apps.get_model("proposals", "LayerKind")
    for slug, old_name, new_name, old_description, new_description in LAYER_KINDS:
        kind = LayerKind.objects.filter(slug=slug).first()
        if kind is None:
            continue
        if kind.description == old_description:
            kind.description = new_description
        if kind.name == old_name and not LayerKind.objects.filter(name=new_name).exists():
            kind.name = new_name
        kind.save(update_fields=["name", "description"])


def restore_layer_kinds(apps, schema_editor):
    LayerKind = apps.get_model("proposals", "LayerKind")
    for slug, old_name, new_name, old_description, new_description in LAYER_KINDS:
        LayerKind.objects.filter(slug=slug, description=new_description).update(
            description=old_description
        )
        LayerKind.objects.filter(slug=slug, name=new_name).update(name=old_name)


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0016_actor_page_indexes'),
    ]

    operations = [
        migrations.RenameField(model_name='citation', old_name='quote', new_name='text'),
        migrations.RenameField(model_name='citation', old_name='attributed_to', new_name='speaker'),
        migrations.RenameField(
            model_name='historicalcitation', old_name='quote', new_name='text'
        ),
        migrations.RenameField(
            model_name='historicalcitation', old_name='attributed_to', new_name='speaker'
        ),
        migrations.RemoveConstraint(
            model_name='citation',
            name='citation_supports_exactly_one_claim',
        ),
        migrations.AddField(
            model_name='citation',
            name='confidence',
            field=models.CharField(choices=[('reported', 'Reported'), ('confirmed', 'Confirmed by a second source'), ('official', 'Official')], default='reported', max_length=20),
        ),
        migrations.AddField(
            model_name='citation',
            name='event',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='citations', to='proposals.event'),
        ),
        migrations.AddField(
            model_name='citation',
            name='hedge',
            field=models.CharField(blank=True, help_text="The source's own hedge, as written: may, might, could, would…", max_length=100),
        ),
        migrations.AddField(
            model_name='citation',
            name='kind',
            field=models.CharField(choices=[('quote', 'Quote'), ('paraphrase', 'Paraphrase')], default='quote', help_text="A quote is the source's exact words; a paraphrase, its meaning in ours.", max_length=20),
        ),
        migrations.AddField(
            model_name='citation',
            name='relation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='citations', to='proposals.proposalrelation'),
        ),
        migrations.AddField(
            model_name='citation',
            name='said_on',
            field=models.DateField(blank=True, help_text='When it was said, if not the day of publication.', null=True),
        ),
        migrations.AlterField(
            model_name='citation',
            name='speaker',
            field=models.CharField(blank=True, help_text='The person or body who said it, if not the publisher.', max_length=300, verbose_name='said by'),
        ),
        migrations.AlterField(
            model_name='citation',
            name='text',
            field=models.TextField(help_text='A quote: the exact words, kept short. A paraphrase: what the source says, hedges kept.', max_length=1000),
        ),
        migrations.AddField(
            model_name='historicalcitation',
            name='confidence',
            field=models.CharField(choices=[('reported', 'Reported'), ('confirmed', 'Confirmed by a second source'), ('official', 'Official')], default='reported', max_length=20),
        ),
        migrations.AddField(
            model_name='historicalcitation',
            name='event',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='proposals.event'),
        ),
        migrations.AddField(
            model_name='historicalcitation',
            name='hedge',
            field=models.CharField(blank=True, help_text="The source's own hedge, as written: may, might, could, would…", max_length=100),
        ),
        migrations.AddField(
            model_name='historicalcitation',
            name='kind',
            field=models.CharField(choices=[('quote', 'Quote'), ('paraphrase', 'Paraphrase')], default='quote', help_text="A quote is the source's exact words; a paraphrase, its meaning in ours.", max_length=20),
        ),
        migrations.AddField(
            model_name='historicalcitation',
            name='relation',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='proposals.proposalrelation'),
        ),
        migrations.AddField(
            model_name='historicalcitation',
            name='said_on',
            field=models.DateField(blank=True, help_text='When it was said, if not the day of publication.', null=True),
        ),
        migrations.AlterField(
            model_name='historicalcitation',
            name='speaker',
            field=models.CharField(blank=True, help_text='The person or body who said it, if not the publisher.', max_length=300, verbose_name='said by'),
        ),
        migrations.AlterField(
            model_name='historicalcitation',
            name='text',
            field=models.TextField(help_text='A quote: the exact words, kept short. A paraphrase: what the source says, hedges kept.', max_length=1000),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='date_note',
            field=models.CharField(blank=True, help_text="E.g. 'the week of 25 March 2025; the report names no date'.", max_length=200, verbose_name='about the date'),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='language',
            field=models.CharField(default='en', help_text="The report's language, as a code: en, fr, uk, ru…", max_length=35),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='source_type',
            field=models.CharField(choices=[('wire', 'News agency'), ('official', 'Official'), ('press', 'Press'), ('analysis', 'Analysis'), ('other', 'Other')], default='other', max_length=20, verbose_name='type'),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='text',
            field=models.TextField(blank=True, help_text="The report's text, if we may keep it: quotes are then checked against it.", verbose_name='full text'),
        ),
        migrations.AddField(
            model_name='source',
            name='date_note',
            field=models.CharField(blank=True, help_text="E.g. 'the week of 25 March 2025; the report names no date'.", max_length=200, verbose_name='about the date'),
        ),
        migrations.AddField(
            model_name='source',
            name='language',
            field=models.CharField(default='en', help_text="The report's language, as a code: en, fr, uk, ru…", max_length=35),
        ),
        migrations.AddField(
            model_name='source',
            name='source_type',
            field=models.CharField(choices=[('wire', 'News agency'), ('official', 'Official'), ('press', 'Press'), ('analysis', 'Analysis'), ('other', 'Other')], default='other', max_length=20, verbose_name='type'),
        ),
        migrations.AddField(
            model_name='source',
            name='text',
            field=models.TextField(blank=True, help_text="The report's text, if we may keep it: quotes are then checked against it.", verbose_name='full text'),
        ),
        migrations.AlterField(
            model_name='historicalsource',
            name='published_on',
            field=models.DateField(blank=True, help_text='Empty when the report gives no date; say what is known below.', null=True, verbose_name='publication date'),
        ),
        migrations.AlterField(
            model_name='historicalsource',
            name='title',
            field=models.CharField(blank=True, help_text="The report's own headline; leave empty if it has none (never invent one).", max_length=300),
        ),
        migrations.AlterField(
            model_name='source',
            name='published_on',
            field=models.DateField(blank=True, help_text='Empty when the report gives no date; say what is known below.', null=True, verbose_name='publication date'),
        ),
        migrations.AlterField(
            model_name='source',
            name='title',
            field=models.CharField(blank=True, help_text="The report's own headline; leave empty if it has none (never invent one).", max_length=300),
        ),
        migrations.AddConstraint(
            model_name='citation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('commitment__isnull', True), ('event__isnull', True), ('layer__isnull', True), ('position__isnull', True), ('precondition__isnull', True), ('proposal__isnull', False), ('relation__isnull', True), ('status_change__isnull', True)), models.Q(('commitment__isnull', True), ('event__isnull', True), ('layer__isnull', False), ('position__isnull', True), ('precondition__isnull', True), ('proposal__isnull', True), ('relation__isnull', True), ('status_change__isnull', True)), models.Q(('commitment__isnull', True), ('event__isnull', True), ('layer__isnull', True), ('position__isnull', True), ('precondition__isnull', False), ('proposal__isnull', True), ('relation__isnull', True), ('status_change__isnull', True)), models.Q(('commitment__isnull', True), ('event__isnull', True), ('layer__isnull', True), ('position__isnull', False), ('precondition__isnull', True), ('proposal__isnull', True), ('relation__isnull', True), ('status_change__isnull', True)), models.Q(('commitment__isnull', False), ('event__isnull', True), ('layer__isnull', True), ('position__isnull', True), ('precondition__isnull', True), ('proposal__isnull', True), ('relation__isnull', True), ('status_change__isnull', True)), models.Q(('commitment__isnull', True), ('event__isnull', True), ('layer__isnull', True), ('position__isnull', True), ('precondition__isnull', True), ('proposal__isnull', True), ('relation__isnull', True), ('status_change__isnull', False)), models.Q(('commitment__isnull', True), ('event__isnull', False), ('layer__isnull', True), ('position__isnull', True), ('precondition__isnull', True), ('proposal__isnull', True), ('relation__isnull', True), ('status_change__isnull', True)), models.Q(('commitment__isnull', True), ('event__isnull', True), ('layer__isnull', True), ('position__isnull', True), ('precondition__isnull', True), ('proposal__isnull', True), ('relation__isnull', False), ('status_change__isnull', True)), _connector='OR'), name='citation_supports_exactly_one_claim'),
        ),
        migrations.AddConstraint(
            model_name='citation',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['quote', 'paraphrase'])), name='citation_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='citation',
            constraint=models.CheckConstraint(condition=models.Q(('confidence__in', ['reported', 'confirmed', 'official'])), name='citation_confidence_valid'),
        ),
        migrations.AddConstraint(
            model_name='source',
            constraint=models.CheckConstraint(condition=models.Q(('source_type__in', ['wire', 'official', 'press', 'analysis', 'other'])), name='source_type_valid'),
        ),
        migrations.AlterField(
            model_name='proposal',
            name='proponents',
            field=models.ManyToManyField(blank=True, help_text='Actors whose current stance is to propose or support it (from their positions).', related_name='proposals_backed', to='proposals.actor', verbose_name='proposed or supported by'),
        ),
        migrations.AlterField(
            model_name='historicalproposal',
            name='first_reported',
            field=models.DateField(blank=True, help_text='The date the proposal first appears in the sources we hold.', null=True, verbose_name='first in our sources'),
        ),
        migrations.AlterField(
            model_name='proposal',
            name='first_reported',
            field=models.DateField(blank=True, help_text='The date the proposal first appears in the sources we hold.', null=True, verbose_name='first in our sources'),
        ),
        migrations.RunPython(describe_layer_kinds, restore_layer_kinds),
    ]
