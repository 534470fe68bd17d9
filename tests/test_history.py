import pytest
from django.core.management import call_command

from proposals.models import Actor, Citation, Layer, Precondition, Proposal

from .conftest import HTMX

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
    analyst_client.post(f"{url}/status/", {"status": "met", "version": 1})
    analyst_client.post(f"{url}/delete/", {"version": 2})
    _, found = entries(analyst_client, UN)
    found = [e for e in found if e.subject.startswith("Precondition")]
    assert [(e.subject, e.action) for e in found[:2]] == [
        ("Precondition “russian-consent”", "deleted"),
        ("Precondition “russian-consent”", "changed"),
    ]
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
            "quote": "no such mission is planned",
            "proposal": citation.proposal_id,
            "version": citation.version,
        },
    )
    assert response.status_code == 302
    _, found = entries(client, UN)
    assert found[0].who == "Ada"
    assert found[0].subject.startswith("Citation")
    # The seed was loaded by a command: its records were created by the system.
    assert found[-1].who == "the system (a command or import)"
    assert found[-1].action == "created"


def test_history_includes_a_deleted_layers_citations(analyst_client, seeded):
    layer = Layer.objects.get(proposal__slug=COALITION, kind__slug="air")
    analyst_client.post(f"/proposals/{COALITION}/layers/air/delete/", {"version": layer.version})
    _, found = entries(analyst_client, COALITION)
    deleted = {(e.subject, e.action) for e in found if e.action == "deleted"}
    assert ("Air monitoring layer", "deleted") in deleted
    assert any(subject.startswith("Citation “primarily from the air") for subject, _ in deleted)


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
