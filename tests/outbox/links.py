"""How a test finds the link a mail carries, as the citizen would: in the delivered mail,
or (before delivery) by opening the row's seal as the worker does. The row itself never
holds it readable."""

import re

from django.core import mail as django_mail

from coopcenter.outbox.models import OutgoingMail
from coopcenter.outbox.sealing import open_sealed

SHAPES = {
    "tracking_url": r"https?://\S+?/consult/track/[^/\s]+/[^/\s]+/",
    "survey_url": r"https?://\S+?/consult/survey/[^/\s]+/",
    "accept_url": r"https?://\S+?/consult/track/\S+?/accept/",
    "online_url": r"https?://\S+",
}


def delivered(row: OutgoingMail):
    """The mail the citizen got for this row (its Message-ID names the row)."""
    for message in django_mail.outbox:
        if message.extra_headers.get("Message-ID", "").startswith(f"<outbox-{row.pk}@"):
            return message
    return None


def mail_link(row: OutgoingMail, name: str) -> str:
    row.refresh_from_db()
    if row.sealed:
        return open_sealed(row.sealed)[name]
    message = delivered(row)
    assert message is not None, f"mail {row.pk} is neither pending nor delivered here"
    found = re.findall(SHAPES[name], message.body)
    assert found, f"no {name} in mail {row.pk}"
    return found[0]
