import datetime as dt

import factory

from proposals import search, writes
from proposals.models import (
    Actor,
    Citation,
    Commitment,
    Event,
    Layer,
    LayerKind,
    Phase,
    Position,
    Precondition,
    Proposal,
    Source,
    Stance,
    Unit,
)


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Actor {n}")
    slug = factory.Sequence(lambda n: f"actor-{n}")
    kind = Actor.Kind.STATE


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Test proposal {n}")
    slug = factory.Sequence(lambda n: f"test-proposal-{n}")
    status = Proposal.Status.FLOATED
    summary = "A proposal made up for a test."
    first_reported = dt.date(2025, 3, 25)
    is_published = True

    @factory.post_generation
    def proponents(self, create, extracted, **kwargs):
        """Backers, as the site records them: a `proposes` position each."""
        if create and extracted:
            for actor in extracted:
                PositionFactory(proposal=self, actor=actor, stance=Stance.PROPOSES)
            writes.sync_backers(self.pk)


def layer_kind(slug: str) -> LayerKind:
    return LayerKind.objects.get(slug=slug)


class LayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Layer
        skip_postgeneration_save = True

    proposal = factory.SubFactory(ProposalFactory)
    kind = factory.LazyFunction(lambda: layer_kind("air"))
    description = "Drones watch the line."
    area = "The contact line"
    assets = "Drones\nSatellites"

    @factory.post_generation
    def contributors(self, create, extracted, **kwargs):
        if create and extracted:
            self.contributors.set(extracted)


class PreconditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Precondition

    proposal = factory.SubFactory(ProposalFactory)
    slug = factory.Sequence(lambda n: f"precondition-{n}")
    description = factory.Sequence(lambda n: f"Precondition number {n} is fulfilled.")
    status = Precondition.Status.UNMET


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    publisher = "Test Wire"
    title = factory.Sequence(lambda n: f"Report {n}")
    url = factory.Sequence(lambda n: f"https://example.org/report-{n}")
    published_on = dt.date(2025, 3, 25)


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    source = factory.SubFactory(SourceFactory)
    text = "words that were said"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    date = dt.date(2025, 3, 27)
    title = factory.Sequence(lambda n: f"Event {n}")
    place = "Paris"

    @factory.post_generation
    def proposals(self, create, extracted, **kwargs):
        if create and extracted:
            self.proposals.set(extracted)


def full_proposal(n_layers: int = 2, n_preconditions: int = 2, **kwargs) -> Proposal:
    """A proposal with layers, contributors, preconditions, citations and an event."""
    # Its search document is written once, at the end, as the seed does.
    with search.deferred():
        proposal = ProposalFactory(proponents=[ActorFactory(), ActorFactory()], **kwargs)
        kinds = list(LayerKind.objects.all()[:n_layers])
        for kind in kinds:
            layer = LayerFactory(proposal=proposal, kind=kind, contributors=[ActorFactory()])
            CitationFactory(layer=layer)
        previous = None
        for i in range(n_preconditions):
            previous = PreconditionFactory(
                proposal=proposal,
                responsible=ActorFactory(),
                depends_on=previous,
                status=Precondition.Status.values[i % 3],
            )
            CitationFactory(precondition=previous)
        CitationFactory(proposal=proposal)
        EventFactory(proposals=[proposal])
        return proposal


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    proposal = factory.SubFactory(ProposalFactory)
    actor = factory.SubFactory(ActorFactory)
    stance = Stance.SUPPORTS
    stated_on = dt.date(2025, 3, 25)
    statement = "Said so in a made-up statement."


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    layer = factory.SubFactory(LayerFactory)
    actor = factory.SubFactory(ActorFactory)
    phase = Phase.PLEDGED
    quantity = 1000
    unit = Unit.TROOPS
    stated_on = dt.date(2025, 4, 1)
