"""Load the first real records: the two proposals of the dpa report of 25 March 2025 (shared/seed/).

Idempotent: each seed proposal is loaded, with its layers, preconditions, citations and events, only
when its slug has never been in the database. Running it again changes nothing, and it never brings
back or overwrites what analysts have since edited or deleted.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from proposals import writes
from proposals.models import (
    Actor,
    Citation,
    Event,
    Layer,
    LayerKind,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    RetiredSlug,
    Source,
)

ACTORS = [
    ("United Nations", "united-nations", Actor.Kind.ORGANISATION, ""),
    ("UN Security Council", "un-security-council", Actor.Kind.ORGANISATION, ""),
    ("Russia", "russia", Actor.Kind.STATE, ""),
    ("Ukraine", "ukraine", Actor.Kind.STATE, ""),
    ("France", "france", Actor.Kind.STATE, ""),
    ("United Kingdom", "united-kingdom", Actor.Kind.STATE, ""),
    ("United States", "united-states", Actor.Kind.STATE, ""),
    (
        "Coalition of the willing",
        "coalition-of-the-willing",
        Actor.Kind.COALITION,
        "European and other Ukraine-supporting countries led by France and the United Kingdom.",
    ),
    (
        "Jean-Pierre Lacroix",
        "jean-pierre-lacroix",
        Actor.Kind.PERSON,
        "UN Under-Secretary-General for Peace Operations.",
    ),
]

LACROIX = "Jean-Pierre Lacroix, UN Under-Secretary-General for Peace Operations"
DPA = "dpa"

SOURCE = {
    "publisher": "dpa, carried by the News Agency of Nigeria (NAN)",
    "title": "UN awaits talks on a Ukraine peacekeeping mission; European coalition plans "
    "layered security concept",
}

UN_MISSION = {
    "slug": "un-peacekeeping-mission",
    "title": "UN peacekeeping mission to monitor a ceasefire",
    "status": Proposal.Status.FLOATED,
    "first_reported": dt.date(2025, 3, 25),
    "summary": (
        "UN peacekeepers would monitor a possible future ceasefire between Russia and Ukraine. "
        "The UN expects talks about such a mission, but none is planned: concrete planning could "
        "only begin after a ceasefire agreement and a mandate from the UN Security Council, and it "
        "would also need Russia's agreement. Jean-Pierre Lacroix, the UN's Under-Secretary-General "
        "for Peace Operations, called the scenario hypothetical and cautioned that monitoring a "
        "ceasefire would not by itself guarantee security."
    ),
    "positions": [],
    "position_citations": [],
    "layers": [
        {
            "kind": "un_force",
            "description": "UN peacekeepers deployed to monitor a future ceasefire between Russia "
            "and Ukraine.",
            "area": "",
            "assets": "UN peacekeeping troops",
            # "No such mission is yet planned": the UN neither backs it nor contributes yet.
            "contributors": [],
            "citations": [],
        },
    ],
    "preconditions": [
        {
            "slug": "ceasefire-agreement",
            "description": "A ceasefire agreement between Russia and Ukraine.",
            "responsible": None,
            "depends_on": None,
            "citations": [
                (
                    "a ceasefire agreement and a mandate from the UN Security Council would be "
                    "necessary before concrete planning could begin",
                    f"{DPA}, reporting {LACROIX}",
                )
            ],
        },
        {
            "slug": "security-council-mandate",
            "description": "A mandate for the mission from the UN Security Council.",
            "responsible": "un-security-council",
            "depends_on": "ceasefire-agreement",
            "citations": [],
        },
        {
            "slug": "russian-consent",
            "description": "Russia agrees to the deployment of UN peacekeepers.",
            "responsible": "russia",
            "depends_on": None,
            "citations": [("This would also require Russia’s agreement.", DPA)],
        },
    ],
    "citations": [
        ("no such mission is yet planned", LACROIX),
        ("monitoring a ceasefire would not guarantee security", f"{DPA}, reporting {LACROIX}"),
    ],
}

COALITION = {
    "slug": "coalition-of-the-willing-security-concept",
    "title": "Coalition of the willing: multi-layered security concept",
    "status": Proposal.Status.UNDER_DISCUSSION,
    "first_reported": dt.date(2025, 3, 25),
    "summary": (
        "European countries calling themselves the “coalition of the willing”, led by France and "
        "the United Kingdom, discussed a security concept in layers for monitoring a possible "
        "ceasefire in Ukraine: satellites and drones over a demilitarised zone, naval units in the "
        "Black Sea, a UN force of troops from impartial third countries, European forces training "
        "Ukrainians on Ukraine's western border, and the United States as the overarching "
        "guarantor. The plans followed US President Donald Trump's attempts to broker a ceasefire; "
        "European leaders fear that an agreement could leave Ukraine making major concessions "
        "without credible security guarantees. The plan was to be finalised at the coalition's "
        "summit in Paris on 27 March 2025."
    ),
    # The report: France and Britain "are working on a security guarantees plan". The United
    # States is given a role by the plan; its own stance is not reported.
    "positions": [
        (
            actor,
            "proposes",
            "Working on a security guarantees plan with other countries "
            "supporting Ukraine, to be finalised at the coalition's summit in Paris.",
        )
        for actor in ("france", "united-kingdom")
    ],
    "position_citations": [
        (
            "France and Britain, along with other Ukraine-supporting countries, are working on a "
            "security guarantees plan",
            DPA,
        )
    ],
    "layers": [
        {
            "kind": "air",
            "description": "Satellites and drones would watch a possible demilitarised zone, "
            "mainly from the air.",
            "area": "A possible demilitarised zone along the Russia–Ukraine line",
            "assets": "Satellites\nDrones",
            "contributors": [],  # the report names no provider
            "citations": [("primarily from the air using satellites and drones", DPA)],
        },
        {
            "kind": "naval",
            "description": "Naval units could oversee freedom of navigation.",
            "area": "Black Sea",
            "assets": "Naval units",
            "contributors": [],  # the report names no provider
            "citations": [("oversee freedom of navigation in the Black Sea", DPA)],
        },
        {
            "kind": "un_force",
            "description": "A UN peacekeeping force made up only of soldiers from impartial "
            "third countries.",
            "area": "",
            "assets": "Troops from impartial third countries",
            "contributors": [],
            "citations": [("consisting solely of soldiers from impartial third countries", DPA)],
        },
        {
            "kind": "border_training",
            "description": "European forces stationed on Ukraine's western border would train "
            "Ukrainian forces.",
            "area": "Ukraine's western border",
            "assets": "European troops\nTraining programmes",
            "contributors": ["coalition-of-the-willing"],
            "citations": [("offering training programmes for Ukrainian partners", DPA)],
        },
        {
            "kind": "us_guarantor",
            "description": "The United States would be the overarching guarantor of Ukraine's "
            "security.",
            "area": "",
            "assets": "",
            "contributors": [],  # a role the plan gives the US, not a US commitment
            "citations": [("the U.S. would serve as the overarching security guarantor", DPA)],
        },
    ],
    "preconditions": [],
    "citations": [
        (
            "will be finalised at a summit of the “coalition of the willing” in Paris on Thursday",
            DPA,
        ),
        (
            "Ukraine making major concessions without credible security guarantees",
            f"{DPA}, on the concerns of European leaders",
        ),
    ],
}

# The coalition's plan includes a UN force of troops from impartial third countries, the mission the
# UN describes: one idea, recorded twice. Shown on both pages (an analyst's reading, not a quote).
RELATION = {
    "proposal": UN_MISSION["slug"],
    "kind": "same_idea_as",
    "other": COALITION["slug"],
    "note": "The coalition's plan includes a UN peacekeeping force of troops from impartial "
    "third countries: the mission this proposal describes.",
}

EVENTS = [
    {
        "date": dt.date(2025, 3, 25),
        "title": "UN says no peacekeeping mission for Ukraine is yet planned",
        "place": "Brussels",
        "description": "Jean-Pierre Lacroix names a ceasefire agreement, a Security Council "
        "mandate and Russia's agreement as conditions for any planning.",
        "proposals": ["un-peacekeeping-mission"],
    },
    {
        "date": dt.date(2025, 3, 27),
        "title": "Coalition of the willing summit",
        "place": "Paris",
        "description": "Hosted by President Emmanuel Macron, who announced it on 20 March, with "
        "President Volodymyr Zelensky invited; 31 countries took part. The security "
        "guarantees plan was due to be finalised there.",
        "proposals": ["coalition-of-the-willing-security-concept"],
    },
]


# The contributors the report supports, for layers an earlier seed gave others to.
CONTRIBUTORS = {
    (data["slug"], layer["kind"]): layer["contributors"]
    for data in (UN_MISSION, COALITION)
    for layer in data["layers"]
}


def touched(record) -> bool:
    """Whether an analyst (not a command) has saved the record since it was created."""
    return record.history.filter(history_user__isnull=False).exists()


class Command(BaseCommand):
    help = "Load the proposals of the seed report. Running it twice changes nothing."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        self.created = 0
        actors = {}
        for name, slug, kind, description in ACTORS:
            actors[slug] = self.ensure(
                Actor, {"slug": slug}, {"name": name, "kind": kind, "description": description}
            )
        source = self.ensure(Source, {"title": SOURCE["title"]}, SOURCE)
        kinds = {kind.slug: kind for kind in LayerKind.objects.all()}
        needed = {layer["kind"] for data in (UN_MISSION, COALITION) for layer in data["layers"]}
        if missing := sorted(needed - set(kinds)):
            raise CommandError(
                f"Layer kinds {', '.join(missing)} are missing: run `manage.py migrate` first."
            )

        known = set(Proposal.objects.values_list("slug", flat=True))
        known |= set(RetiredSlug.objects.values_list("slug", flat=True))
        proposals = {
            data["slug"]: self.load_proposal(data, actors, kinds, source)
            for data in (UN_MISSION, COALITION)
            if data["slug"] not in known
        }
        self.corrected, self.left = 0, []
        self.correct_earlier_seed(actors, source)
        self.relate()
        for data in EVENTS:
            concerned = [proposals[slug] for slug in data["proposals"] if slug in proposals]
            if concerned:
                event = Event.objects.create(
                    **{field: data[field] for field in ("date", "title", "place", "description")}
                )
                event.proposals.set(concerned)
                self.created += 1

        if self.corrected:
            self.stdout.write(
                f"Corrected {self.corrected} record{'s' if self.corrected != 1 else ''} of an "
                "earlier seed to what the report says."
            )
        for what in self.left:
            self.stdout.write(
                f"Left {what} as they are: an analyst has changed them since the seed."
            )
        if self.created:
            self.stdout.write(self.style.SUCCESS(f"Seed loaded: {self.created} records created."))
        elif not self.corrected:
            self.stdout.write("Seed already loaded: nothing to do.")

    def ensure(self, model, lookup: dict, defaults: dict):
        obj, created = model.objects.get_or_create(**lookup, defaults=defaults)
        self.created += created
        return obj

    def load_proposal(self, data: dict, actors: dict, kinds: dict, source: Source) -> Proposal:
        fields = ("slug", "title", "status", "first_reported", "summary")
        proposal = Proposal.objects.create(
            is_published=True, **{field: data[field] for field in fields}
        )
        self.created += 1
        self.cite(source, data["citations"], proposal=proposal)
        self.add_positions(proposal, data, actors, source)
        writes.record_status_change(proposal, None, proposal.status, proposal.first_reported)

        for layer_data in data["layers"]:
            layer = Layer.objects.create(
                proposal=proposal,
                kind=kinds[layer_data["kind"]],
                **{field: layer_data[field] for field in ("description", "area", "assets")},
            )
            layer.contributors.set([actors[slug] for slug in layer_data["contributors"]])
            self.created += 1
            self.cite(source, layer_data["citations"], layer=layer)

        preconditions: dict[str, Precondition] = {}
        for order, pre in enumerate(data["preconditions"], start=1):
            precondition = Precondition.objects.create(
                proposal=proposal,
                slug=pre["slug"],
                description=pre["description"],
                status=Precondition.Status.UNMET,
                responsible=actors.get(pre["responsible"]),
                depends_on=preconditions.get(pre["depends_on"]),
                display_order=order * 10,
            )
            preconditions[pre["slug"]] = precondition
            writes.record_status_change(
                proposal, precondition, precondition.status, proposal.first_reported
            )
            self.created += 1
            self.cite(source, pre["citations"], precondition=precondition)
        return proposal

    def add_positions(self, proposal: Proposal, data: dict, actors: dict, source: Source) -> None:
        def write():
            for actor, stance, statement in data["positions"]:
                position = Position.objects.create(
                    proposal=proposal,
                    actor=actors[actor],
                    stance=stance,
                    stated_on=proposal.first_reported,
                    statement=statement,
                )
                self.created += 1
                self.cite(source, data["position_citations"], position=position)
            writes.sync_backers(proposal.pk)

        writes.create(None, proposal.pk, write)

    def relate(self) -> None:
        """The two seed proposals are one idea; recorded once, and never again if removed."""
        both = {
            p.slug: p
            for p in Proposal.objects.filter(slug__in=[RELATION["proposal"], RELATION["other"]])
        }
        if (
            len(both) < 2
            or ProposalRelation.history.filter(
                proposal_id=both[RELATION["proposal"]].pk, other_id=both[RELATION["other"]].pk
            ).exists()
        ):
            return
        proposal = both[RELATION["proposal"]]
        relation = ProposalRelation(
            proposal=proposal,
            kind=RELATION["kind"],
            other=both[RELATION["other"]],
            note=RELATION["note"],
        )
        writes.create(None, proposal.pk, lambda: relation.save() or relation)
        self.created += 1

    def correct_earlier_seed(self, actors: dict, source: Source) -> None:
        """Records an earlier seed made that the report does not support, put right unless an
        analyst has changed them since (those are left, and named)."""
        for (slug, kind), contributors in CONTRIBUTORS.items():
            layer = Layer.objects.filter(proposal__slug=slug, kind__slug=kind).first()
            wanted = {actors[actor].pk for actor in contributors}
            if layer is None or set(layer.contributors.values_list("pk", flat=True)) == wanted:
                continue
            if touched(layer):
                self.left.append(f"the contributors of the {kind} layer of /proposals/{slug}/")
                continue
            writes.create(
                None,
                layer.proposal_id,
                lambda layer=layer, wanted=wanted: layer.contributors.set(wanted),
            )
            self.corrected += 1
        for data in (UN_MISSION, COALITION):
            proposal = Proposal.objects.filter(slug=data["slug"]).first()
            if proposal is None:
                continue
            positions = list(proposal.positions.select_related("actor"))
            found = {(p.actor.slug, p.stance, p.statement) for p in positions}
            if found == set(data["positions"]):
                continue
            if any(touched(position) for position in positions):
                self.left.append(f"the positions on /proposals/{data['slug']}/")
                continue
            writes.create(
                None, proposal.pk, lambda proposal=proposal: proposal.positions.all().delete()
            )
            self.add_positions(proposal, data, actors, source)
            self.corrected += 1

    def cite(self, source: Source, citations: list[tuple[str, str]], **target) -> None:
        for quote, attributed_to in citations:
            Citation.objects.create(
                source=source, quote=quote, attributed_to=attributed_to, **target
            )
            self.created += 1
