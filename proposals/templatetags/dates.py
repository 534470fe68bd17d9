"""Days as the pages write them, for the dates a page repeats for each record: {{ day|long_date }}
is {{ day|date:"j F Y" }} ("25 March 2025") and {{ day|iso_date }} is {{ day|date:"Y-m-d" }},
without the locale lookups the date filter makes each time (the site is in English only)."""

import datetime as dt

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.dates import MONTHS

register = template.Library()


@register.filter
def long_date(day: dt.date | None) -> str:
    if type(day) is not dt.date:  # a time, or nothing: as the date filter does it
        return date_filter(day, "j F Y")
    return f"{day.day} {MONTHS[day.month]} {day.year}"


@register.filter
def iso_date(day: dt.date | None) -> str:
    if type(day) is not dt.date:
        return date_filter(day, "Y-m-d")
    return day.isoformat()
