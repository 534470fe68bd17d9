import datetime as dt

import pytest
from django.core.management import call_command
from django.utils.text import Truncator

from proposals import writes
from proposals.models import (
    Actor,
    Citation,
    Commitment,
    Layer,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    StatusChange,
)

from .conftest import HTMX
from .factories import (
    ActorFactory,
    CommitmentFactory,
    LayerFactory,
    PositionFactory,
    PreconditionFactory,
    ProposalFactory,
    layer_kind,
)

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"


def entries(client, slug):
    response = client.get(f"/proposals/{slug}/history/")
    assert response.status_code == 200
    return response, list(response.context["page_obj"])


def test_history_shows_an_in_place_edit_with_the_analysts_name(client, analyst_client, seeded):
    layer = Layer.objects.get(proposal__slug=COALITION, kind__slug="naval")
    analyst_client.post(
        f"/proposals/{COALITION}/layers/naval/edit/",
        {
            "description": layer.description,
            "area": "Black Sea and Sea of Azov",
            "assets": "Naval units",
            "contributors": [Actor.objects.get(slug="france").pk],
            "version": layer.version,
        },
        **HTMX,
    )
    client.logout()
    response, found = entries(client, COALITION)
    latest = found[0]
    assert latest.who == "Alice Analyst"
    assert latest.action == "changed"
    assert latest.subject == "Naval units layer"
    changes = {change.field: (change.old, change.new) for change in latest.changes}
    assert changes == {
        "Area": ("Black Sea", "Black Sea and Sea of Azov"),
        "Contributors": ("—", "France"),
    }
    html = response.content.decode()
    assert "Alice Analyst" in html and "<del>Black Sea</del>" in html


def test_history_shows_precondition_status_changes_and_deletions(analyst_client, seeded):
    url = f"/proposals/{UN}/preconditions/russian-consent"
    description = Precondition.objects.get(proposal__slug=UN, slug="russian-consent").description
    analyst_client.post(f"{url}/status/", {"status": "met", "version": 1})
    analyst_client.post(f"{url}/delete/", {"version": 2})
    _, found = entries(analyst_client, UN)
    found = [e for e in found if e.subject.startswith("Precondition")]
    # Named by what it says (a heading's length of it), never by its slug.
    name = f"Precondition: {Truncator(description.rstrip('.')).chars(60)}"
    assert [(e.subject, e.action) for e in found[:2]] == [(name, "deleted"), (name, "changed")]
    assert [(c.field, c.old, c.new) for c in found[1].changes] == [("Status", "Unmet", "Met")]


def test_history_records_changes_made_in_the_admin_and_by_commands(
    client, django_user_model, seeded
):
    admin = django_user_model.objects.create_superuser("root", "", "pw-long-enough")
    admin.first_name = "Ada"
    admin.save()
    client.force_login(admin)
    citation = Citation.objects.filter(proposal__slug=UN).first()
    response = client.post(
        f"/admin/proposals/citation/{citation.pk}/change/",
        {
            "source": citation.source_id,
            "kind": "quote",
            "confidence": "reported",
            "text": "no such mission is yet planned",
            "proposal": citation.proposal_id,
            "version": citation.version,
        },
    )
    assert response.status_code == 302
    _, found = entries(client, UN)
    assert found[0].who == "Ada"
    assert found[0].subject.startswith("Quote “no such mission is yet planned”")
    # The seed was loaded by a command: its records were created by the system.
    assert found[-1].who == "the system (a command or import)"
    assert found[-1].action == "created"


def test_history_includes_a_deleted_layers_citations(analyst_client, seeded):
    layer = Layer.objects.get(proposal__slug=COALITION, kind__slug="air")
    analyst_client.post(f"/proposals/{COALITION}/layers/air/delete/", {"version": layer.version})
    _, found = entries(analyst_client, COALITION)
    deleted = {(e.subject, e.action) for e in found if e.action == "deleted"}
    assert ("Air monitoring layer", "deleted") in deleted
    assert any(subject.startswith("Quote “The plan includes monitoring") for subject, _ in deleted)


def test_a_proposals_page_links_to_its_history_and_says_when_it_was_updated(client, seeded):
    html = client.get(f"/proposals/{UN}/").content.decode()
    assert f'href="/proposals/{UN}/history/"' in html
    assert "Last updated" in html
    for url in ["/", "/proposals/", f"/proposals/{UN}/history/"]:
        assert "Last updated" in client.get(url).content.decode(), url


def test_unknown_proposal_history_is_404(client, db):
    assert client.get("/proposals/nope/history/").status_code == 404


def test_seed_twice_adds_no_history(seeded):
    counts = [Proposal.history.count(), Layer.history.count(), Precondition.history.count()]
    call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [Proposal.history.count(), Layer.history.count(), Precondition.history.count()] == counts


