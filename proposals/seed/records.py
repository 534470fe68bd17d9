"""The records of the seed report (article.txt), in the project's own words and no further.

What the report says, and how it says it (README.md of shared/seed/): quotes are its exact words,
whoever's words they are (dpa's, or Lacroix's where dpa quotes him); what Lacroix said in reported
speech is a paraphrase attributed to him; the report's hedges stay hedges; what it does not say
(who provides the air and naval layers, whether the United States agreed to its role, the summit's
attendance) is not recorded. tests/test_seed.py checks every quote against article.txt.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from proposals.models import ActorKind, CitationKind, Confidence, ProposalStatus, SourceType

ARTICLE = Path(__file__).with_name("article.txt")

TUESDAY = dt.date(2025, 3, 25)  # "on Tuesday": the day Lacroix spoke in Brussels
THURSDAY = dt.date(2025, 3, 27)  # "in Paris on Thursday": the coalition's summit

SOURCE = {
    "publisher": "dpa, carried by the News Agency of Nigeria (NAN)",
    "title": "",  # the report has no headline here: none is invented
    "url": "",
    "published_on": None,
    "date_note": "The week of 25 March 2025: the report gives no date of its own, and calls "
    "25 March Tuesday and the summit of 27 March Thursday.",
    "language": "en",
    "source_type": SourceType.WIRE,
}

LACROIX = "Jean-Pierre Lacroix, UN Under-Secretary-General"

ACTORS = [
    ("United Nations", "united-nations", ActorKind.ORGANISATION, ""),
    ("UN Security Council", "un-security-council", ActorKind.ORGANISATION, ""),
    ("Russia", "russia", ActorKind.STATE, ""),
    ("Ukraine", "ukraine", ActorKind.STATE, ""),
    ("France", "france", ActorKind.STATE, ""),
    ("United Kingdom", "united-kingdom", ActorKind.STATE, ""),
    ("United States", "united-states", ActorKind.STATE, ""),
    (
        "Coalition of the willing",
        "coalition-of-the-willing",
        ActorKind.COALITION,
        "A group of European nations that call themselves the coalition of the willing. France "
        "and Britain, along with other countries that support Ukraine, are working on its "
        "security guarantees plan.",
    ),
    ("Jean-Pierre Lacroix", "jean-pierre-lacroix", ActorKind.PERSON, "UN Under-Secretary-General."),
]


def quote(text: str, *, speaker: str = "", said_on=None, hedge: str = "") -> dict:
    """The report's exact words: dpa's own, or (with `speaker`) the words dpa quotes."""
    return {
        "kind": CitationKind.QUOTE,
        "text": text,
        "speaker": speaker,
        "said_on": said_on,
        "hedge": hedge,
        "confidence": Confidence.REPORTED,
    }


def paraphrase(text: str, *, speaker: str = "", said_on=None, hedge: str = "") -> dict:
    """What the report says someone said, in our words (never shown in quotation marks)."""
    return quote(text, speaker=speaker, said_on=said_on, hedge=hedge) | {
        "kind": CitationKind.PARAPHRASE
    }


NOT_YET_PLANNED = quote("no such mission is yet planned", speaker=LACROIX, said_on=TUESDAY)
NEEDED_FIRST = paraphrase(
    "A ceasefire agreement and a mandate from the UN Security Council would be necessary before "
    "concrete planning of a UN peacekeeping mission could begin.",
    speaker=LACROIX,
    said_on=TUESDAY,
    hedge="would",
)
HYPOTHETICAL = paraphrase(
    "The scenario of a UN peacekeeping mission for Ukraine remains hypothetical.",
    speaker=LACROIX,
    said_on=TUESDAY,
)
RUSSIAS_AGREEMENT = quote("This would also require Russia’s agreement.", hedge="would")
EXPECTED_TALKS = quote(
    "Lacroix said he expected discussions on deploying UN peacekeepers to monitor a possible "
    "future ceasefire"
)
UN_FORCE = quote(
    "A true UN peacekeeping force, consisting solely of soldiers from impartial third countries, "
    "could be mobilised.",
    hedge="could",
)

UN_MISSION = {
    "slug": "un-peacekeeping-mission",
    "title": "UN peacekeeping mission to monitor a possible future ceasefire",
    "status": ProposalStatus.FLOATED,
    "first_reported": TUESDAY,
    "summary": (
        "The United Nations expects discussions on deploying UN peacekeepers to monitor a possible "
        "future ceasefire between Russia and Ukraine, but no such mission is planned. According to "
        "the UN's Under-Secretary-General Jean-Pierre Lacroix, a ceasefire agreement and a mandate "
        "from the UN Security Council would be necessary before concrete planning could begin; the "
        "report adds that this would also require Russia's agreement. Lacroix called the scenario "
        "hypothetical, and said that monitoring a ceasefire would not guarantee security."
    ),
    "citations": [
        NOT_YET_PLANNED,
        paraphrase(
            "Lacroix expected discussions on deploying UN peacekeepers to monitor a possible "
            "future ceasefire, and said that monitoring a ceasefire would not guarantee security.",
            speaker=LACROIX,
            said_on=TUESDAY,
            hedge="would",
        ),
    ],
    # Floated: the UN expects talks, and no mission is planned.
    "status_citations": [NOT_YET_PLANNED],
    "positions": [],
    "position_citations": [],
    "layers": [
        {
            "kind": "un_force",
            "description": "UN peacekeepers would monitor a possible future ceasefire.",
            "area": "",
            "assets": "UN peacekeepers",
            # No mission is planned: nobody provides it yet.
            "contributors": [],
            "citations": [EXPECTED_TALKS],
        },
    ],
    "preconditions": [
        {
            "slug": "ceasefire-agreement",
            "description": "A ceasefire agreement, before concrete planning of the mission could "
            "begin.",
            "responsible": None,
            "depends_on": None,
            "citations": [NEEDED_FIRST],
            "status_citations": [HYPOTHETICAL],
        },
        {
            "slug": "security-council-mandate",
            "description": "A mandate from the UN Security Council, before concrete planning of "
            "the mission could begin.",
            "responsible": "un-security-council",
            "depends_on": None,
            "citations": [NEEDED_FIRST],
            "status_citations": [HYPOTHETICAL],
        },
        {
            "slug": "russian-consent",
            "description": "Russia's agreement. The report says this would also be required, "
            "without spelling out for what exactly.",
            "responsible": "russia",
            "depends_on": None,
            "citations": [RUSSIAS_AGREEMENT],
            "status_citations": [HYPOTHETICAL],
        },
    ],
}

COALITION = {
    "slug": "coalition-of-the-willing-security-concept",
    "title": "Coalition of the willing: multi-layered security concept",
    "status": ProposalStatus.UNDER_DISCUSSION,
    "first_reported": TUESDAY,
    "summary": (
        "A group of European nations calling themselves the coalition of the willing recently "
        "discussed a multi-layered security concept for monitoring a potential ceasefire in "
        "Ukraine. Its layers, as the report words them: monitoring of a possible demilitarised zone "
        "along the Russia–Ukraine border, primarily from the air with satellites and drones; naval "
        "units that may be deployed to oversee freedom of navigation in the Black Sea; a UN "
        "peacekeeping force of soldiers from impartial third countries only, which could be "
        "mobilised; European forces that might be stationed on Ukraine's western border, offering "
        "training programmes; and the United States, which would serve as the overarching security "
        "guarantor.\n\n"
        "The plans emerged after US President Donald Trump's attempts to broker a ceasefire; "
        "European leaders are concerned that an agreement could lead to Ukraine making major "
        "concessions without credible security guarantees. France and Britain, along with other "
        "countries that support Ukraine, are working on a security guarantees plan, to be "
        "finalised at the coalition's summit in Paris on 27 March 2025."
    ),
    "citations": [
        quote(
            "recently discussed a multi-layered security concept for monitoring a potential "
            "ceasefire in Ukraine"
        ),
        quote(
            "These plans emerged after U.S. President Donald Trump’s attempts to broker a "
            "ceasefire agreement between Ukraine and Russia."
        ),
        quote(
            "European leaders are concerned that such an agreement could lead to Ukraine making "
            "major concessions without credible security guarantees",
            hedge="could",
        ),
    ],
    "status_citations": [quote("recently discussed a multi-layered security concept")],
    # France and Britain are working on the plan: their own stance. The United States is given a
    # role by the plan; its own stance is not reported, so it has no position.
    "positions": [
        (
            actor,
            "proposes",
            "Working, along with other countries that support Ukraine, on a security guarantees "
            "plan to be finalised at the coalition's summit in Paris.",
        )
        for actor in ("france", "united-kingdom")
    ],
    "position_citations": [
        quote(
            "France and Britain, along with other Ukraine-supporting countries, are working on a "
            "security guarantees plan"
        )
    ],
    "layers": [
        {
            "kind": "air",
            "description": "Monitoring of a possible demilitarised zone along the Russia–Ukraine "
            "border, primarily from the air with satellites and drones.",
            "area": "A possible demilitarised zone along the Russia–Ukraine border",
            "assets": "Satellites\nDrones",
            "contributors": [],  # the report names no provider
            "citations": [
                quote(
                    "The plan includes monitoring a possible demilitarised zone along the "
                    "Russia-Ukraine border, primarily from the air using satellites and drones."
                )
            ],
        },
        {
            "kind": "naval",
            "description": "Naval units may be deployed to oversee freedom of navigation in the "
            "Black Sea.",
            "area": "Black Sea",
            "assets": "Naval units",
            "contributors": [],  # the report names no provider
            "citations": [
                quote(
                    "Naval units may also be deployed to oversee freedom of navigation in the "
                    "Black Sea.",
                    hedge="may",
                )
            ],
        },
        {
            "kind": "un_force",
            "description": "A UN peacekeeping force, made up only of soldiers from impartial "
            "third countries, could be mobilised.",
            "area": "",
            "assets": "Soldiers from impartial third countries",
            "contributors": [],
            "citations": [UN_FORCE],
        },
        {
            "kind": "border_training",
            "description": "European forces might be stationed on Ukraine's western border, "
            "offering training programmes for Ukrainian partners.",
            "area": "Ukraine's western border",
            "assets": "European forces\nTraining programmes",
            # A role the plan gives European forces: no country has committed to it.
            "contributors": [],
            "citations": [
                quote(
                    "European forces might also be stationed on Ukraine’s western border, offering "
                    "training programmes for Ukrainian partners",
                    hedge="might",
                )
            ],
        },
        {
            "kind": "us_guarantor",
            "description": "In the plan, the United States would serve as the overarching "
            "security guarantor: a role the plan gives it. The report records no US commitment.",
            "area": "",
            "assets": "",
            "contributors": [],  # a role the plan gives the US, not a US commitment
            "citations": [
                quote("the U.S. would serve as the overarching security guarantor", hedge="would")
            ],
        },
    ],
    "preconditions": [],
}

PROPOSALS = (UN_MISSION, COALITION)

# The coalition's plan includes a UN peacekeeping force of troops from impartial third countries,
# and the UN expects talks on such a mission: one idea, recorded twice (issue 10). The report puts
# the two side by side without linking them, so the note says it is our reading.
RELATION = {
    "proposal": UN_MISSION["slug"],
    "kind": "same_idea_as",
    "other": COALITION["slug"],
    "note": "Our reading: the coalition's plan includes a UN peacekeeping force of soldiers from "
    "impartial third countries, the kind of mission the UN expects talks on. The report does not "
    "link the two itself.",
    "citations": [EXPECTED_TALKS, UN_FORCE],
}

EVENTS = [
    {
        "date": TUESDAY,
        "title": "UN says no peacekeeping mission for Ukraine is yet planned",
        "place": "Brussels",
        "description": "Jean-Pierre Lacroix, the UN's Under-Secretary-General, said he expected "
        "discussions on deploying UN peacekeepers to monitor a possible future ceasefire, and "
        "that a ceasefire agreement and a Security Council mandate would be necessary before "
        "concrete planning could begin.",
        "proposals": [UN_MISSION["slug"]],
        "citations": [NOT_YET_PLANNED, NEEDED_FIRST],
    },
    {
        "date": THURSDAY,
        "title": "Summit of the coalition of the willing in Paris",
        "place": "Paris",
        "description": "Hosted by French President Emmanuel Macron; Ukrainian President Volodymyr "
        "Zelensky was invited. The report, from before the summit, says the security guarantees "
        "plan will be finalised there.",
        "proposals": [COALITION["slug"]],
        "citations": [
            quote(
                "which will be finalised at a summit of the “coalition of the willing” in Paris "
                "on Thursday"
            ),
            quote(
                "Ukrainian President Volodymyr Zelensky has been invited to attend the summit "
                "hosted by French President Emmanuel Macron."
            ),
        ],
    },
]

# Titles that earlier seeds gave these events, so that `seed` can find and correct them.
EARLIER_EVENT_TITLES = {
    THURSDAY: ["Coalition of the willing summit"],
}
