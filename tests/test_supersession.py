"""The date each position, commitment and status change was replaced (`superseded_on`, and
`is_first` for status changes) is derived data that the pages filter on to find what was in force:
it must follow every kind of write, so that what is in force on any day is exactly the latest
record by then (later by date, then by id), and a status before its first change is the first's."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from proposals import as_of, supersession, writes
from proposals.models import (
    Actor,
    Commitment,
    Involvement,
    Layer,
    Position,
    Precondition,
    Proposal,
    StatusChange,
)

from .factories import (
    ActorFactory,
    CommitmentFactory,
    LayerFactory,
    PreconditionFactory,
    ProposalFactory,
    layer_kind,
)

pytestmark = pytest.mark.django_db

D = dt.date
# Past days, and None: today.
DAYS = [
    D(2025, 1, 1),
    D(2025, 3, 1),
    D(2025, 3, 2),
    D(2025, 4, 1),
    D(2025, 6, 1),
    D(2026, 3, 1),
    None,
]


def latest_by_hand(model, day) -> set[int]:
    """What is in force on `day`, worked out from every record without the stored dates."""
    latest: dict[tuple, tuple] = {}
    keys = supersession.attnames(model)
    for record in model.objects.all():
        if day is None or record.stated_on <= day:
            chain = tuple(getattr(record, key) for key in keys)
            latest[chain] = max(latest.get(chain, (D.min, 0)), (record.stated_on, record.pk))
    return {pk for _, pk in latest.values()}


def statuses_by_hand(model, day) -> dict[int, str]:
    """Each proposal's or precondition's status on `day`, from all its changes: the latest by
    then, the first before that, today's without any."""
    statuses = {}
    for record in model.objects.all():
        changes = StatusChange.objects.filter(**{model._meta.model_name: record})
        if model is Proposal:
            changes = changes.filter(precondition=None)
        ordered = sorted(changes, key=lambda change: (change.changed_on, change.pk))
        by_then = [change for change in ordered if change.changed_on <= day]
        statuses[record.pk] = (by_then or ordered or [record])[-1 if by_then else 0].status
    return statuses


def assert_in_force_everywhere() -> None:
    for model in (Position, Commitment):
        keys = supersession.CHAINS[model].keys
        for day in DAYS:
            stored = set(
                as_of.in_force(model.objects.all(), keys, day).values_list("pk", flat=True)
            )
            assert stored == latest_by_hand(model, day), (model.__name__, day)
    for model in (Proposal, Precondition):
        for day in DAYS[:-1]:
            stored = dict(
                as_of.with_status_on(model.objects.all(), day).values_list("pk", "status_then")
            )
            assert stored == statuses_by_hand(model, day), (model.__name__, day)


def test_positions_in_force_follow_adds_edits_moves_and_deletes(client):
    plan, other = ProposalFactory(slug="plan"), ProposalFactory(slug="other")
    poland, spain = ActorFactory(slug="poland"), ActorFactory(slug="spain")
    early = Position.objects.create(
        proposal=plan, actor=poland, stance="undecided", stated_on=D(2025, 3, 1)
    )
    assert_in_force_everywhere()
    later = Position.objects.create(
        proposal=plan, actor=poland, stance="supports", stated_on=D(2025, 4, 1)
    )
    early.refresh_from_db()
    later.refresh_from_db()  # (what the database holds, not the instance just saved)
    assert early.superseded_on == D(2025, 4, 1) and later.superseded_on is None
    assert_in_force_everywhere()
    # Redated before the first: the order of the chain turns round.
    later.stated_on = D(2025, 2, 1)
    later.save()
    assert_in_force_everywhere()
    # Moved to another actor and another proposal: the chain it left is rewritten too.
    later.actor, later.proposal = spain, other
    later.save()
    early.refresh_from_db()
    assert early.superseded_on is None
    assert_in_force_everywhere()
    Position.objects.create(proposal=plan, actor=poland, stance="opposes", stated_on=D(2025, 6, 1))
    assert_in_force_everywhere()
    Position.objects.filter(stance="opposes").delete()
    assert_in_force_everywhere()
    early.delete()
    assert_in_force_everywhere()
    other.delete()  # its positions go with it
    assert not Position.objects.exists()


def test_commitments_in_force_follow_every_edit_and_ties_go_to_the_later_record():
    layer = LayerFactory(proposal=ProposalFactory(), kind=layer_kind("naval"))
    france = ActorFactory(slug="france")

    def commit(phase: str, quantity: int, unit: str, day: dt.date) -> Commitment:
        return CommitmentFactory(
            layer=layer, actor=france, phase=phase, quantity=quantity, unit=unit, stated_on=day
        )

    pledge = commit("pledged", 2, "ships", D(2025, 3, 1))
    # The same day, another phase: the later record is the one in force from that day.
    deployed = commit("deployed", 1, "ships", D(2025, 3, 1))
    pledge.refresh_from_db()
    deployed.refresh_from_db()
    assert pledge.superseded_on == D(2025, 3, 1) and deployed.superseded_on is None
    troops = commit("pledged", 500, "troops", D(2025, 4, 1))  # another unit: another chain
    assert_in_force_everywhere()
    deployed.unit = "troops"
    deployed.save()
    pledge.refresh_from_db()
    assert pledge.superseded_on is None  # alone again in its chain
    assert_in_force_everywhere()
    troops.delete()
    assert_in_force_everywhere()
    layer.delete()
    assert not Commitment.objects.exists()