def draft_then_publish(analyst_client, layer_kind="air") -> Proposal:
    """A draft whose summary and layer held a secret word, removed before publication."""
    analyst_client.post(
        "/proposals/new/",
        {"title": "Quiet plan", "slug": "quiet-plan", "status": "floated", "summary": "BLUEBIRD"},
    )
    url = "/proposals/quiet-plan"
    analyst_client.post(
        f"{url}/layers/new/",
        {"kind": layer_kind_pk(layer_kind), "description": "BLUEBIRD drones", "area": "Azov"},
    )
    proposal = Proposal.objects.get(slug="quiet-plan")
    analyst_client.post(
        f"{url}/edit/",
        {"title": "Quiet plan", "status": "floated", "summary": "", "version": proposal.version},
    )
    layer = proposal.layers.get()
    analyst_client.post(
        f"{url}/layers/{layer_kind}/edit/",
        {"description": "Drones.", "area": "Azov", "version": layer.version},
    )
    proposal.refresh_from_db()
    analyst_client.post(f"{url}/publish/", {"version": proposal.version})
    proposal.refresh_from_db()
    assert proposal.is_published and "BLUEBIRD" not in proposal.summary
    spread_out(proposal)
    return proposal


def spread_out(proposal: Proposal) -> None:
    """The test's saves, a minute apart as an analyst's would be (seconds apart read as one)."""
    import datetime as dt

    from django.utils import timezone

    from proposals.models import StatusChange

    rows = [
        *Proposal.history.filter(id=proposal.pk),
        *Layer.history.filter(proposal=proposal),
        *StatusChange.history.filter(proposal=proposal),
    ]
    start = timezone.now() - dt.timedelta(hours=1)
    for n, row in enumerate(sorted(rows, key=lambda row: row.history_date)):
        type(row).objects.filter(pk=row.pk).update(history_date=start + dt.timedelta(minutes=n))


def layer_kind_pk(slug: str) -> int:
    from proposals.models import LayerKind

    return LayerKind.objects.get(slug=slug).pk


