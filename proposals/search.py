"""Full-text search over everything a proposal says, and the snippet that shows why it matched.

Each proposal stores a search document: its title, summary, layers (kinds, descriptions, areas,
assets, contributors), preconditions (and who must act), backers, and the titles and quotes of the
sources that it cites. Signals keep it current on every save. PostgreSQL stores its English
tsvector beside it, searches that through a GIN index and ranks the matches; SQLite, the embedded default, matches every
word as a substring, which gives the same results for plain words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import involvement, status_spans, tallies, writes
from .models import (
    Actor,
    Citation,
    DataVersion,
    Event,
    Layer,
    LayerKind,
    Precondition,
    Proposal,
    Source,
    proposal_id_of,
)

CONFIG = "english"
CHUNK = 500
SNIPPET_CHARS = 220
MAX_WORDS = 12


def document_texts(proposal_ids: Iterable[int]) -> dict[int, str]:
    """The search document of each proposal, in a fixed number of queries per chunk of ids."""
    ids = list(proposal_ids)
    parts: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for pk, title, summary in Proposal.objects.filter(pk__in=chunk).values_list(
            "pk", "title", "summary"
        ):
            parts[pk] += [title, summary]
        # In a fixed order, so that a document rewritten from the same records is the same.
        for pk, name in (
            Proposal.proponents.through.objects.filter(proposal_id__in=chunk)
            .order_by("actor__name", "pk")
            .values_list("proposal_id", "actor__name")
        ):
            parts[pk].append(name)
        for pk, *texts in Layer.objects.filter(proposal_id__in=chunk).values_list(
            "proposal_id", "kind__name", "description", "area", "assets"
        ):
            parts[pk] += texts
        for pk, name in (
            Layer.contributors.through.objects.filter(layer__proposal_id__in=chunk)
            .order_by("layer__kind__display_order", "layer_id", "actor__name", "pk")
            .values_list("layer__proposal_id", "actor__name")
        ):
            parts[pk].append(name)
        for pk, description, responsible in Precondition.objects.filter(
            proposal_id__in=chunk
        ).values_list("proposal_id", "description", "responsible__name"):
            parts[pk] += [description, responsible or ""]
        citations = Citation.objects.filter(
            Q(proposal_id__in=chunk)
            | Q(layer__proposal_id__in=chunk)
            | Q(precondition__proposal_id__in=chunk)
        ).values_list(
            "proposal_id",
            "layer__proposal_id",
            "precondition__proposal_id",
            "text",
            "speaker",
            "source__title",
            "source__publisher",
        )
        for direct, via_layer, via_precondition, *texts in citations:
            parts[direct or via_layer or via_precondition] += texts
    return {pk: "\n".join(text for text in texts if text) for pk, texts in parts.items()}


def refresh(proposal_ids: Iterable[int]) -> None:
    """Rewrite the search documents of these proposals (without touching their history)."""
    documents = document_texts(set(proposal_ids))
    Proposal.objects.bulk_update(
        [Proposal(pk=pk, search_document=text) for pk, text in documents.items()],
        ["search_document"],
        batch_size=CHUNK,
    )
    if connection.vendor == "postgresql":
        ids = list(documents)
        for start in range(0, len(ids), CHUNK):
            Proposal.objects.filter(pk__in=ids[start : start + CHUNK]).update(
                search_vector=SearchVector("search_document", config=CONFIG)
            )


def words_of(query: str) -> list[str]:
    return re.findall(r"\w+", query.lower())[:MAX_WORDS]


class UnseenQuery(SearchQuery):
    """A tsquery that the planner sees only when the query runs (an InitPlan).

    Knowing the words, PostgreSQL reckons that a common one matches a fifth of the proposals and
    scans them all, decompressing every stored vector (ten times the work of the GIN index, a
    cost it does not count); not knowing them, it goes through the index.
    """

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return f"(SELECT {sql})", params


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Proposals whose search document has every word of the query (ranked on PostgreSQL)."""
    words = words_of(query)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        tsquery = UnseenQuery(" ".join(words), search_type="plain", config=CONFIG)
        return queryset.filter(search_vector=tsquery).annotate(
            search_rank=SearchRank(F("search_vector"), tsquery)
        )
    for word in words:
        queryset = queryset.filter(search_document__icontains=word)
    return queryset


