"""Add N synthetic proposals for scale tests and benchmarks.

Deterministic: proposal number n is always built from the same random stream, so two databases given
the same commands hold the same data. Titles start with "Demo" so nobody mistakes them for real ones.
"""

import datetime as dt
import random
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Max

from proposals import involvement, search, status_spans, supersession, tallies, unsourced
from proposals.models import (
    Actor,
    Citation,
    Commitment,
    DataVersion,
    Layer,
    LayerKind,
    Phase,
    Position,
    Precondition,
    Proposal,
    RetiredSlug,
    Source,
    Stance,
    StatusChange,
    Unit,
)

STATES = [
    "Ukraine",
    "Russia",
    "United States",
    "France",
    "United Kingdom",
    "Germany",
    "Poland",
    "Italy",
    "Spain",
    "Turkey",
    "Finland",
    "Sweden",
    "Norway",
    "Denmark",
    "Netherlands",
    "Belgium",
    "Canada",
    "Japan",
    "Australia",
    "Brazil",
    "India",
    "China",
    "South Africa",
    "Indonesia",
    "Saudi Arabia",
    "Qatar",
    "Switzerland",
    "Austria",
    "Ireland",
    "Estonia",
    "Latvia",
    "Lithuania",
    "Romania",
    "Moldova",
    "Czech Republic",
    "Slovakia",
    "Portugal",
]
ORGANISATIONS = [
    ("United Nations", "united-nations"),
    ("UN Security Council", "un-security-council"),
    ("OSCE", "osce"),
    ("NATO", "nato"),
    ("European Union", "european-union"),
    ("African Union", "african-union"),
    ("International Atomic Energy Agency", "iaea"),
    ("International Committee of the Red Cross", "icrc"),
]
AREAS = [
    "the Zaporizhzhia front line",
    "the Kharkiv border region",
    "the Dnipro river line",
    "the Black Sea coast",
    "the Sea of Azov",
    "the Donbas contact line",
    "the Kherson region",
    "the Zaporizhzhia nuclear power plant",
    "Ukraine's western border",
    "the Odesa sea lanes",
    "the Belarus border",
    "a 30 km demilitarised zone",
]
KIND_TEXT = {
    "air": (
        "Drone and satellite surveillance over {area}.",
        ["Satellites", "Drones", "Surveillance aircraft", "Radar stations"],
    ),
    "naval": (
        "Naval patrols keeping shipping lanes open near {area}.",
        ["Frigates", "Minesweepers", "Patrol boats", "Maritime patrol aircraft"],
    ),
    "un_force": (
        "Peacekeepers from impartial third countries deployed along {area}.",
        ["Infantry battalions", "Military observers", "Field hospitals"],
    ),
    "border_training": (
        "Instructors training Ukrainian units away from {area}.",
        ["Training teams", "Training grounds", "Simulators"],
    ),
    "us_guarantor": (
        "Security guarantee covering {area}, backed by the United States.",
        ["Intelligence sharing", "Air defence", "Logistics support"],
    ),
}
THEMES = [
    "Demilitarised zone",
    "Monitoring",
    "Verification",
    "Maritime security",
    "Deterrence",
    "Observer mission",
    "Reassurance force",
    "Guarantee framework",
    "Contact-line patrol",
    "Confidence-building",
]
PRECONDITIONS = [
    ("ceasefire", "A ceasefire agreement is signed."),
    ("unsc-mandate", "The UN Security Council adopts a mandate."),
    ("russian-consent", "Russia consents to the deployment."),
    ("ukrainian-consent", "Ukraine's parliament approves the deployment."),
    ("funding", "Contributing states agree on funding."),
    ("troop-pledges", "Enough troops are pledged."),
    ("status-of-forces", "A status-of-forces agreement is concluded."),
    ("us-backstop", "The United States confirms its backstop."),
]
STATUSES = Proposal.Status.values
PRECONDITION_STATUSES = Precondition.Status.values
BATCH = 2000


