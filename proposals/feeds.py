"""Atom feeds of published changes: the whole site's and one proposal's (Django's syndication).

Each entry is an entry of a proposal's public history, linked to it on the history page. Drafts,
and what changed while a proposal was a draft, never appear, whoever asks.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .changes import LIMIT, PublishedChange, cached_changes, proposal_changes
from .models import Proposal


class ChangeFeed(Feed):
    feed_type = Atom1Feed
    description_template = "feeds/change.html"
    author_name = "Ceasefire Monitor"

    def item_title(self, change: PublishedChange) -> str:
        entry = change.entry
        return f"{change.proposal.title}: {entry.subject} {entry.action}"

    def item_link(self, change: PublishedChange) -> str:
        return change.url

    def item_guid(self, change: PublishedChange) -> str:
        return change.url  # made absolute by the feed; unique and stable per entry

    def item_updateddate(self, change: PublishedChange):
        return change.entry.when

    def item_pubdate(self, change: PublishedChange):
        return change.entry.when

    def item_author_name(self, change: PublishedChange) -> str:
        return change.entry.who

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["change"] = kwargs["item"]
        return context


class SiteChanges(ChangeFeed):
    """The last 50 published changes, across every proposal."""

    title = "Ceasefire Monitor: changes"
    subtitle = (
        "The latest changes to the published proposals for monitoring a Russia–Ukraine "
        "ceasefire: their layers, preconditions, positions, commitments and sources."
    )

    def link(self) -> str:
        return reverse("proposal-list")

    def feed_url(self) -> str:
        return reverse("feed-changes")

    def items(self) -> list[PublishedChange]:
        return cached_changes(limit=LIMIT).changes


class ProposalChanges(ChangeFeed):
    """The last 50 published changes of one published proposal."""

    def get_object(self, request, slug: str) -> Proposal:
        return get_object_or_404(Proposal.objects.published(), slug=slug)

    def title(self, proposal: Proposal) -> str:
        return f"{proposal.title}: changes · Ceasefire Monitor"

    def subtitle(self, proposal: Proposal) -> str:
        return f"Every published change to our record of {proposal.title}, newest first."

    def link(self, proposal: Proposal) -> str:
        return reverse("proposal-history", args=[proposal.slug])

    def feed_url(self, proposal: Proposal) -> str:
        return reverse("proposal-feed", args=[proposal.slug])

    def items(self, proposal: Proposal) -> list[PublishedChange]:
        return proposal_changes(proposal, LIMIT)
