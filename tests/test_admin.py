import pytest
from django.contrib import admin
from django.urls import reverse

from .factories import CitationFactory, EventFactory, full_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw-12345")
    client.force_login(user)
    return client


def test_every_model_has_working_admin_pages(staff_client, seeded):
    full_proposal()
    EventFactory()
    CitationFactory(proposal=full_proposal())
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "proposals":
            continue
        info = model._meta.app_label, model._meta.model_name
        changelist = staff_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, model
        if model_admin.has_add_permission(changelist.wsgi_request):
            assert staff_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200
        obj = model.objects.first()
        if obj is not None:
            change = staff_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            assert change.status_code == 200, model


def test_proposal_admin_has_search_and_inlines(staff_client, seeded):
    response = staff_client.get(reverse("admin:proposals_proposal_changelist"), {"q": "coalition"})
    assert response.status_code == 200
    assert "Coalition of the willing: multi-layered security concept" in response.content.decode()
    from proposals.models import Proposal

    un = Proposal.objects.get(slug="un-peacekeeping-mission")
    html = staff_client.get(reverse("admin:proposals_proposal_change", args=[un.pk])).content
    html = html.decode()
    assert (
        "A mandate from the UN Security Council, before concrete planning of the mission could begin."
        in html
    )
    assert "Citations supporting the proposal" in html


def test_admin_requires_staff(client, seeded):
    response = client.get(reverse("admin:proposals_proposal_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("model", ["layer", "precondition"])
def test_a_layer_or_precondition_stays_on_its_proposal(staff_client, seeded, model):
    """Chosen when it is added; shown, not editable, once it exists."""
    from proposals.models import Layer, Precondition

    record = (Layer if model == "layer" else Precondition).objects.first()
    add = staff_client.get(reverse(f"admin:proposals_{model}_add")).content.decode()
    change = staff_client.get(reverse(f"admin:proposals_{model}_change", args=[record.pk]))
    assert 'name="proposal"' in add
    assert 'name="proposal"' not in change.content.decode()
    assert record.proposal.title in change.content.decode()
