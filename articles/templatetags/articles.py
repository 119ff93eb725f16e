"""Template helpers of the articles' pages: the responsive picture of an image, the image
for share previews, an article's canonical address and its excerpt.

    {% load articles %}
    {% article_picture image sizes="(min-width: 992px) 50vw, 100vw" lazy=True %}
"""

from html import unescape

from django import template
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language

from articles import selectors
from articles.images import fallback_rendition, renditions_for

register = template.Library()

# The width of the image in share previews (OpenGraph and Twitter recommend 1200 pixels).
SHARE_WIDTH = 1200
MIME_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}
# Constant attributes: lazy loading for pictures below the fold, priority for the lead image.
LAZY = mark_safe(' loading="lazy" decoding="async"')
EAGER = mark_safe(' fetchpriority="high"')


def _closest(renditions: list, width: int):
    """The smallest rendition at least `width` wide, else the widest."""
    for rendition in renditions:
        if rendition.width >= width:
            return rendition
    return renditions[-1]


def _srcset(renditions: list) -> str:
    return ", ".join(f"{rendition.file.url} {rendition.width}w" for rendition in renditions)


def image_alt(image) -> str:
    """The picture's alternative text: empty for a decorative image, never the caption."""
    return "" if image.is_decorative else image.alt_text


@register.simple_tag
def article_picture(image, sizes: str = "100vw", lazy: bool = True, css_class: str = "") -> str:
    """A <picture> with a WebP source and a JPEG <img> (srcset, sizes, width, height), lazy
    unless told otherwise (the lead image of an article page is not lazy: it is the largest
    thing on screen). Empty while the image has no renditions yet."""
    if image is None:
        return ""
    by_format = {kind: found for kind, found in renditions_for(image).items() if found}
    if not by_format:
        return ""
    fallback_format = "jpeg" if "jpeg" in by_format else next(iter(by_format))
    fallback = by_format[fallback_format]
    src = (fallback_rendition(image) if fallback_format == "jpeg" else None) or fallback[0]
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        (
            (MIME_TYPES.get(kind, f"image/{kind}"), _srcset(renditions), sizes)
            for kind, renditions in by_format.items()
            if kind != fallback_format and renditions
        ),
    )
    loading = LAZY if lazy else EAGER
    return format_html(
        '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"{}{}>'
        "</picture>",
        sources,
        src.file.url,
        _srcset(fallback),
        sizes,
        src.width,
        src.height,
        image_alt(image),
        format_html(' class="{}"', css_class) if css_class else "",
        loading,
    )


@register.simple_tag
def share_rendition(image):
    """The rendition shown by share previews: a JPEG about 1200 pixels wide (None without
    renditions)."""
    if image is None:
        return None
    by_format = renditions_for(image)
    renditions = by_format.get("jpeg") or next((r for r in by_format.values() if r), None)
    return _closest(renditions, SHARE_WIDTH) if renditions else None


@register.filter
def article_url(article) -> str:
    """The article's canonical address, in its own language's pages."""
    if getattr(article, "language", None) is None:
        return article.get_absolute_url()
    return selectors.article_url(article)


@register.filter
def article_excerpt(article, length: int = 220) -> str:
    """The editor's excerpt, else the start of the body as plain text."""
    if article.excerpt:
        return article.excerpt
    text = " ".join(unescape(strip_tags(getattr(article, "body_html", "") or "")).split())
    return Truncator(text).chars(int(length))


@register.filter
def category_name(category) -> str:
    """The category's name in the language of the page."""
    return category.name(get_language())