def snippet(document: str, query: str) -> SafeString:
    """The part of the document around the first match, escaped, with the matches in <mark>."""
    words = words_of(query)
    if not words or not document:
        return mark_safe("")  # noqa: S308 (empty)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)
    text = " ".join(document.split())
    found = pattern.search(text)
    start = max(0, (found.start() if found else 0) - SNIPPET_CHARS // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    window = text[start:end]
    html, last = [], 0
    for match in pattern.finditer(window):
        html += [escape(window[last : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        last = match.end()
    html.append(escape(window[last:]))
    return mark_safe(  # noqa: S308 (every piece of text is escaped above)
        ("… " if start else "") + "".join(html) + (" …" if end < len(text) else "")
    )


# Keeping the documents current -------------------------------------------------------------


class Waiting:
    """Inside deferred(): whether anything was saved, and whose documents wait to be rewritten."""

    def __init__(self) -> None:
        self.changed = False
        self.ids: set[int] = set()


_waiting: ContextVar[Waiting | None] = ContextVar("search_waiting", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """For a command that saves many records of the same proposals at once (the seed): their
    documents are rewritten, and the data version raised, once at the end, not at every save.
    Use it inside the command's transaction, so that no reader sees the documents lag."""
    if _waiting.get() is not None:  # nested: the outer one does it
        yield
        return
    waiting = Waiting()
    token = _waiting.set(waiting)
    try:
        yield
    finally:
        _waiting.reset(token)
    if waiting.changed:
        DataVersion.bump()
    if waiting.ids:
        from . import unsourced

        writes.lock_proposals(waiting.ids)
        refresh(waiting.ids)
        involvement.refresh(waiting.ids)
        tallies.refresh(waiting.ids)
        status_spans.refresh(waiting.ids)
        unsourced.refresh(waiting.ids)


def defer(ids: set[int | None]) -> bool:
    """Inside deferred(): note these proposals, whose derived data (proposals.involvement,
    status_spans, unsourced) is then rewritten once at its end; False outside it."""
    waiting = _waiting.get()
    if waiting is None:
        return False
    waiting.ids.update(pk for pk in ids if pk is not None)
    return True


def on_change(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    waiting = _waiting.get()
    if waiting is not None:
        waiting.changed = True
    elif not writes.note_write():  # a change through proposals.writes raises it at its end
        DataVersion.bump()
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= {"search_document"}:
        return
    if isinstance(instance, Actor):
        ids = set(instance.proposals_backed.values_list("pk", flat=True))
        ids |= set(instance.layer_contributions.values_list("proposal_id", flat=True))
        ids |= set(instance.responsibilities.values_list("proposal_id", flat=True))
    elif isinstance(instance, Source):
        ids = set(
            Proposal.objects.filter(
                Q(citations__source=instance)
                | Q(layers__citations__source=instance)
                | Q(preconditions__citations__source=instance)
            ).values_list("pk", flat=True)
        )
    elif isinstance(instance, LayerKind):
        ids = set(instance.layers.values_list("proposal_id", flat=True))
    else:
        ids = {proposal_id_of(instance)} - {None}
    if ids and waiting is not None:
        waiting.ids.update(ids)
    elif ids:
        writes.lock_proposals(ids)  # in the write path's order: an actor may concern many
        refresh(ids)
        if isinstance(instance, (Proposal, Layer, Actor)):  # its backers or contributors
            involvement.refresh(ids)
        if isinstance(instance, (Proposal, Precondition)):  # its preconditions' statuses
            tallies.refresh(ids)
            status_spans.refresh(ids)


def on_m2m_change(sender, instance, action, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        on_change(sender, instance)


def on_delete(sender, instance, **kwargs) -> None:
    on_change(sender, instance, **kwargs)


def connect() -> None:
    """Keep the search documents current, and bump the data version, on every change."""
    for model in (Proposal, Layer, Precondition, Citation, Actor, Source, LayerKind, Event):
        post_save.connect(on_change, sender=model, dispatch_uid=f"search-save-{model.__name__}")
    for model in (Proposal, Layer, Precondition, Citation, Actor, Source, LayerKind, Event):
        post_delete.connect(on_delete, sender=model, dispatch_uid=f"search-delete-{model.__name__}")
    for through in (
        Proposal.proponents.through,
        Layer.contributors.through,
        Event.proposals.through,
    ):
        m2m_changed.connect(on_m2m_change, sender=through, dispatch_uid=f"search-m2m-{through}")
