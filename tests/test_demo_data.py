import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from proposals.models import Actor, Layer, LayerKind, Precondition, Proposal, RetiredSlug

pytestmark = pytest.mark.django_db


def demo(n: int) -> None:
    call_command("demo_data", proposals=n, stdout=open("/dev/null", "w"))  # noqa: SIM115


def content():
    return [
        (
            p.slug,
            p.title,
            p.status,
            p.first_reported,
            sorted(a.name for a in p.proponents.all()),
            sorted((layer.kind.slug, layer.area) for layer in p.layers.all()),
            sorted((c.slug, c.status) for c in p.preconditions.all()),
        )
        for p in Proposal.objects.order_by("slug").prefetch_related(
            "proponents", "layers__kind", "preconditions"
        )
    ]


def test_demo_data_is_deterministic():
    demo(20)
    first = content()
    Proposal.objects.all().delete()
    RetiredSlug.objects.all().delete()  # as in a fresh database
    demo(20)
    assert len(first) == 20
    assert content() == first


def test_demo_data_never_reuses_a_deleted_slug():
    demo(2)
    Proposal.objects.get(slug="demo-000002").delete()
    demo(1)
    assert list(Proposal.objects.order_by("slug").values_list("slug", flat=True)) == [
        "demo-000001",
        "demo-000003",
    ]


def test_demo_data_adds_proposals_with_realistic_variety():
    demo(80)
    assert Proposal.objects.count() == 80
    assert set(Proposal.objects.values_list("status", flat=True)) == set(Proposal.Status.values)
    assert set(Layer.objects.values_list("kind__slug", flat=True)) == set(
        LayerKind.objects.values_list("slug", flat=True)
    )
    assert set(Precondition.objects.values_list("status", flat=True)) == set(
        Precondition.Status.values
    )
    assert Precondition.objects.exclude(depends_on=None).exists()
    assert Actor.objects.filter(name="France", kind="state").exists()
    assert Actor.objects.filter(name="OSCE", kind="organisation").exists()
    assert all(
        title.startswith("Demo ") for title in Proposal.objects.values_list("title", flat=True)
    )
    assert all(p.citations.exists() for p in Proposal.objects.all()[:10])


def test_demo_data_adds_to_what_is_there():
    demo(3)
    demo(2)
    assert list(Proposal.objects.order_by("slug").values_list("slug", flat=True)) == [
        "demo-000001",
        "demo-000002",
        "demo-000003",
        "demo-000004",
        "demo-000005",
    ]


def test_demo_data_refuses_a_nonsensical_count():
    with pytest.raises(CommandError, match="between 1 and"):
        demo(0)


def test_demo_proposals_can_be_searched(client):
    demo(5)
    area = Proposal.objects.order_by("slug").first().layers.first().area
    word = area.split()[-1]
    response = client.get("/proposals/", {"q": word})
    assert response.context["page_obj"].paginator.count >= 1
