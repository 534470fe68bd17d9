import pytest
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
    ):
        yield


@pytest.fixture
def seeded(db):
    from django.core.management import call_command

    call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