class Command(BaseCommand):
    help = "Add N synthetic proposals (deterministic) with layers, preconditions, actors, sources."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--proposals", type=int, required=True, metavar="N")

    def handle(self, *args: object, proposals: int, **options: object) -> None:
        if not 1 <= proposals <= 1_000_000:
            raise CommandError("--proposals must be between 1 and 1,000,000.")
        started = time.monotonic()
        with transaction.atomic():
            created = self.create(proposals)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Added {created} demo proposals in {elapsed:.1f} s."))

    def create(self, count: int) -> int:
        actors = self.ensure_actors()
        kinds = list(LayerKind.objects.filter(slug__in=KIND_TEXT))
        sources = self.ensure_sources()
        # Number on from the highest demo slug ever used, deleted ones included: slugs are never reused.
        used = [
            Proposal.objects.filter(slug__startswith="demo-").aggregate(top=Max("slug"))["top"],
            RetiredSlug.objects.filter(slug__startswith="demo-").aggregate(top=Max("slug"))["top"],
        ]
        top = max((slug for slug in used if slug), default=None)
        first = int(top.removeprefix("demo-")) + 1 if top else 1
        done = 0
        for batch_start in range(first, first + count, BATCH):
            numbers = range(batch_start, min(batch_start + BATCH, first + count))
            self.create_batch(numbers, actors, kinds, sources)
            done += len(numbers)
            self.stdout.write(f"  {done}/{count}", ending="\r")
            self.stdout.flush()
        self.stdout.write("")
        return done

    def ensure_actors(self) -> list[Actor]:
        wanted = [(name, name.lower().replace(" ", "-"), Actor.Kind.STATE) for name in STATES]
        wanted += [(name, slug, Actor.Kind.ORGANISATION) for name, slug in ORGANISATIONS]
        existing = set(Actor.objects.values_list("slug", flat=True))
        taken_names = set(Actor.objects.values_list("name", flat=True))
        Actor.objects.bulk_create(
            Actor(name=name, slug=slug, kind=kind)
            for name, slug, kind in wanted
            if slug not in existing and name not in taken_names
        )
        return list(Actor.objects.filter(name__in=[name for name, _, _ in wanted]).order_by("name"))

    def ensure_sources(self) -> list[Source]:
        titles = [f"Demo wire report no. {n}" for n in range(1, 51)]
        existing = set(Source.objects.filter(title__in=titles).values_list("title", flat=True))
        Source.objects.bulk_create(
            Source(
                publisher="Demo Wire Service",
                title=title,
                published_on=dt.date(2025, 1, 1) + dt.timedelta(days=7 * n),
            )
            for n, title in enumerate(titles)
            if title not in existing
        )
        return list(Source.objects.filter(title__in=titles).order_by("title"))

    def create_dated_records(
        self, proposals, plans, proponents, layers, layer_plans, preconditions
    ) -> None:
        """Positions, status changes and commitments, consistent with the records above: each
        backer's latest stance proposes or supports, each status is its record's latest change.
        Their own random streams leave the rest of the demo data as it was."""
        backers: dict[int, list] = {}
        for row in proponents:
            backers.setdefault(row.proposal_id, []).append(row.actor_id)
        positions, changes, commitments = [], [], []
        for proposal, (n, _) in zip(proposals, plans, strict=True):
            rng = random.Random(f"demo-{n}-dated")  # noqa: S311
            day = proposal.first_reported
            for actor_id in backers.get(proposal.pk, []):
                stance = rng.choice([Stance.PROPOSES, Stance.SUPPORTS])
                if rng.random() < 0.2:  # an earlier, more hesitant stance
                    positions.append(
                        Position(
                            proposal=proposal,
                            actor_id=actor_id,
                            stance=Stance.UNDECIDED,
                            stated_on=day,
                            statement="Said it was studying the plan.",
                        )
                    )
                positions.append(
                    Position(
                        proposal=proposal,
                        actor_id=actor_id,
                        stance=stance,
                        stated_on=day + dt.timedelta(days=rng.randrange(1, 60)),
                        statement=f"Said it {stance.label.lower()} the plan.",
                    )
                )
            changes.append(StatusChange(proposal=proposal, status=proposal.status, changed_on=day))
        for precondition in preconditions:
            changes.append(
                StatusChange(
                    proposal=precondition.proposal,
                    precondition=precondition,
                    status=precondition.status,
                    changed_on=precondition.proposal.first_reported,
                )
            )
        for layer, contributors in zip(layers, layer_plans, strict=True):
            rng = random.Random(f"demo-{layer.proposal.slug}-{layer.kind.slug}")  # noqa: S311
            for actor in contributors:
                unit = rng.choice([Unit.TROOPS, Unit.SHIPS, Unit.DRONES, Unit.EUR])
                quantity = rng.randrange(1, 50) * (1_000_000 if unit == Unit.EUR else 100)
                pledged = layer.proposal.first_reported + dt.timedelta(days=rng.randrange(90))
                commitments.append(
                    Commitment(
                        layer=layer,
                        actor=actor,
                        phase=Phase.PLEDGED,
                        quantity=quantity,
                        unit=unit,
                        stated_on=pledged,
                    )
                )
                if rng.random() < 0.3:
                    commitments.append(
                        Commitment(
                            layer=layer,
                            actor=actor,
                            phase=Phase.DEPLOYED,
                            quantity=quantity // 2,
                            unit=unit,
                            stated_on=pledged + dt.timedelta(days=rng.randrange(30, 200)),
                        )
                    )
        Position.objects.bulk_create(positions, batch_size=BATCH)
        StatusChange.objects.bulk_create(changes, batch_size=BATCH)
        Commitment.objects.bulk_create(commitments, batch_size=BATCH)

    def create_batch(self, numbers, actors, kinds, sources) -> None:
        plans = [(n, random.Random(f"demo-{n}")) for n in numbers]  # noqa: S311
        proposals = []
        for n, rng in plans:
            area = rng.choice(AREAS)
            proposals.append(
                Proposal(
                    slug=f"demo-{n:06d}",
                    title=f"Demo {n:06d}: {rng.choice(THEMES)} plan for {area}",
                    status=rng.choice(STATUSES),
                    summary=f"A synthetic proposal for testing at scale, centred on {area}.",
                    first_reported=dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(1000)),
                    is_published=True,
                )
            )
        Proposal.objects.bulk_create(proposals, batch_size=BATCH)

        proponents, layers, layer_plans, preconditions = [], [], [], []
        for proposal, (_, rng) in zip(proposals, plans, strict=True):
            for actor in rng.sample(actors, rng.randint(1, 3)):
                proponents.append(Proposal.proponents.through(proposal=proposal, actor=actor))
            for kind in rng.sample(kinds, rng.randint(1, len(kinds))):
                text, assets = KIND_TEXT[kind.slug]
                area = rng.choice(AREAS)
                layers.append(
                    Layer(
                        proposal=proposal,
                        kind=kind,
                        description=text.format(area=area),
                        area=area,
                        assets="\n".join(rng.sample(assets, rng.randint(1, 2))),
                    )
                )
                layer_plans.append(rng.sample(actors, rng.randint(0, 2)))
            for order, (slug, text) in enumerate(rng.sample(PRECONDITIONS, rng.randint(0, 4))):
                preconditions.append(
                    Precondition(
                        proposal=proposal,
                        slug=slug,
                        description=text,
                        status=rng.choice(PRECONDITION_STATUSES),
                        responsible=rng.choice(actors) if rng.random() < 0.8 else None,
                        display_order=order * 10,
                    )
                )
        Proposal.proponents.through.objects.bulk_create(proponents, batch_size=BATCH)
        Layer.objects.bulk_create(layers, batch_size=BATCH)
        Layer.contributors.through.objects.bulk_create(
            [
                Layer.contributors.through(layer=layer, actor=actor)
                for layer, contributors in zip(layers, layer_plans, strict=True)
                for actor in contributors
            ],
            batch_size=BATCH,
        )
        Precondition.objects.bulk_create(preconditions, batch_size=BATCH)
        self.create_dated_records(proposals, plans, proponents, layers, layer_plans, preconditions)

        # The second precondition of a proposal often waits for the first.
        dependent = []
        for previous, current in zip(preconditions, preconditions[1:], strict=False):
            if previous.proposal is current.proposal and current.display_order == 10:
                current.depends_on = previous
                dependent.append(current)
        Precondition.objects.bulk_update(dependent, ["depends_on"], batch_size=BATCH)

        citations = []
        for proposal, (_, rng) in zip(proposals, plans, strict=True):
            citations.append(
                Citation(
                    proposal=proposal,
                    source=rng.choice(sources),
                    kind=Citation.Kind.PARAPHRASE,
                    text=f"Officials discussed the {proposal.title.split(': ', 1)[1].lower()}.",
                )
            )
        for layer in layers[::3]:
            citations.append(
                Citation(
                    layer=layer,
                    source=sources[layer.proposal.pk % len(sources)],
                    kind=Citation.Kind.PARAPHRASE,
                    text=f"{layer.kind.name} would be part of the plan.",
                    hedge="would",
                )
            )
        Citation.objects.bulk_create(citations, batch_size=BATCH)
        # Bulk inserts send no signals: write the search documents and mark the data as changed.
        search.refresh(proposal.pk for proposal in proposals)
        supersession.refresh_proposals([proposal.pk for proposal in proposals])
        involvement.refresh(proposal.pk for proposal in proposals)  # reads the dates just set
        status_spans.refresh(proposal.pk for proposal in proposals)
        tallies.refresh(proposal.pk for proposal in proposals)
        unsourced.refresh(proposal.pk for proposal in proposals)
        DataVersion.bump()
