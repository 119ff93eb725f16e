"""The article body: what the editor writes (Markdown) becomes the HTML the page shows,
sanitised against an allow-list; and the plain text derived from it (excerpt, reading time).

The allow-list (`ALLOWED_TAGS`, `ALLOWED_ATTRIBUTES`, `URL_SCHEMES`):

- text and structure: paragraphs, headings h2 to h6 (a `#` heading becomes h2: the title is the
  page's h1), lists, block quotes, code, horizontal rules, emphasis, sub/superscript, `abbr`;
- links (`http`, `https`, `mailto` and relative addresses; every link gets
  `rel="noopener noreferrer"`), images (same schemes, lazy loading);
- tables (Markdown's tables, alignment as the `align` attribute: inline styles are refused by
  the site's Content-Security-Policy anyway), footnotes (their ids and classes only);
- iframes only when their `src` is `https://` on a host of `settings.ARTICLES_IFRAME_HOSTS`
  (video embeds); any other iframe is removed with its content.

Everything else goes: `script`, `style`, event handlers (`onerror`...), `style` and `class`
attributes (but the footnotes' classes), `javascript:` and `data:` URLs, forms, objects.
"""

import html
import math
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown
import nh3
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "s", "del", "ins", "sub", "sup", "mark", "small", "abbr",
    "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "code", "pre", "kbd",
    "a", "img", "figure", "figcaption",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    "div", "iframe",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"align", "scope", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "li": {"id"},
    "sup": {"id"},
    "iframe": {"src", "title", "width", "height", "allow", "allowfullscreen"},
}
ALLOWED_CLASSES = {
    "div": {"footnote"},
    "a": {"footnote-ref", "footnote-backref"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Removed with everything inside them (not only the tags).
CLEAN_CONTENT_TAGS = {"script", "style", "template", "noscript", "object", "embed", "svg", "math"}
# Only the footnotes' own ids ("fn:1", "fnref:1") may be set: other ids could clash with
# the page's.
FOOTNOTE_ID = re.compile(r"^fn(ref)?:[\w-]+$")

# The body is cut into words at whitespace, for Korean (eojeol) as for English.
WORDS_PER_MINUTE = {"ko": 200, "en": 230}
EXCERPT_LENGTH = 160

_IFRAME = re.compile(r"<iframe((?:\s+[^\s=>]+(?:=\"[^\"]*\")?)*)\s*>.*?</iframe>", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")


def iframe_hosts() -> set[str]:
    return {host.lower() for host in settings.ARTICLES_IFRAME_HOSTS}


def _iframe_src_allowed(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and (parts.hostname or "") in iframe_hosts()


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if FOOTNOTE_ID.match(value) else None
    if tag == "iframe" and attribute == "src":
        return value if _iframe_src_allowed(value) else None
    return value


def _keep_iframe(match: re.Match) -> str:
    """An iframe without an allowed src is removed; an allowed one keeps no content."""
    attributes = match.group(1)
    if ' src="' not in attributes and not attributes.startswith("src="):
        return ""
    return f'<iframe{attributes} loading="lazy" referrerpolicy="strict-origin"></iframe>'


def sanitize_html(fragment: str) -> str:
    """`fragment` reduced to the allow-list of this module."""
    cleaned = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
        strip_comments=True,
    )
    return _IFRAME.sub(_keep_iframe, cleaned)


class _DemoteH1(Treeprocessor):
    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class _BodyExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_DemoteH1(md), "articles_demote_h1", 5)


def render_body(source: str, language: str = "ko") -> str:
    """The editor's Markdown as sanitised HTML (the footnotes' labels in `language`)."""
    with translation.override(language):
        back = gettext("Back to footnote %d in the text")
    converter = markdown.Markdown(
        extensions=["tables", "footnotes", "fenced_code", "sane_lists", _BodyExtension()],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "footnotes": {"BACKLINK_TITLE": back},
        },
        output_format="html",
    )
    return sanitize_html(converter.convert(source or ""))


class _TextExtractor(HTMLParser):
    """The readable text of body HTML: footnotes, footnote marks and embeds left out, block
    ends turned into spaces."""

    SKIP = {"sup", "iframe", "pre"}
    BLOCKS = {"p", "br", "li", "h2", "h3", "h4", "h5", "h6", "td", "th", "blockquote", "div"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.skipping:
            if tag == self.skipping[0]:
                self.skipping.append(tag)
            return
        if tag in self.SKIP or (tag == "div" and ("class", "footnote") in attrs):
            self.skipping.append(tag)
        elif tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if not self.skipping and tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[0]:
                self.skipping.pop()
            return
        if tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def plain_text(body_html: str) -> str:
    """The body's readable text on one line (no markup, entities decoded)."""
    extractor = _TextExtractor()
    extractor.feed(body_html or "")
    extractor.close()
    return _WHITESPACE.sub(" ", html.unescape("".join(extractor.parts))).strip()


def excerpt_from(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of `text`, cut at a word boundary at most `length` characters in, with an
    ellipsis when something was cut."""
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) <= length:
        return text
    cut = text[: length + 1]
    boundary = cut.rfind(" ")
    # A very long "word" (a URL) is cut where it must be.
    cut = cut[:boundary] if boundary >= length // 2 else text[:length]
    return cut.rstrip(" ,.;:·—-") + "…"


def reading_minutes(text: str, language: str = "ko") -> int:
    """Minutes to read `text`: words counted at whitespace (Korean eojeol, English words), at
    200 words a minute for Korean and 230 for English, rounded up; at least 1."""
    words = len(text.split())
    per_minute = WORDS_PER_MINUTE.get(language, WORDS_PER_MINUTE["ko"])
    return max(1, math.ceil(words / per_minute))
