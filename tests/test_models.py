import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from proposals.models import Actor, LayerKind, Proposal, RetiredSlug

from .factories import (
    ActorFactory,
    CitationFactory,
    LayerFactory,
    PreconditionFactory,
    ProposalFactory,
    SourceFactory,
    layer_kind,
)

pytestmark = pytest.mark.django_db


def refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_the_five_contract_layer_kinds_exist_in_order():
    assert list(LayerKind.objects.values_list("slug", flat=True)) == [
        "air",
        "naval",
        "un_force",
        "border_training",
        "us_guarantor",
    ]


def test_database_refuses_an_unknown_proposal_status():
    proposal = ProposalFactory()
    refused(lambda: Proposal.objects.filter(pk=proposal.pk).update(status="imagined"))


def test_database_refuses_an_unknown_precondition_status():
    precondition = PreconditionFactory()
    refused(lambda: type(precondition).objects.filter(pk=precondition.pk).update(status="done"))


def test_database_refuses_an_unknown_actor_kind():
    actor = ActorFactory()
    refused(lambda: Actor.objects.filter(pk=actor.pk).update(kind="planet"))


def test_proposal_slugs_are_unique():
    ProposalFactory(slug="same")
    refused(lambda: ProposalFactory(slug="same"))


def test_a_proposal_has_at_most_one_layer_of_each_kind():
    layer = LayerFactory(kind=layer_kind("naval"))
    refused(lambda: LayerFactory(proposal=layer.proposal, kind=layer_kind("naval")))
    assert LayerFactory(proposal=layer.proposal, kind=layer_kind("air")).pk


def test_precondition_slugs_are_unique_within_a_proposal_only():
    first = PreconditionFactory(slug="ceasefire")
    refused(lambda: PreconditionFactory(proposal=first.proposal, slug="ceasefire"))
    assert PreconditionFactory(slug="ceasefire").pk  # another proposal may reuse it


def test_actor_names_are_unique():
    ActorFactory(name="France", slug="france")
    refused(lambda: Actor.objects.create(name="France", slug="france-2"))


def test_a_citation_supports_exactly_one_thing():
    proposal = ProposalFactory()
    layer = LayerFactory(proposal=proposal)
    source = SourceFactory()
    refused(lambda: CitationFactory(source=source))
    refused(lambda: CitationFactory(source=source, proposal=proposal, layer=layer))
    assert CitationFactory(source=source, layer=layer).pk


def test_a_precondition_cannot_depend_on_itself():
    precondition = PreconditionFactory()
    refused(
        lambda: (
            type(precondition).objects.filter(pk=precondition.pk).update(depends_on=precondition.pk)
        )
    )


def test_dependency_and_layer_must_belong_to_the_same_proposal():
    precondition = PreconditionFactory()
    precondition.depends_on = PreconditionFactory()
    precondition.layer = LayerFactory()
    with pytest.raises(ValidationError) as error:
        precondition.full_clean()
    assert set(error.value.message_dict) == {"depends_on", "layer"}


def test_dependency_cycles_are_refused():
    first = PreconditionFactory()
    second = PreconditionFactory(proposal=first.proposal, depends_on=first)
    first.depends_on = second
    with pytest.raises(ValidationError, match="depend on each other"):
        first.full_clean()


def test_a_layer_kind_in_use_cannot_be_deleted():
    LayerFactory(kind=layer_kind("air"))
    with pytest.raises(ProtectedError):
        layer_kind("air").delete()


def test_an_actor_who_must_act_cannot_be_deleted_silently():
    actor = ActorFactory()
    PreconditionFactory(responsible=actor)
    with pytest.raises(ProtectedError):
        actor.delete()


def test_deleting_a_proposal_deletes_its_layers_preconditions_and_citations():
    layer = LayerFactory()
    proposal = layer.proposal
    PreconditionFactory(proposal=proposal, layer=layer)
    CitationFactory(layer=layer)
    CitationFactory(proposal=proposal)
    proposal.delete()
    assert not type(layer).objects.exists()
    assert CitationFactory._meta.model.objects.count() == 0


def test_deleting_a_layer_keeps_its_preconditions():
    layer = LayerFactory()
    precondition = PreconditionFactory(proposal=layer.proposal, layer=layer)
    layer.delete()
    precondition.refresh_from_db()
    assert precondition.layer is None


def test_a_deleted_proposals_slug_is_never_given_to_another():
    ProposalFactory(slug="old-plan").delete()
    assert RetiredSlug.objects.filter(slug="old-plan").exists()
    with pytest.raises(ValidationError) as error:
        Proposal(title="New plan", slug="old-plan", status="floated").full_clean()
    assert "slug" in error.value.message_dict


def test_assets_are_listed_one_per_line():
    layer = LayerFactory(assets="Satellites\n\n  Drones  \n")
    assert layer.asset_list == ["Satellites", "Drones"]
