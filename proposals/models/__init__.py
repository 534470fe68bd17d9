"""The domain: proposals for monitoring a ceasefire, their layers, preconditions, backers and sources.

Code values (statuses, layer kind slugs) are part of the public contract (CONTRACT.md): they appear in
URLs and CSV files, and the database refuses any other value.
"""

from .actors import Actor, Commitment, Position
from .base import (
    ANALYSTS_GROUP,
    BACKING,
    ActorKind,
    CitationKind,
    Confidence,
    MandateSource,
    MissionPurpose,
    Phase,
    PreconditionStatus,
    ProposalStatus,
    RelationKind,
    SourceType,
    Stance,
    Unit,
    VersionedModel,
    choices_check,
    is_analyst,
    split_lines,
    unique_slug,
)
from .evidence import CLAIMS, PROPOSAL_PATHS, Citation, Source, of_proposal
from .operations import DataVersion, ImportBatch, WorkspaceVisit, proposal_id_of
from .proposals import (
    RESERVED_SLUGS,
    SLUG,
    Layer,
    LayerKind,
    Precondition,
    Proposal,
    ProposalQuerySet,
    ProposalRelation,
    RetiredSlug,
    new_proposal_slug_error,
)
from .timeline import Event, StatusChange

__all__ = [
    "ANALYSTS_GROUP",
    "BACKING",
    "CLAIMS",
    "PROPOSAL_PATHS",
    "Commitment",
    "MandateSource",
    "MissionPurpose",
    "Phase",
    "Position",
    "ProposalRelation",
    "RelationKind",
    "Stance",
    "StatusChange",
    "Unit",
    "RESERVED_SLUGS",
    "SLUG",
    "Actor",
    "ActorKind",
    "Citation",
    "CitationKind",
    "Confidence",
    "SourceType",
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
    "WorkspaceVisit",
    "choices_check",
    "is_analyst",
    "new_proposal_slug_error",
    "of_proposal",
    "proposal_id_of",
    "split_lines",
    "unique_slug",
]
