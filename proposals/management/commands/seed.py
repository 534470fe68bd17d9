"""Load the first real records: the two proposals of the dpa report of the week of 25 March 2025.

The records themselves are in proposals/seed/records.py, the report in proposals/seed/article.txt.

Idempotent: each seed proposal is loaded, with its layers, preconditions, citations and events, only
when its slug has never been in the database. Records an earlier seed loaded are brought to what the
seed says now (say, a quote corrected to the report's exact words), unless an analyst has changed
them since: those are left as they are, and the command names them. Running it again changes
nothing, and it never brings back what analysts have deleted.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from proposals import search, writes
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
    StatusChange,
    proposal_id_of,
)
from proposals.seed import records
from proposals.seed.records import ACTORS, EVENTS, PROPOSALS, RELATION, SOURCE

CITATION_FIELDS = ("kind", "text", "speaker", "said_on", "hedge", "confidence")


def touched(record: models.Model) -> bool:
    """Whether an analyst (not a command) has saved the record since it was created."""
    return record.history.filter(history_user__isnull=False).exists()


class Command(BaseCommand):
    help = "Load the proposals of the seed report. Running it twice changes nothing."

    def handle(self, *args: object, **options: object) -> None:
        # One transaction; the search documents are written once, at its end.
        with transaction.atomic(), search.deferred():
            self.load()
        self.report()

    def load(self) -> None:
        self.created, self.corrected, self.left = 0, 0, []
        kinds = {kind.slug: kind for kind in LayerKind.objects.all()}
        needed = {layer["kind"] for data in PROPOSALS for layer in data["layers"]}
        if missing := sorted(needed - set(kinds)):
            raise CommandError(
                f"Layer kinds {', '.join(missing)} are missing: run `manage.py migrate` first."
            )
        self.source = self.load_source()
        self.actors = {}
        for name, slug, kind, description in ACTORS:
            actor = self.ensure(
                Actor, {"slug": slug}, {"name": name, "kind": kind, "description": description}
            )
            self.align(actor, {"description": description}, f"the description of {name}")
            self.actors[slug] = actor

        known = set(Proposal.objects.values_list("slug", flat=True))
        known |= set(RetiredSlug.objects.values_list("slug", flat=True))
        new = {data["slug"] for data in PROPOSALS if data["slug"] not in known}
        for data in PROPOSALS:
            if data["slug"] in new:
                self.load_proposal(data, kinds)
            elif proposal := Proposal.objects.filter(slug=data["slug"]).first():
                self.correct_proposal(proposal, data)
        self.relate()
        self.load_events(new)

    def report(self) -> None:
        if self.corrected:
            self.stdout.write(
                f"Corrected {self.corrected} record{'s' if self.corrected != 1 else ''} of an "
                "earlier seed to what the report says."
            )
        for what in self.left:
            self.stdout.write(
                f"Left unchanged, as an analyst has edited it since the seed: {what}."
            )
        if self.created:
            self.stdout.write(self.style.SUCCESS(f"Seed loaded: {self.created} records created."))
        elif not self.corrected:
            self.stdout.write("Seed already loaded: nothing to do.")

    # Loading -------------------------------------------------------------------------------

    def ensure(self, model, lookup: dict, defaults: dict):
        obj, created = model.objects.get_or_create(**lookup, defaults=defaults)
        self.created += created
        return obj

    def load_source(self) -> Source:
        text = records.ARTICLE.read_text(encoding="utf-8")
        wanted = SOURCE | {"text": text}
        # An earlier seed's source had the same publisher and an invented headline.
        source = Source.objects.filter(publisher=SOURCE["publisher"]).order_by("pk").first()
        if source is None:
            self.created += 1
            return Source.objects.create(**wanted)
        self.align(source, wanted, "the seed report's description")
        return source

    def load_proposal(self, data: dict, kinds: dict) -> None:
        fields = ("slug", "title", "status", "first_reported", "summary")
        proposal = Proposal.objects.create(
            is_published=True, **{field: data[field] for field in fields}
        )
        self.created += 1
        self.cite(data["citations"], proposal=proposal)
        self.add_positions(proposal, data)
        change = writes.record_status_change(
            proposal, None, proposal.status, proposal.first_reported
        )
        self.cite(data["status_citations"], status_change=change)

        for layer_data in data["layers"]:
            layer = Layer.objects.create(
                proposal=proposal,
                kind=kinds[layer_data["kind"]],
                **{field: layer_data[field] for field in ("description", "area", "assets")},
            )
            layer.contributors.set([self.actors[slug] for slug in layer_data["contributors"]])
            self.created += 1
            self.cite(layer_data["citations"], layer=layer)

        preconditions: dict[str, Precondition] = {}
        for order, pre in enumerate(data["preconditions"], start=1):
            precondition = Precondition.objects.create(
                proposal=proposal,
                slug=pre["slug"],
                description=pre["description"],
                status=Precondition.Status.UNMET,
                responsible=self.actors.get(pre["responsible"]),
                depends_on=preconditions.get(pre["depends_on"]),
                display_order=order * 10,
            )
            preconditions[pre["slug"]] = precondition
            self.created += 1
            self.cite(pre["citations"], precondition=precondition)
            change = writes.record_status_change(
                proposal, precondition, precondition.status, proposal.first_reported
            )
            self.cite(pre["status_citations"], status_change=change)

    def add_positions(self, proposal: Proposal, data: dict) -> None:
        def write():
            for actor, stance, statement in data["positions"]:
                position = Position.objects.create(
                    proposal=proposal,
                    actor=self.actors[actor],
                    stance=stance,
                    stated_on=proposal.first_reported,
                    statement=statement,
                )
                self.created += 1
                self.cite(data["position_citations"], position=position)
            writes.sync_backers(proposal.pk)

        writes.create(None, proposal.pk, write)

    def relate(self) -> None:
        """The two seed proposals are one idea; recorded once, and never again if removed."""
        both = {
            p.slug: p
            for p in Proposal.objects.filter(slug__in=[RELATION["proposal"], RELATION["other"]])
        }
        if len(both) < 2:
            return
        proposal, other = both[RELATION["proposal"]], both[RELATION["other"]]
        relation = ProposalRelation.objects.filter(proposal=proposal, other=other).first()
        if relation is None:
            if ProposalRelation.history.filter(proposal_id=proposal.pk, other_id=other.pk).exists():
                return  # an analyst removed it
            relation = ProposalRelation(
                proposal=proposal, kind=RELATION["kind"], other=other, note=RELATION["note"]
            )
            writes.create(None, proposal.pk, lambda: relation.save() or relation)
            self.created += 1
            self.cite(RELATION["citations"], relation=relation)
            return
        if relation.kind == RELATION["kind"]:
            self.align(relation, {"note": RELATION["note"]}, "the note of the seed's relation")
            self.align_citations(RELATION["citations"], "relation", relation)

    def load_events(self, new: set[str]) -> None:
        for data in EVENTS:
            event = self.find_event(data)
            fields = {field: data[field] for field in ("date", "title", "place", "description")}
            if event is not None:
                self.align(event, fields, f"the event “{event.title}”")
                self.align_citations(data["citations"], "event", event)
                continue
            concerned = list(Proposal.objects.filter(slug__in=set(data["proposals"]) & new))
            if concerned:
                event = Event.objects.create(**fields)
                event.proposals.set(concerned)
                self.created += 1
                self.cite(data["citations"], event=event)

    def find_event(self, data: dict) -> Event | None:
        titles = [data["title"], *records.EARLIER_EVENT_TITLES.get(data["date"], [])]
        return (
            Event.objects.filter(
                date=data["date"], title__in=titles, proposals__slug__in=data["proposals"]
            )
            .order_by("pk")
            .first()
        )

    def cite(self, citations: list[dict], **claim) -> None:
        for citation in citations:
            Citation.objects.create(source=self.source, **citation, **claim)
            self.created += 1

    # Correcting an earlier seed ---------------------------------------------------------------

    def align(self, record: models.Model, wanted: dict, what: str) -> None:
        """Give `record` the `wanted` values, unless an analyst has changed it since the seed."""
        changed = {name: value for name, value in wanted.items() if getattr(record, name) != value}
        if not changed:
            return
        if touched(record):
            self.left.append(what)
            return
        for name, value in changed.items():
            setattr(record, name, value)
        writes.create(None, proposal_id_of(record), lambda: record.save() or record)
        self.corrected += 1

    def align_citations(self, wanted: list[dict], field: str, claim: models.Model) -> None:
        """The claim's citations of the seed report become `wanted`, unless an analyst has added
        or changed one of them (citations of other sources are never touched)."""
        existing = list(Citation.objects.filter(source=self.source, **{field: claim}))
        have = sorted(tuple(str(getattr(c, name)) for name in CITATION_FIELDS) for c in existing)
        want = sorted(tuple(str(c[name]) for name in CITATION_FIELDS) for c in wanted)
        if have == want:
            return
        if any(touched(citation) for citation in existing):
            self.left.append(f"the citations of {claim}")
            return

        def write() -> None:
            for citation in existing:
                citation.delete()
            self.cite(wanted, **{field: claim})
            self.created -= len(wanted)

        writes.create(None, proposal_id_of(claim), write)
        self.corrected += 1

    def correct_proposal(self, proposal: Proposal, data: dict) -> None:
        self.align(
            proposal,
            {field: data[field] for field in ("title", "summary")},
            f"the title and summary of /proposals/{proposal.slug}/",
        )
        self.align_citations(data["citations"], "proposal", proposal)
        first = StatusChange.objects.filter(
            proposal=proposal, precondition=None, changed_on=data["first_reported"]
        ).first()
        if first is not None:
            self.align_citations(data["status_citations"], "status_change", first)
        for layer_data in data["layers"]:
            layer = Layer.objects.filter(proposal=proposal, kind__slug=layer_data["kind"]).first()
            if layer is None:
                continue
            what = f"the {layer_data['kind']} layer of /proposals/{proposal.slug}/"
            self.align(layer, {f: layer_data[f] for f in ("description", "area", "assets")}, what)
            self.align_contributors(layer, layer_data["contributors"], what)
            self.align_citations(layer_data["citations"], "layer", layer)
        for pre in data["preconditions"]:
            precondition = proposal.preconditions.filter(slug=pre["slug"]).first()
            if precondition is None:
                continue
            self.align(
                precondition,
                {
                    "description": pre["description"],
                    "depends_on": proposal.preconditions.filter(slug=pre["depends_on"]).first(),
                },
                f"the precondition {pre['slug']} of /proposals/{proposal.slug}/",
            )
            self.align_citations(pre["citations"], "precondition", precondition)
            first = precondition.status_changes.filter(changed_on=data["first_reported"]).first()
            if first is not None:
                self.align_citations(pre["status_citations"], "status_change", first)
        self.correct_positions(proposal, data)

    def align_contributors(self, layer: Layer, contributors: list[str], what: str) -> None:
        wanted = {self.actors[actor].pk for actor in contributors}
        if set(layer.contributors.values_list("pk", flat=True)) == wanted:
            return
        if touched(layer):
            self.left.append(f"the contributors of {what}")
            return
        writes.create(None, layer.proposal_id, lambda: layer.contributors.set(wanted))
        self.corrected += 1

    def correct_positions(self, proposal: Proposal, data: dict) -> None:
        positions = list(proposal.positions.select_related("actor"))
        found = {(p.actor.slug, p.stance, p.statement) for p in positions}
        if found != set(data["positions"]):
            if any(touched(position) for position in positions):
                self.left.append(f"the positions on /proposals/{data['slug']}/")
                return
            writes.create(None, proposal.pk, lambda: proposal.positions.all().delete())
            created = self.created
            self.add_positions(proposal, data)
            self.created = created
            self.corrected += 1
            return
        for position in positions:
            self.align_citations(data["position_citations"], "position", position)
