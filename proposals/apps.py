from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "Ceasefire monitoring proposals"

    def ready(self) -> None:
        from . import cached, search, supersession, unsourced

        search.connect()
        cached.connect()
        supersession.connect()
        unsourced.connect()