def test_the_dashboard_totals_follow_an_analysts_edit(analyst_client, client, seeded):
    """Through the analysts' form: a pledge counts until a later withdrawal replaces it."""
    coalition = "coalition-of-the-willing-security-concept"

    def row(phase: str) -> str:
        page = client.get("/").content.decode()
        return page.split(f'<th scope="row">{phase}</th>', 1)[1].split("</tr>", 1)[0]

    before = row("Pledged"), row("Withdrawn")
    naval = Layer.objects.get(proposal__slug=coalition, kind__slug="naval")
    url = f"/proposals/{coalition}/layers/naval/commitments/new/"
    data = {"layer": naval.pk, "actor": Actor.objects.get(slug="france").pk, "unit": "ships"}
    answer = analyst_client.post(
        url, data | {"phase": "pledged", "quantity": "77", "stated_on": "2025-04-01"}
    )
    assert answer.status_code == 302
    assert row("Pledged") != before[0] and row("Withdrawn") == before[1]
    answer = analyst_client.post(
        url, data | {"phase": "withdrawn", "quantity": "77", "stated_on": "2025-05-01"}
    )
    assert answer.status_code == 302
    assert row("Pledged") == before[0] and row("Withdrawn") != before[1]
    assert_in_force_everywhere()


def test_statuses_then_follow_recorded_corrected_and_deleted_changes():
    plan = ProposalFactory(slug="plan", status="floated")
    consent = PreconditionFactory(proposal=plan, slug="consent", description="Consent.")
    assert_in_force_everywhere()  # no change on record: today's statuses
    writes.record_status_change(plan, None, "floated", D(2025, 3, 1))
    writes.record_status_change(plan, None, "under_discussion", D(2025, 4, 1))
    writes.record_status_change(plan, consent, "unmet", D(2025, 3, 2))
    writes.record_status_change(plan, consent, "met", D(2025, 6, 1))
    assert_in_force_everywhere()
    first = StatusChange.objects.get(proposal=plan, precondition=None, changed_on=D(2025, 3, 1))
    assert first.is_first and first.superseded_on == D(2025, 4, 1)
    # Corrected to a later day than the other: the order of the two turns round.
    first.changed_on = D(2025, 5, 1)
    first.save()
    assert_in_force_everywhere()
    first.refresh_from_db()
    assert not first.is_first and first.superseded_on is None
    # The proposal's own changes and its precondition's are separate chains.
    met = StatusChange.objects.get(precondition=consent, status="met")
    met.delete()
    assert_in_force_everywhere()
    other = ProposalFactory(slug="other")
    writes.record_status_change(other, None, "agreed", D(2025, 1, 1))
    assert_in_force_everywhere()
    consent.delete()
    plan.delete()
    assert_in_force_everywhere()


def test_the_stored_dates_are_not_part_of_the_history():
    """Derived, not a claim: a record's history shows what analysts changed, nothing else."""
    for model in supersession.CHAINS:
        recorded = {field.name for field in model.history.model._meta.fields}
        assert not recorded & {"superseded_on", "is_first"}, model


def test_demo_datas_bulk_inserts_store_the_dates_too():
    call_command("demo_data", proposals=30, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Position.objects.filter(superseded_on__isnull=False).exists()
    assert Commitment.objects.filter(superseded_on__isnull=False).exists()
    assert StatusChange.objects.filter(is_first=True).exists()
    assert_in_force_everywhere()


def test_refresh_derived_mends_whatever_was_changed_around_the_app(seeded):
    """After records changed in SQL (or by a release before these columns), the command puts
    every derived value back to what the records say."""
    call_command("demo_data", proposals=5, stdout=open("/dev/null", "w"))  # noqa: SIM115

    def derived() -> dict:
        return {
            "search": dict(Proposal.objects.values_list("pk", "search_document")),
            "involved": set(Involvement.objects.values_list("proposal_id", "actor_id")),
            "positions": dict(Position.objects.values_list("pk", "superseded_on")),
            "commitments": dict(Commitment.objects.values_list("pk", "superseded_on")),
            "changes": set(StatusChange.objects.values_list("pk", "superseded_on", "is_first")),
            "tallies": set(
                Proposal.objects.values_list("pk", "tally_met", "tally_in_progress", "tally_unmet")
            ),
        }

    before = derived()
    assert any(before["positions"].values()) and any(before["commitments"].values())
    Proposal.objects.update(search_document="", tally_met=0, tally_in_progress=0, tally_unmet=9)
    Involvement.objects.all().delete()
    Position.objects.update(superseded_on=None)
    Commitment.objects.update(superseded_on=D(2000, 1, 1))
    StatusChange.objects.update(superseded_on=None, is_first=False)
    assert derived() != before
    out = io.StringIO()
    call_command("refresh_derived", stdout=out)
    assert derived() == before
    assert f"for {Proposal.objects.count()} proposals" in out.getvalue()
