"""The domain: proposals for monitoring a ceasefire, their layers, preconditions, backers and sources.

Code values (statuses, layer kind slugs) are part of the public contract (CONTRACT.md): they appear in
URLs and CSV files, and the database refuses any other value.
"""

from .actors import Actor
from .base import (
    ANALYSTS_GROUP,
    ActorKind,
    PreconditionStatus,
    ProposalStatus,
    VersionedModel,
    choices_check,
    is_analyst,
    split_lines,
    unique_slug,
)
from .evidence import Citation, Source
from .operations import DataVersion, ImportBatch, proposal_id_of
from .proposals import (
    RESERVED_SLUGS,
    SLUG,
    Layer,
    LayerKind,
    Precondition,
    Proposal,
    ProposalQuerySet,
    RetiredSlug,
    new_proposal_slug_error,
)
from .timeline import Event

__all__ = [
    "ANALYSTS_GROUP",
    "RESERVED_SLUGS",
    "SLUG",
    "Actor",
    "ActorKind",
    "Citation",
    "DataVersion",
    "Event",
    "ImportBatch",
    "Layer",
    "LayerKind",
    "Precondition",
    "PreconditionStatus",
    "Proposal",
    "ProposalQuerySet",
    "ProposalStatus",
    "RetiredSlug",
    "Source",
    "VersionedModel",
    "choices_check",
    "is_analyst",
    "new_proposal_slug_error",
    "proposal_id_of",
    "split_lines",
    "unique_slug",
]
