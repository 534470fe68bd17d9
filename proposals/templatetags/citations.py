"""{% citations claim.cited %}: what the sources say for one claim, or that none says it yet.

A quote is the source's exact words, in quotation marks; a paraphrase is our wording, never in
quotation marks. The speaker is named only when it is not the publisher. `compact`: the sources'
names only (in tables). `removable`: analysts may remove them (on the proposal page, where the
claim's block is swapped back).

Built here rather than in a template because a proposal's page shows it for every claim it
makes: an include per claim cost more than the rest of the claim's markup.
"""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .dates import iso_date, long_date
from .links import link_to

register = template.Library()

UNSOURCED = (
    '\n<p class="unsourced"><a class="badge badge--unsourced" href="{}#sources">No source yet</a>'
    '<span class="visually-hidden"> for this claim</span></p>\n'
)


@register.simple_tag(takes_context=True)
def citations(context, citations, compact=False, removable=False) -> SafeString:
    if not citations:
        return format_html(UNSOURCED, link_to("about"))
    if compact:
        return mark_safe(  # noqa: S308 (each part escaped by format_html)
            '\n\n<span class="citations citations--compact">'
            + "; ".join(
                format_html(
                    '<a href="{}">{}</a>{}',
                    link_to("source-detail", citation.source_id),
                    citation.source.publisher,
                    ""
                    if citation.is_quote
                    else mark_safe(' <span class="muted">(paraphrase)</span>'),
                )
                for citation in citations
            )
            + "</span>\n\n"
        )
    about = link_to("about")
    removal = removable and context.get("is_analyst")
    items = []
    for citation in citations:
        speaker = citation.shown_speaker
        by = format_html(
            "{}{}, as reported by ",
            speaker,
            format_html(
                ', <time datetime="{}">{}</time>',
                iso_date(citation.said_on),
                long_date(citation.said_on),
            )
            if citation.said_on
            else "",
        )
        source = format_html(
            '{}<a href="{}">{}</a>\n      ',
            by if speaker else "",
            link_to("source-detail", citation.source_id),
            citation.source.publisher,
        )
        if citation.is_quote:
            said = format_html(
                '\n      <blockquote class="quote"><p>“{}”</p></blockquote>\n'
                '      <div class="citation__by">— {}',
                citation.text,
                source,
            )
        else:
            said = format_html(
                '\n      <p class="paraphrase">{}</p>\n'
                '      <div class="citation__by">— <span class="citation__kind">paraphrase,</span>'
                " according to {}",
                citation.text,
                source,
            )
        items.append(
            format_html(
                '\n    <li class="citation citation--{}" id="citation-{}">\n      {}'
                '\n        <span class="citation__meta">{}<a class="confidence confidence--{}"'
                ' href="{}#confidence-{}">{}</a></span>\n        {}\n      </div>\n    </li>\n  ',
                citation.kind,
                citation.pk,
                said,
                format_html("<span>The source hedges: <em>{}</em></span> ", citation.hedge)
                if citation.hedge
                else "",
                citation.confidence,
                about,
                citation.confidence,
                citation.get_confidence_display(),
                removal_form(context, citation) if removal else "",
            )
        )
    return mark_safe(  # noqa: S308 (each part escaped by format_html)
        '\n\n<ul class="citations" aria-label="What the sources say">\n  '
        + "".join(items)
        + "\n</ul>\n\n"
    )


def removal_form(context, citation) -> SafeString:
    remove = link_to("citation-delete", context["proposal"].slug, citation.pk)
    return format_html(
        '\n        <form class="inline-form" method="post" action="{}" hx-post="{}"'
        ' hx-confirm="Remove this citation?">\n'
        '          <input type="hidden" name="version" value="{}">\n'
        "          {}\n"
        '          <button class="link-button danger-link" type="submit">Remove'
        '<span class="visually-hidden"> this citation</span></button>\n'
        "        </form>\n        ",
        remove,
        remove,
        citation.version,
        CsrfTokenNode().render(context),
    )
