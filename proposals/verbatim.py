"""Whether a quotation is a source's exact words.

Typing cannot always reproduce a source's typography, so the comparison treats the forms of one
character alike (curly and straight quotation marks and apostrophes, hyphens and dashes) and any run
of white space as one space. Everything else must match, letter for letter and in the same case;
the quote is then stored as the source writes it.
"""

from __future__ import annotations

import re

ALIKE = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—−", "-"),
        "\u00a0": " ",
    }
)
SPACE = re.compile(r"\s+")


def _normalised(text: str) -> tuple[str, list[int]]:
    """The text with alike characters made one and spaces collapsed, and for each character of
    the result its position in `text`."""
    chars: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text.translate(ALIKE)):
        if char.isspace():
            if chars and chars[-1] == " ":
                continue
            char = " "
        chars.append(char)
        origin.append(i)
    return "".join(chars), origin


def find(quote: str, text: str) -> str | None:
    """The passage of `text` that `quote` reproduces, as `text` writes it; None if there is none."""
    wanted, _ = _normalised(quote.strip())
    wanted = wanted.strip()
    if not wanted:
        return None
    haystack, origin = _normalised(text)
    start = haystack.find(wanted)
    if start < 0:
        return None
    end = start + len(wanted) - 1
    return text[origin[start] : origin[end] + 1]


def problem(quote: str, text: str) -> str | None:
    """Why `quote` cannot be stored as a quotation of a source whose full text is `text`, or None.

    A source without a stored text cannot be checked, so any quote passes."""
    if not text.strip() or find(quote, text) is not None:
        return None
    stripped = quote.strip()
    if stripped[:1] in "\"“‘'" and stripped[-1:] in "\"”’'":
        return "Leave out the quotation marks around the quote: the page adds them."
    return (
        "These words are not in the source's text. Copy them exactly as the source writes them "
        "(one continuous passage, no words left out or added), or record a paraphrase instead."
    )