def test_public_history_starts_at_publication(analyst_client, seeded):
    from django.test import Client

    client = Client()  # a reader
    proposal = draft_then_publish(analyst_client)
    response = client.get(f"/proposals/{proposal.slug}/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "BLUEBIRD" not in html
    assert [(e.subject, e.action) for e in response.context["page_obj"]] == [
        ("The proposal", "published")
    ]
    # A change after publication is compared with what readers saw, never with the draft.
    layer = proposal.layers.get()
    analyst_client.post(
        f"/proposals/{proposal.slug}/layers/air/edit/",
        {"description": "Satellites.", "area": "Azov", "version": layer.version},
    )
    found = list(client.get(f"/proposals/{proposal.slug}/history/").context["page_obj"])
    assert [(c.field, c.old, c.new) for c in found[0].changes] == [
        ("Description", "Drones.", "Satellites.")
    ]
    assert "BLUEBIRD" not in client.get(f"/proposals/{proposal.slug}/history/").content.decode()


def test_analysts_see_the_draft_history_too(analyst_client, seeded):
    proposal = draft_then_publish(analyst_client)
    html = analyst_client.get(f"/proposals/{proposal.slug}/history/").content.decode()
    assert "BLUEBIRD" in html


def test_what_was_changed_while_withdrawn_stays_hidden(analyst_client, seeded):
    from django.test import Client

    proposal = draft_then_publish(analyst_client)
    for published, summary in [
        (False, ""),
        (False, "SPARROW"),
        (False, ""),
        (True, "Plain words."),
    ]:
        proposal.is_published, proposal.summary = published, summary
        proposal.save()
        spread_out(proposal)
    html = Client().get(f"/proposals/{proposal.slug}/history/").content.decode()
    assert "SPARROW" not in html
    assert "Plain words." in html


def test_history_names_people_by_full_name_or_an_analyst(django_user_model, seeded):
    from django.contrib.auth.models import Group
    from django.test import Client

    client = Client()
    nameless = django_user_model.objects.create_user("j.doe.login", password="pw-long-enough-1")
    nameless.groups.add(Group.objects.get(name="Analysts"))
    analyst = Client()
    analyst.force_login(nameless)
    layer = Layer.objects.get(proposal__slug=COALITION, kind__slug="naval")
    analyst.post(
        f"/proposals/{COALITION}/layers/naval/edit/",
        {"description": layer.description, "area": "Azov", "version": layer.version},
    )
    for viewer in (client, analyst):
        response = viewer.get(f"/proposals/{COALITION}/history/")
        html = response.content.decode()
        assert "j.doe.login" not in html.replace("(j.doe.login)", "")  # header's own sign-out
        assert list(response.context["page_obj"])[0].who == "an analyst"


def age_history() -> None:
    """Move every history row an hour back, so that the next save reads as a change of its own."""
    hour = dt.timedelta(hours=1)
    models = (Proposal, Layer, Precondition, Position, Commitment, StatusChange, ProposalRelation)
    for model in models:
        for row in model.history.all():
            type(row).objects.filter(pk=row.pk).update(history_date=row.history_date - hour)


def by_subject(client, proposal) -> dict[str, list]:
    """The history's entries by subject, newest first."""
    response = client.get(f"/proposals/{proposal.slug}/history/")
    assert response.status_code == 200
    found: dict[str, list] = {}
    for entry in response.context["page_obj"]:
        found.setdefault(entry.subject, []).append(entry)
    return found


def test_history_names_records_by_what_a_reader_sees(client, db):
    france = ActorFactory(name="France")
    proposal = ProposalFactory(title="Air policing plan")
    other = ProposalFactory(title="Sea patrol plan")
    precondition = PreconditionFactory(
        proposal=proposal, slug="russian-consent", description="Russia's agreement."
    )
    layer = LayerFactory(proposal=proposal, kind=layer_kind("air"))
    PositionFactory(proposal=proposal, actor=france, stance="conditional")
    CommitmentFactory(layer=layer, actor=france, phase="pledged", unit="aircraft", quantity=12)
    ProposalRelation.objects.create(proposal=proposal, kind="part_of", other=other)
    age_history()
    writes.record_status_change(proposal, precondition, "met", dt.date(2025, 7, 1))
    writes.record_status_change(proposal, None, "agreed", dt.date(2025, 7, 2))

    found = by_subject(client, proposal)
    for subject in [
        "The proposal",
        "Precondition: Russia's agreement",
        "Air monitoring layer",
        "Position of France",
        "Commitment of France to the Air monitoring layer",
        "Relation to Sea patrol plan",
        "Status of precondition: Russia's agreement",
        "Status of the proposal",
    ]:
        assert subject in found, (subject, list(found))
    assert not any("russian-consent" in subject for subject in found)

    def created(subject: str) -> dict[str, str]:
        return {c.field: c.new for c in found[subject][-1].changes}

    assert created("Precondition: Russia's agreement") == {
        "Address": "russian-consent",
        "Description": "Russia's agreement.",
        "Status": "Unmet",
    }
    assert created("Position of France") == {
        "Actor": "France",
        "Stance": "Supports on conditions",
        "Stated on": "25 March 2025",
        "Statement": "Said so in a made-up statement.",
    }
    assert created("Commitment of France to the Air monitoring layer") == {
        "Actor": "France",
        "Layer": "Air monitoring layer",
        "Phase": "Pledged",
        "Quantity": "12",
        "Unit": "aircraft",
        "Stated on": "1 April 2025",
    }
    assert created("Relation to Sea patrol plan") == {
        "Relation": "is part of",
        "Other proposal": "Sea patrol plan",
    }
    assert created("Status of precondition: Russia's agreement") == {
        "Precondition": "Russia's agreement.",
        "Status": "Met",
        "Changed on": "1 July 2025",
    }
    assert created("Status of the proposal")["Status"] == "Agreed"

    html = client.get(f"/proposals/{proposal.slug}/history/").content.decode()
    subject = "Precondition: Russia&#x27;s agreement"
    assert f'<strong class="history__subject">{subject}</strong>' in html
    # Our own words are never in quotation marks: those are kept for a source's words.
    main = html.split("<main")[1]
    assert "“" not in main and "”" not in main


def test_history_shows_readable_field_names_and_values(client, db):
    proposal = ProposalFactory(title="Air policing plan", first_reported=dt.date(2025, 3, 1))
    age_history()
    proposal.first_reported = dt.date(2025, 2, 20)
    proposal.save()
    PositionFactory(proposal=proposal, actor=ActorFactory(name="Poland"), stance="proposes")
    writes.sync_backers(proposal.pk)
    found = by_subject(client, proposal)
    changes = [(c.field, c.old, c.new) for e in found["The proposal"] for c in e.changes]
    assert ("First in our sources", "1 March 2025", "20 February 2025") in changes
    assert ("Proposed or supported by", "—", "Poland") in changes
    created = {c.field: c.new for c in found["The proposal"][-1].changes}
    assert created["Address"] == proposal.slug
    assert created["Status"] == "Floated"  # the label, not the code value
    assert created["Published"] == "yes"
    fields = {c.field for e in found["The proposal"] for c in e.changes}
    assert not fields & {"First reported", "Slug", "Proponents", "Is published"}


def test_a_deleted_precondition_keeps_its_name_in_the_history(client, db):
    proposal = ProposalFactory()
    first = PreconditionFactory(proposal=proposal, description="A ceasefire holds for a month.")
    PreconditionFactory(proposal=proposal, depends_on=first, description="Monitors deploy.")
    age_history()
    first.delete()
    found = by_subject(client, proposal)
    assert found["Precondition: A ceasefire holds for a month"][0].action == "deleted"
    lost = found["Precondition: Monitors deploy"][0]
    assert [(c.field, c.old, c.new) for c in lost.changes] == [
        ("Depends on", "A ceasefire holds for a month.", "—")
    ]
