from django.conf import settings
from django.urls import translate_url


def site(request):
    """The center's contact block and the links to this page in each language."""
    path = request.get_full_path() if request is not None else "/"
    return {
        "center": {
            "phone": settings.CENTER_PHONE,
            "email": settings.CENTER_EMAIL,
        },
        "language_links": [
            {"code": code, "url": translate_url(path, code)} for code, _name in settings.LANGUAGES
        ],
        "site_url": settings.SITE_URL,
    }
