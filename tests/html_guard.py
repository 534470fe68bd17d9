"""Fails any test whose pages carry script or style that the Content-Security-Policy would block.

tests/conftest.py puts this middleware outermost for the whole suite, so every HTML response a
test renders (pages, fragments, error pages, the admin, the live server the browser tests use) is
checked: no inline <script>, no <style> element, no style="…" or on…="…" attribute, no
javascript: address.
"""

from html.parser import HTMLParser

from django.http import HttpRequest, HttpResponse


class InlineCodeFound(AssertionError):
    pass


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script_src = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        if tag == "script":
            if "src" in names:
                self._in_script_src = True
            else:
                self.problems.append("an inline <script> element")
        if tag == "style":
            self.problems.append("a <style> element")
        for name, value in names.items():
            if name == "style":
                self.problems.append(f'style="{value}" on <{tag}>')
            elif name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            elif name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"a javascript: address in {name} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script_src = False

    def handle_data(self, data):
        if self._in_script_src and data.strip():
            self.problems.append("code inside a <script src> element")


def inline_code(html: str) -> list[str]:
    """Every piece of inline script or style in a document, described."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems


class InlineCodeGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and (problems := inline_code(response.content.decode(response.charset or "utf-8")))
        ):
            raise InlineCodeFound(f"{request.path} carries {'; '.join(problems)}")
        return response
