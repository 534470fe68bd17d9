import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Settings for the test process, in force before the live server builds its middleware."""
    with override_settings(
        # Tests and the live server speak plain HTTP; the redirect to HTTPS is tested on its own.
        SECURE_SSL_REDIRECT=False,
        # Pages render and static files are served without collectstatic, as with `make run`;
        # production serves the collected, hashed files.
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # Every HTML response in the suite is checked for inline script and style.
        MIDDLEWARE=["tests.html_guard.InlineCodeGuardMiddleware", *settings.MIDDLEWARE],
    ):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test's database starts at the same data version; cached figures must not leak."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def seeded(db):
    call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def contract_data(transactional_db):
    """The seed for tests that commit: they flush the database after each test, data migrations
    included, so the layer kinds and the Analysts group are made again first."""
    for migration, function in [
        ("0002_seed_layer_kinds", "create_layer_kinds"),
        ("0005_analysts_group", "create_analysts_group"),
        ("0017_typed_citations", "describe_layer_kinds"),
    ]:
        module = importlib.import_module(f"proposals.migrations.{migration}")
        getattr(module, function)(apps, None)
    call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def analyst(db, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "alice", password="analyst-pass-2025", first_name="Alice", last_name="Analyst"
    )
    user.groups.add(Group.objects.get(name="Analysts"))
    return user


@pytest.fixture
def bob(db, django_user_model):
    """A second analyst."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "bob", password="analyst-pass-2025", first_name="Bob", last_name="Editor"
    )
    user.groups.add(Group.objects.get(name="Analysts"))
    return user


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def outsider_client(db, client, django_user_model):
    """Signed in, but not an analyst."""
    user = django_user_model.objects.create_user("mallory", password="reader-pass-2025")
    client.force_login(user)
    return client


HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.hookimpl(trylast=True)  # after pytest-django's own reordering
def pytest_collection_modifyitems(items):
    """tests/test_html_valid.py checks every page the other tests rendered, so it runs last."""
    last = [item for item in items if item.path.name == "test_html_valid.py"]
    if last:
        items[:] = [item for item in items if item.path.name != "test_html_valid.py"] + last
