"""Each proposal's stored number of unsourced claims (proposals.unsourced) follows every change:
after each step it is what listing the claims no citation supports gives, for every proposal."""

import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from proposals import claims, writes
from proposals.models import Citation, Proposal, RelationKind

from .factories import (
    CitationFactory,
    CommitmentFactory,
    EventFactory,
    LayerFactory,
    PositionFactory,
    PreconditionFactory,
    ProposalFactory,
    layer_kind,
)

pytestmark = pytest.mark.django_db


def listed() -> dict[int, int]:
    """{proposal: its unsourced claims}, counted from the list audit_sources prints."""
    found = Counter(item.proposal.pk for item in claims.unsourced(Proposal.objects.all()))
    return {pk: found.get(pk, 0) for pk in Proposal.objects.values_list("pk", flat=True)}


def stored() -> dict[int, int]:
    return dict(Proposal.objects.values_list("pk", "unsourced_claims"))


def check() -> dict[int, int]:
    counts = stored()
    assert counts == listed()
    return counts


def test_the_counts_after_the_seed_and_demo_datas_bulk_inserts_are_those_listed(seeded):
    assert set(check().values()) == {0}  # every claim of the seed has its source
    call_command("demo_data", proposals=30, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sum(check().values()) > 30  # demo proposals cite only some of their claims


def test_the_counts_follow_every_kind_of_change(seeded):
    plan = ProposalFactory(title="Plan")
    other = ProposalFactory(title="Other plan")
    assert check()[plan.pk] == 1  # the proposal itself

    layer = LayerFactory(proposal=plan, kind=layer_kind("air"))
    precondition = PreconditionFactory(proposal=plan)
    position = PositionFactory(proposal=plan)
    commitment = CommitmentFactory(layer=layer)
    assert check()[plan.pk] == 5

    cited = CitationFactory(layer=layer)
    CitationFactory(precondition=precondition)
    CitationFactory(position=position)
    CitationFactory(commitment=commitment)
    CitationFactory(proposal=plan)
    assert check()[plan.pk] == 0

    # A citation moved from one proposal's layer to another's: both counts change.
    theirs = LayerFactory(proposal=other, kind=layer_kind("air"))
    assert check()[other.pk] == 2
    cited.layer = theirs
    cited.save()
    counts = check()
    assert (counts[plan.pk], counts[other.pk]) == (1, 1)

    # An event on two timelines is a claim of each; citing it, or taking it off one, counts.
    event = EventFactory(proposals=[plan, other])
    assert check()[plan.pk] == 2
    event_citation = CitationFactory(event=event)
    assert check()[other.pk] == 1
    event_citation.delete()
    assert check()[other.pk] == 2
    writes.remove_event(event, other, None)
    counts = check()
    assert (counts[plan.pk], counts[other.pk]) == (2, 1)
    event.proposals.add(other)
    assert check()[other.pk] == 2
    event.proposals.clear()
    assert check()[plan.pk] == 1
    event.proposals.add(plan)
    event.delete()
    assert check()[plan.pk] == 1

    # A relation counts while the proposal it names is published.
    plan.relations.create(kind=RelationKind.values[0], other=other)
    assert check()[plan.pk] == 2
    other.is_published = False
    other.save()
    assert check()[plan.pk] == 1
    other.is_published = True
    other.save()
    assert check()[plan.pk] == 2
    other.delete()
    assert check()[plan.pk] == 1

    # A layer goes with its commitments and their citations (its own moved away above).
    layer.delete()
    assert check()[plan.pk] == 0
    # Citations deleted in bulk (a queryset's delete sends a signal for each).
    Citation.objects.filter(proposal=plan).delete()
    assert check()[plan.pk] == 1
    plan.delete()
    check()


def test_a_stale_copy_of_a_proposal_saved_again_leaves_its_count_right(seeded):
    plan = ProposalFactory(title="Plan")
    copy = Proposal.objects.get(pk=plan.pk)
    CitationFactory(proposal=plan)
    assert check()[plan.pk] == 0
    copy.title = "Plan, renamed"
    copy.save()  # writes the count it read, 1, which the save then corrects
    assert check()[plan.pk] == 0


def test_refresh_derived_mends_the_counts(seeded):
    expected = check()
    Proposal.objects.update(unsourced_claims=7)
    call_command("refresh_derived", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert stored() == expected


def test_workspace_lists_and_counts_what_is_stored(analyst_client, seeded):
    plan = ProposalFactory(title="Aaa plan")
    layer = LayerFactory(proposal=plan, kind=layer_kind("naval"))
    ProposalFactory(title="Aab draft", is_published=False)  # drafts wait in their own queue
    response = analyst_client.get("/workspace/")
    published = set(Proposal.objects.published().values_list("pk", flat=True))
    assert response.context["counts"]["unsourced"] == sum(
        n for pk, n in listed().items() if pk in published
    )
    first = response.context["unsourced_groups"][0]
    assert first["title"] == "Aaa plan"
    assert [claim["what"] for claim in first["claims"]] == [
        "the proposal itself (its summary)",
        f"the {layer.kind.name} layer",
    ]
    assert "Aab draft" not in {group["title"] for group in response.context["unsourced_groups"]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_publishing_related_proposals_and_citing_their_event_at_once_never_deadlocks(
    contract_data, analyst, bob
):
    """Each change locks every proposal whose count it changes before writing, in one order:
    two proposals that relate to each other published and unpublished by two analysts while a
    third cites and uncites an event on both."""
    first, second = ProposalFactory(title="First plan"), ProposalFactory(title="Second plan")
    first.relations.create(kind=RelationKind.values[0], other=second)
    second.relations.create(kind=RelationKind.values[0], other=first)
    event = EventFactory(proposals=[first, second])
    source = CitationFactory(proposal=first).source
    barrier = threading.Barrier(3)
    failures: list[BaseException] = []

    def toggle(user, pk: int) -> None:
        barrier.wait()
        try:
            for _ in range(15):
                proposal = Proposal.objects.get(pk=pk)

                def write(proposal=proposal):
                    proposal.is_published = not proposal.is_published
                    proposal.save()

                writes.save(proposal, proposal.version, user, write)
        except BaseException as error:  # a deadlock, reported below
            failures.append(error)
        finally:
            connection.close()

    def cite(user) -> None:
        barrier.wait()
        try:
            for _ in range(15):
                citation = Citation(event=event, source=source, text="It happened.")
                writes.create(user, first.pk, citation.save, writes.concerned(citation))
                writes.delete(citation, None, user)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=toggle, args=(analyst, first.pk)),
        threading.Thread(target=toggle, args=(bob, second.pk)),
        threading.Thread(target=cite, args=(analyst,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    check()
