from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "Ceasefire monitoring proposals"

    def ready(self) -> None:
        from . import cached, involvement, search, status_spans, supersession, unsourced

        search.connect()
        cached.connect()
        supersession.connect()
        involvement.connect()  # after supersession: the positions are dated first
        status_spans.connect()  # the same for status changes
        unsourced.connect()
