"""What an article page tells search engines and share previews: its canonical address,
OpenGraph and Twitter tags, and a JSON-LD `Article` with times in Seoul (+09:00)."""

import json

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override as translation_override

from articles.selectors import article_url

# JSON inside <script> must not close the element nor open a comment: these characters are
# written as JSON escapes, which parse back to the same text.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
OG_LOCALES = {"ko": "ko_KR", "en": "en_US"}


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def seoul_iso(moment) -> str:
    """An ISO 8601 time in the site's time zone (Asia/Seoul: +09:00)."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def json_ld(data: dict) -> SafeString:
    """`data` as JSON that is safe inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 (escaped above)


def article_metadata(article, *, description: str, image, translation) -> dict:
    """The values of the page's <head>: canonical URL, OpenGraph, Twitter, JSON-LD, the
    alternate language versions. `image` is the rendition shown in share previews."""
    canonical = absolute(article_url(article))
    published = article.published_at
    modified = max(article.updated_at, published) if published else article.updated_at
    authors = [link.author for link in getattr(article, "author_links", [])]
    image_url = absolute(image.file.url) if image is not None else ""
    publisher = _("Seoul Co-op Consultation Center")

    with translation_override(article.language):
        author_urls = [absolute(author.get_absolute_url()) for author in authors]
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title[:110],
        "description": description,
        "inLanguage": article.language,
        "url": canonical,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "articleSection": article.category.name(article.language),
        "author": [
            {"@type": "Person", "name": author.name, "url": url}
            for author, url in zip(authors, author_urls, strict=True)
        ],
        "publisher": {"@type": "Organization", "name": publisher, "url": absolute("/")},
        "dateModified": seoul_iso(modified),
    }
    if published:
        data["datePublished"] = seoul_iso(published)
    if image is not None:
        data["image"] = {
            "@type": "ImageObject",
            "url": image_url,
            "width": image.width,
            "height": image.height,
        }
    tags = [tag.name for tag in article.tags.all()]
    if tags:
        data["keywords"] = tags

    alternates = [{"code": article.language, "url": canonical}]
    if translation is not None:
        alternates.append({"code": translation.language, "url": absolute(article_url(translation))})

    return {
        "canonical": canonical,
        "description": description,
        "section": data["articleSection"],
        "site_name": publisher,
        "og_locale": OG_LOCALES.get(article.language, article.language),
        "og_locale_alternate": OG_LOCALES.get(translation.language) if translation else "",
        "image_url": image_url,
        "image": image,
        "image_alt": ""
        if article.lead_image is None or article.lead_image.is_decorative
        else article.lead_image.alt_text,
        "published_time": seoul_iso(published) if published else "",
        "modified_time": seoul_iso(modified),
        "authors": authors,
        "tags": tags,
        "json_ld": json_ld(data),
        "alternates": alternates,
    }
