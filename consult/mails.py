"""Every mail the case desk sends, queued through the outbox (never sent inside a request).

Each function is called inside the transaction of the change it reports, with an
idempotency key tied to that change, so a retried request never mails twice. Internal
notes are never passed to any of them.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from coopcenter.outbox.services import mail_queue
from coopcenter.outbox.templates import register

from .models import Case, Event, Message

ACKNOWLEDGE = register("consult_acknowledge")
LINK = register("consult_link")
REPLY = register("consult_reply")
REFERRED = register("consult_referred")
RESOLVED = register("consult_resolved")
STAFF_CITIZEN_REPLIED = register("consult_staff_citizen_replied")
STAFF_ASSIGNED = register("consult_staff_assigned")


def tracking_url(case: Case, token: str) -> str:
    with translation.override(case.language):
        path = reverse("consult:track", kwargs={"reference": case.reference, "token": token})
    return settings.SITE_URL + path


def find_url(case: Case) -> str:
    """The page where a citizen who lost their link asks for a new one."""
    with translation.override(case.language):
        return settings.SITE_URL + reverse("consult:find")


def _case_context(case: Case) -> dict:
    return {
        "reference": case.reference,
        "name": case.name,
        "track": case.track,
        "status": case.status,
    }


def mail_acknowledge(*, case: Case, token: str) -> None:
    mail_queue(
        recipient=case.email,
        template=ACKNOWLEDGE,
        language=case.language,
        context={**_case_context(case), "tracking_url": tracking_url(case, token)},
        idempotency_key=f"consult:ack:{case.pk}",
    )


def mail_link(*, case: Case, token: str, token_id: int) -> None:
    mail_queue(
        recipient=case.email,
        template=LINK,
        language=case.language,
        context={**_case_context(case), "tracking_url": tracking_url(case, token)},
        idempotency_key=f"consult:link:{token_id}",
    )


def mail_reply(*, case: Case, message: Message) -> None:
    if message.is_internal:  # belt and braces: a note must never leave the desk
        raise ValueError("internal notes are never mailed")
    mail_queue(
        recipient=case.email,
        template=REPLY,
        language=case.language,
        context={**_case_context(case), "body": message.body, "find_url": find_url(case)},
        idempotency_key=f"consult:reply:{message.pk}",
    )


def mail_referred(*, case: Case, event: Event) -> None:
    mail_queue(
        recipient=case.email,
        template=REFERRED,
        language=case.language,
        context={
            **_case_context(case),
            "old_track": event.old_value,
            "new_track": event.new_value,
        },
        idempotency_key=f"consult:referred:{event.pk}",
    )


def mail_resolved(*, case: Case, event: Event) -> None:
    mail_queue(
        recipient=case.email,
        template=RESOLVED,
        language=case.language,
        context={**_case_context(case), "find_url": find_url(case)},
        idempotency_key=f"consult:resolved:{event.pk}",
    )


def _staff_language(user) -> str:
    # Staff accounts carry no language preference; the desk works in Korean.
    return settings.LANGUAGE_CODE


def mail_staff_citizen_replied(*, case: Case, message: Message) -> None:
    if case.assignee is None or not case.assignee.email:
        return
    mail_queue(
        recipient=case.assignee.email,
        template=STAFF_CITIZEN_REPLIED,
        language=_staff_language(case.assignee),
        context={
            "reference": case.reference,
            "admin_url": settings.SITE_URL + case.get_admin_url(),
        },
        idempotency_key=f"consult:staff-replied:{message.pk}",
    )


def mail_staff_assigned(*, case: Case, event: Event) -> None:
    if case.assignee is None or not case.assignee.email:
        return
    mail_queue(
        recipient=case.assignee.email,
        template=STAFF_ASSIGNED,
        language=_staff_language(case.assignee),
        context={
            "reference": case.reference,
            "track": case.track,
            "admin_url": settings.SITE_URL + case.get_admin_url(),
        },
        idempotency_key=f"consult:staff-assigned:{event.pk}",
    )
