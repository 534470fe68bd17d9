"""{% link %}: {% url %} for the links a page repeats for each record, at a fraction of the cost.

Each route is reversed once per process (and script prefix and URLconf), with stand-ins for its
arguments, and each link fills in its own; an argument that is not a plain slug or number (which
reverse() would have to quote) is reversed as {% url %} would.
"""

import re

from django import template
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

register = template.Library()

PLAIN = re.compile(r"[-a-zA-Z0-9_]+")
# Digits pass every path converter; no route holds such a run of them.
STAND_IN = "9876543210{}0123456789"
_routes: dict[tuple, list[str]] = {}


def link_to(name: str, *args) -> str:
    """reverse(name, args=args), reversed once per route."""
    values = [str(arg) for arg in args]
    if not all(PLAIN.fullmatch(value) for value in values):
        return reverse(name, args=args)
    key = (get_script_prefix(), get_resolver(get_urlconf()), name, len(args))
    parts = _routes.get(key)
    if parts is None:
        url = reverse(name, args=[STAND_IN.format(n) for n in range(len(args))])
        parts = []
        for n in range(len(args)):
            before, url = url.split(STAND_IN.format(n), 1)
            parts.append(before)
        parts.append(url)
        _routes[key] = parts
    return "".join(part for pair in zip(parts, [*values, ""], strict=True) for part in pair)


@register.simple_tag
def link(name: str, *args) -> str:
    return link_to(name, *args)
