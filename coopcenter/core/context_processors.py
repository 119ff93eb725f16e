from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation


def _link_in(language: str, path: str) -> str:
    """This page in another language; its home page when the page has no such version
    (a 404 page, say), rather than a link back to itself."""
    translated = translate_url(path, language)
    if translated == path and language != translation.get_language():
        with translation.override(language):
            return reverse("core:home")
    return translated


def site(request):
    """The center's contact block and the links to this page in each language."""
    path = request.get_full_path() if request is not None else "/"
    return {
        "center": {
            "phone": settings.CENTER_PHONE,
            "email": settings.CENTER_EMAIL,
        },
        "language_links": [
            {"code": code, "url": _link_in(code, path)} for code, _name in settings.LANGUAGES
        ],
        "site_url": settings.SITE_URL,
    }
