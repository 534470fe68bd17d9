"""Each proposal's and precondition's stored status over time (models.StatusSpan) follows every
change: on any day, the span in force gives the status that the status change then in force
gives."""

import datetime as dt

import pytest
from django.core.management import call_command

from proposals import as_of, writes
from proposals.models import Precondition, Proposal, StatusChange, StatusSpan

from .factories import PreconditionFactory, ProposalFactory

pytestmark = pytest.mark.django_db

DAYS = [dt.date(2024, 1, 1), dt.date(2025, 3, 1), dt.date(2025, 3, 2), dt.date(2025, 4, 1)]
DAYS += [dt.date(2025, 6, 30), dt.date(2026, 1, 1), dt.date.today()]
MET, UNMET, IN_PROGRESS = "met", "unmet", "in_progress"


def statuses_then(day: dt.date) -> dict[tuple[int, int | None], str]:
    """{(proposal, precondition or None): status} from the status changes in force that day."""
    found = {
        (proposal, pk): status
        for pk, proposal, status in as_of.preconditions_on(day).values_list(
            "pk", "proposal_id", "status_then"
        )
    }
    for pk, status in as_of.with_status_on(Proposal.objects.all(), day).values_list(
        "pk", "status_then"
    ):
        found[(pk, None)] = status
    return found


def spans_on(day: dt.date) -> list[tuple[tuple[int, int | None], str]]:
    rows = StatusSpan.objects.filter(as_of.span_on(day)).values_list(
        "proposal_id", "precondition_id", "status"
    )
    return [((proposal, pk), status) for proposal, pk, status in rows]


def check() -> None:
    for day in DAYS:
        spans = spans_on(day)
        assert len(spans) == len(dict(spans)), day  # one span of a precondition in force
        assert dict(spans) == statuses_then(day), day


def test_spans_follow_status_changes_and_deletions(seeded):
    call_command("demo_data", proposals=20, stdout=open("/dev/null", "w"))  # noqa: SIM115
    check()
    plan = ProposalFactory(title="Plan")
    ceasefire = PreconditionFactory(proposal=plan, status=UNMET)
    mandate = PreconditionFactory(proposal=plan, status=UNMET)
    check()  # no change on record: today's status on every day
    mandate.status = IN_PROGRESS
    mandate.save()
    check()

    writes.record_status_change(plan, ceasefire, IN_PROGRESS, dt.date(2025, 3, 2))
    writes.record_status_change(plan, ceasefire, MET, dt.date(2025, 6, 1))
    second = writes.record_status_change(plan, ceasefire, UNMET, dt.date(2025, 6, 1))
    check()  # a second change that day replaces the first
    assert dict(spans_on(dt.date(2025, 3, 1)))[(plan.pk, ceasefire.pk)] == IN_PROGRESS
    assert dict(spans_on(dt.date(2025, 6, 30)))[(plan.pk, ceasefire.pk)] == UNMET

    # The proposal's own status: edited with no change on record, then dated changes.
    plan.status = "under_discussion"
    plan.save()
    check()
    writes.record_status_change(plan, None, "agreed", dt.date(2025, 4, 1))
    writes.record_status_change(plan, None, "shelved", dt.date(2025, 7, 1))
    check()
    assert dict(spans_on(dt.date(2025, 3, 1)))[(plan.pk, None)] == "agreed"
    assert dict(spans_on(dt.date.today()))[(plan.pk, None)] == "shelved"

    second.changed_on = dt.date(2025, 1, 1)  # a change's date moved
    second.save()
    check()
    StatusChange.objects.get(pk=second.pk).delete()
    check()
    # A precondition, in bulk or alone, and a proposal go with their spans.
    Precondition.objects.filter(pk=ceasefire.pk).delete()
    check()
    writes.record_status_change(plan, mandate, MET, dt.date(2025, 4, 1))
    Precondition.objects.get(pk=mandate.pk).delete()
    check()
    other = Proposal.objects.filter(preconditions__status_changes__isnull=False).first()
    other.delete()
    check()
    assert not StatusSpan.objects.filter(precondition__in=[ceasefire, mandate]).exists()


def test_refresh_derived_mends_the_spans(seeded):
    call_command("demo_data", proposals=10, stdout=open("/dev/null", "w"))  # noqa: SIM115
    StatusSpan.objects.all().delete()
    call_command("refresh_derived", stdout=open("/dev/null", "w"))  # noqa: SIM115
    check()
    assert StatusSpan.objects.exists()
