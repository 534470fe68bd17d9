"""Every code value defined in one sentence, for the about page (templates/proposals/about.html).

One dict per set of choices, from each value to its definition; tests/test_about.py fails when a
value has none, so a new value cannot reach the site unexplained. Layer kinds are not here: their
descriptions live in the database, where analysts add kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from .models import (
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
)

PROPOSAL_STATUS = {
    ProposalStatus.FLOATED: "Put forward in public, with no formal talks on it reported yet.",
    ProposalStatus.UNDER_DISCUSSION: "Governments or organisations are reported to be discussing "
    "or negotiating it.",
    ProposalStatus.AGREED: "The actors it depends on have agreed to it, but it is not yet in "
    "operation.",
    ProposalStatus.OPERATIONAL: "In operation: the monitors, forces or guarantees it describes "
    "are in place.",
    ProposalStatus.SHELVED: "Dropped or set aside, according to our sources, though it can return.",
}

PRECONDITION_STATUS = {
    PreconditionStatus.UNMET: "Our sources do not report it as met, nor any steps towards it; "
    "this is not proof that nothing has happened.",
    PreconditionStatus.IN_PROGRESS: "Our sources report steps towards it, such as talks or a "
    "draft, but not that it has happened.",
    PreconditionStatus.MET: "Our sources report that it has happened, for example that a "
    "mandate has been adopted.",
}

STANCE = {
    Stance.PROPOSES: "The actor has put the proposal forward itself, alone or with others.",
    Stance.SUPPORTS: "The actor has said that it backs the proposal.",
    Stance.CONDITIONAL: "The actor has said that it would back the proposal only if certain "
    "conditions are met.",
    Stance.UNDECIDED: "The actor has spoken about the proposal without saying whether it backs it.",
    Stance.DECLINES: "The actor has said that it will not take part, without opposing the "
    "proposal as such.",
    Stance.OPPOSES: "The actor has said that it is against the proposal.",
}

PHASE = {
    Phase.PLEDGED: "The actor has promised in public to contribute.",
    Phase.PLANNED: "The actor has announced concrete plans for its contribution, such as which "
    "units or when.",
    Phase.DEPLOYED: "The contribution is in place, according to our sources.",
    Phase.WITHDRAWN: "The actor has taken back its pledge or pulled out what it had deployed.",
}

UNIT = {
    Unit.TROOPS: "A number of soldiers or other military personnel.",
    Unit.SHIPS: "A number of naval vessels.",
    Unit.AIRCRAFT: "A number of crewed aircraft; drones are counted on their own.",
    Unit.DRONES: "A number of uncrewed aircraft or vessels.",
    Unit.EUR: "An amount of money, in euros.",
    Unit.OTHER: "Anything else, described in the commitment's note.",
}

CITATION_KIND = {
    CitationKind.QUOTE: "The source's exact words, shown in quotation marks and checked against "
    "the source's text when we hold it.",
    CitationKind.PARAPHRASE: "The source's meaning in our own words, never in quotation marks, "
    "shown as according to the source.",
}

CONFIDENCE = {
    Confidence.REPORTED: "One source reports it, and we have not yet found a second source or "
    "an official statement.",
    Confidence.CONFIRMED: "A second, independent source reports the same thing.",
    Confidence.OFFICIAL: "A government or organisation involved has said it officially, in a "
    "statement or document of its own.",
}

SOURCE_TYPE = {
    SourceType.WIRE: "A news agency's report, written for other media to carry.",
    SourceType.OFFICIAL: "A statement or document published by a government or an "
    "international organisation.",
    SourceType.PRESS: "A report by a newspaper, magazine, broadcaster or news website.",
    SourceType.ANALYSIS: "Research or commentary by a think tank, an academic or another expert.",
    SourceType.OTHER: "Any other publication, such as a post on social media or a transcript.",
}

ACTOR_KIND = {
    ActorKind.STATE: "A country, acting through its government.",
    ActorKind.ORGANISATION: "An organisation of states, such as the UN or the EU, or one of its "
    "bodies, such as the UN Security Council.",
    ActorKind.COALITION: "An informal group of states that act together on the proposals.",
    ActorKind.PERSON: "A person whose statements we record in their own name, such as a UN "
    "official or an envoy.",
}

RELATION_KIND = {
    RelationKind.PART_OF: "This proposal is one part of the other, larger one.",
    RelationKind.SAME_IDEA_AS: "The two describe the same plan, under other names or from other "
    "actors.",
    RelationKind.COMPETES_WITH: "The two are alternatives: adopting one would make the other "
    "less likely.",
    RelationKind.SUPERSEDES: "This proposal is a newer version that replaces the other.",
}

MANDATE_SOURCE = {
    MandateSource.UNSC_CHAPTER_VI: "A UN Security Council resolution under Chapter VI of the UN "
    "Charter: a mission with the parties' consent, using force only in self-defence.",
    MandateSource.UNSC_CHAPTER_VII: "A UN Security Council resolution under Chapter VII of the "
    "UN Charter, which can authorise force even without the parties' consent.",
    MandateSource.HOST_INVITATION: "An invitation from the state where the mission would work, "
    "without a UN mandate.",
    MandateSource.COALITION_AGREEMENT: "An agreement among the states that take part, outside "
    "the UN.",
    MandateSource.EU_DECISION: "A decision of the Council of the European Union, as for an EU "
    "mission.",
    MandateSource.OSCE_DECISION: "A decision of the OSCE, which needs the consent of all its "
    "members, Russia and Ukraine included.",
    MandateSource.OTHER: "Any other basis, described in the proposal's summary.",
}

MISSION_PURPOSE = {
    MissionPurpose.MONITOR_AND_VERIFY: "To watch and report whether the ceasefire holds, "
    "without enforcing it.",
    MissionPurpose.SEPARATE_FORCES: "To stand between the two armies, for example in a "
    "demilitarised zone, and keep them apart.",
    MissionPurpose.REASSURE_AND_DETER: "To show support for Ukraine and discourage a new "
    "attack, usually from away from the front line.",
    MissionPurpose.GUARANTEE: "To promise to act, by force if needed, if the ceasefire is broken.",
}

# The about page's lists, by the name the template uses.
GLOSSARY: dict[str, tuple[type[models.TextChoices], dict[str, str]]] = {
    "proposal_status": (ProposalStatus, PROPOSAL_STATUS),
    "precondition_status": (PreconditionStatus, PRECONDITION_STATUS),
    "stance": (Stance, STANCE),
    "phase": (Phase, PHASE),
    "unit": (Unit, UNIT),
    "citation_kind": (CitationKind, CITATION_KIND),
    "confidence": (Confidence, CONFIDENCE),
    "source_type": (SourceType, SOURCE_TYPE),
    "actor_kind": (ActorKind, ACTOR_KIND),
    "relation_kind": (RelationKind, RELATION_KIND),
    "mandate_source": (MandateSource, MANDATE_SOURCE),
    "mission_purpose": (MissionPurpose, MISSION_PURPOSE),
}


@dataclass(frozen=True)
class Term:
    label: str
    value: str
    definition: str


def terms() -> dict[str, list[Term]]:
    """Each list's values in the order of their choices, with label and definition."""
    return {
        name: [Term(label, value, definitions[value]) for value, label in choices.choices]
        for name, (choices, definitions) in GLOSSARY.items()
    }
