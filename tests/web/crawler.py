"""A small link-and-form crawler over the Django test client (tests/web/test_crawler.py).

It reads a page the way a browser would for our purposes: every <a href>, every GET <form>
with the values a browser would submit untouched, and the drill-down URLs the charts carry
in their JSON (`"url": ...` inside <script type="application/json">).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit


@dataclass
class Select:
    name: str
    multiple: bool
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)

    def default(self) -> list[str]:
        chosen = [value for value, selected in self.options if selected]
        if self.multiple:
            return chosen
        if chosen:
            return chosen[-1:]  # a single select with several `selected` shows the last one
        return [self.options[0][0]] if self.options else []

    def choices(self) -> list[str]:
        return [value for value, _ in self.options if value != ""]


@dataclass
class Form:
    action: str
    method: str
    # Controls in document order: ("input", name, value) for what a browser sends as is,
    # ("select", Select).
    controls: list = field(default_factory=list)
    id: str = ""
    # Unticked checkboxes (name, value): sent only when a test ticks them (tick()).
    checkboxes: list[tuple[str, str]] = field(default_factory=list)
    # Named submit buttons (name, value): a browser sends the one pressed.
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def tick(
        self, values: list[str], button: tuple[str, str] | None = None, **fill: str
    ) -> list[tuple[str, str]]:
        """What a browser posts after ticking the checkboxes with these values, typing `fill`
        into the named fields and pressing `button` (one of self.buttons)."""
        known = {value for _, value in self.checkboxes}
        missing = set(values) - known
        assert not missing, f"no checkbox with value {sorted(missing)} in the form"
        assert button is None or button in self.buttons, f"no button {button} in the form"
        pairs = [(n, fill.get(n, v)) for n, v in self.submission()]
        pairs += [(n, v) for n, v in self.checkboxes if v in values]
        return pairs + ([button] if button else [])

    def submission(self, override: tuple[str, list[str]] | None = None) -> list[tuple[str, str]]:
        """The (name, value) pairs a browser sends, optionally with one select's value changed."""
        pairs: list[tuple[str, str]] = []
        for control in self.controls:
            if control[0] == "input":
                pairs.append((control[1], control[2]))
                continue
            select: Select = control[1]
            values = select.default()
            if override and override[0] == select.name:
                values = override[1]
            pairs.extend((select.name, v) for v in values)
        return pairs

    def variants(self) -> list[list[tuple[str, str]]]:
        """The untouched submission, then one per select with one non-empty choice picked."""
        out = [self.submission()]
        for control in self.controls:
            if control[0] == "select" and control[1].choices():
                choices = control[1].choices()
                out.append(self.submission((control[1].name, [choices[-1]])))
        return out


class PageParser(HTMLParser):
    """Links, GET forms and chart URLs of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.json_urls: list[str] = []
        self._form: Form | None = None
        self._by_id: dict[str, Form] = {}
        self._select: Select | None = None
        self._option: list | None = None
        self._textarea: list | None = None
        self._json: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = Form(action=a.get("action") or "", method=method, id=a.get("id") or "")
            self.forms.append(self._form)
            if self._form.id:
                self._by_id[self._form.id] = self._form
        elif (
            tag == "input" and self._owner(a) is not None and a.get("name") and "disabled" not in a
        ):
            form = self._owner(a)
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                form.buttons.append((a["name"], a.get("value") or ""))
                return
            if kind in ("button", "image", "reset", "file"):
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            value = a.get("value")
            if kind in ("checkbox", "radio") and "checked" not in a:
                if kind == "checkbox":
                    form.checkboxes.append((a["name"], default if value is None else value))
                return
            form.controls.append(("input", a["name"], default if value is None else value))
        elif tag == "button" and self._owner(a) is not None and a.get("name"):
            if (a.get("type") or "submit").lower() == "submit":
                self._owner(a).buttons.append((a["name"], a.get("value") or ""))
        elif tag == "select" and self._form is not None and a.get("name") and "disabled" not in a:
            self._select = Select(a["name"], "multiple" in a)
            self._form.controls.append(("select", self._select))
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, []]
        elif tag == "textarea" and self._form is not None and a.get("name"):
            self._textarea = [a["name"], []]
        elif tag == "script" and a.get("type") == "application/json":
            self._json = []

    def _owner(self, attrs: dict) -> Form | None:
        """The form a control belongs to: the one its `form` attribute names (a form seen
        earlier in the page), else the form it sits in."""
        if attrs.get("form"):
            return self._by_id.get(attrs["form"])
        return self._form

    def handle_data(self, data):
        if self._option is not None:
            self._option[2].append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._json is not None:
            self._json.append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value, selected, text = self._option
            value = "".join(text).strip() if value is None else value
            self._select.options.append((value, selected))
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self._form.controls.append(("input", name, "".join(text).lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None
        elif tag == "script" and self._json is not None:
            with contextlib.suppress(ValueError):  # not every JSON block is a chart's
                self.json_urls.extend(_urls_in(json.loads("".join(self._json))))
            self._json = None


def _urls_in(data) -> list[str]:
    if isinstance(data, dict):
        found = [v for k, v in data.items() if k == "url" and isinstance(v, str)]
        for v in data.values():
            found.extend(_urls_in(v))
        return found
    if isinstance(data, list):
        return [u for item in data for u in _urls_in(item)]
    return []


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def canonical(url: str) -> str:
    """path + sorted query: the crawler's identity of a page."""
    parts = urlsplit(url)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return parts.path + ("?" + urlencode(query) if query else "")


def local(base: str, href: str) -> str | None:
    """The site-relative URL of a link, or None for another site, a fragment or a scheme."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "https", "") or parts.netloc not in ("testserver", ""):
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


def form_url(base: str, form: Form, pairs: list[tuple[str, str]]) -> str | None:
    target = local(base, form.action) if form.action else urlsplit(base).path
    if target is None:
        return None
    return urlsplit(target).path + ("?" + urlencode(pairs) if pairs else "")
