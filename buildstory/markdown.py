"""The one place user text becomes HTML (docs/rules.md "Profiles", docs/architecture.md "Layers").

Python-Markdown runs with every block and inline feature removed except paragraphs,
bold, italic, strikethrough, http(s) links and single-newline line breaks; anything else
(headings, lists, code, quotes, images, raw HTML, entities, autolinks, references) stays
literal, escaped text. nh3 then cleans the result against an allow-list of exactly the
tags this produces, so a bug in the first stage still cannot emit executable markup.
"""
from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as etree
from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from markdown import Extension, Markdown
from markdown.inlinepatterns import LinkInlineProcessor, SubstituteTagInlineProcessor
from markupsafe import Markup

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "del", "a"})
URL_SCHEMES = frozenset({"http", "https"})
LINK_REL = "noopener noreferrer nofollow"

_KEEP_BLOCKS = {"empty", "paragraph"}
_KEEP_INLINE = {"escape", "em_strong"}
# Whitespace, control characters, quotes, angle brackets and backslashes never belong in
# a link target we emit (real URLs percent-encode them).
_BAD_URL_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\"'<>\\`]")
# Bounds on how far a link's [text] and (url) are looked for, so text full of brackets
# cannot make rendering quadratic.
MAX_LINK_TEXT, MAX_LINK_URL = 200, 600


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host and no whitespace or control chars."""
    if not url or _BAD_URL_CHARS.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in URL_SCHEMES and bool(parts.netloc)


class _SafeLinkProcessor(LinkInlineProcessor):
    """``[text](url)`` for absolute http(s) URLs only; anything else stays literal."""

    def getText(self, data, index):
        window = data[:index + MAX_LINK_TEXT]
        if data.find("](", index, len(window) + 1) < 0:  # no link can close here
            return "", index, False
        return super().getText(window, index)

    def getLink(self, data, index):
        return super().getLink(data[:index + MAX_LINK_URL], index)

    def handleMatch(self, m, data):
        text, index, handled = self.getText(data, m.end(0))
        if not handled:
            return None, None, None
        href, _title, index, handled = self.getLink(data, index)
        # The source was &-escaped before parsing (see render), so undo that here.
        href = html.unescape(self.unescape(href)).strip() if handled else ""
        if not is_http_url(href):
            return None, None, None
        el = etree.Element("a")
        el.text = text
        el.set("href", href)
        el.set("rel", LINK_REL)
        el.set("target", "_blank")
        return el, m.start(0), index


class _BuildstoryExtension(Extension):
    """Strip Python-Markdown down to the constructs of docs/rules.md "Profiles"."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        for registry, keep in ((md.parser.blockprocessors, _KEEP_BLOCKS),
                               (md.inlinePatterns, _KEEP_INLINE)):
            for name in [item.name for item in registry._priority]:
                if name not in keep:
                    registry.deregister(name)
        # Italic and bold never start or end inside a word, for * as for _.
        md.delimiters.add("*", "strong,em", smart=True)
        md.delimiters.add("~", "del", double=True)
        md.inlinePatterns.register(_SafeLinkProcessor(r"(?<!\!)\[", md), "link", 160)
        md.inlinePatterns.register(SubstituteTagInlineProcessor(r"\n", "br"), "newline", 5)


_local = threading.local()


def _converter() -> Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = Markdown(extensions=[_BuildstoryExtension()], output_format="html")
    return md


def _clean(fragment: str) -> str:
    return nh3.clean(fragment, tags=set(ALLOWED_TAGS), attributes={"a": {"href"}},
                     link_rel=LINK_REL, set_tag_attribute_values={"a": {"target": "_blank"}},
                     url_schemes=set(URL_SCHEMES), url_relative="deny",
                     strip_comments=True)


def render(text: str | None) -> Markup:
    """Return user text as safe HTML: the restricted markdown, then the nh3 allow-list."""
    if not text or not text.strip():
        return Markup("")
    return Markup(_render_html(text))


# Rendering is a pure function of the text, and the same descriptions and bios are shown
# on every view of a page: the results of the last few thousand texts are kept (each text
# is capped by its field; lru_cache is thread-safe).
CACHE_SIZE = 4096


@lru_cache(maxsize=CACHE_SIZE)
def _render_html(text: str) -> str:
    # Escaping & first makes entity tricks (&lt; &#106; …) show literally.
    source = text.replace("\r\n", "\n").replace("\r", "\n").replace("&", "&amp;")
    md = _converter()
    try:
        fragment = md.convert(source)
    finally:
        md.reset()
    return _clean(fragment)


@lru_cache(maxsize=CACHE_SIZE)
def plain(text: str | None) -> str:
    """Return the text a reader sees, markup stripped and whitespace collapsed."""
    rendered = str(render(text))
    spaced = re.sub(r"<br\s*/?>|</p>", " ", rendered)
    stripped = nh3.clean(spaced, tags=set(), strip_comments=True)
    return " ".join(html.unescape(stripped).split())


@lru_cache(maxsize=CACHE_SIZE)
def meta_description(text: str | None, limit: int = 160, fallback: str = "") -> str:
    """Return ``plain(text)`` (or ``fallback`` when that is empty) cut to at most ``limit``
    characters at a word boundary, ending in "…" when cut."""
    words = plain(text) or " ".join(fallback.split())
    if len(words) <= limit:
        return words
    cut = words[:limit - 1]
    if " " in cut and words[limit - 1] != " ":
        cut = cut[:cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"
