"""The mails the portal can send. Each name has, for every language, three templates under
templates/mail/<language>/: <name>_subject.txt, <name>.txt and <name>.html."""

from django.conf import settings

MAIL_TEMPLATES: set[str] = {"test"}


def register(name: str) -> str:
    """Apps call this at import time for each mail they send; the system check then
    proves every language has all three parts."""
    MAIL_TEMPLATES.add(name)
    return name


def template_paths(name: str, language: str) -> dict[str, str]:
    base = f"mail/{language}/{name}"
    return {"subject": f"{base}_subject.txt", "text": f"{base}.txt", "html": f"{base}.html"}


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]
