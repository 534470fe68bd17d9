"""Links that keep the day a page shows (?as_of=): {% day_url 'proposal-detail' slug %}."""

from django import template

from .links import link_to

register = template.Library()


@register.simple_tag(takes_context=True)
def day_url(context, name: str, *args) -> str:
    url = link_to(name, *args)
    query = context.get("as_of_query")
    return f"{url}?{query}" if query else url
