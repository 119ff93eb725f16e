"""Every mail the case desk sends, queued through the outbox (never sent inside a request).

A link with a token in it goes in `links`, which the outbox seals; `context` is readable by
the staff who may see the case (`related`).

Each function is called inside the transaction of the change it reports, with an
idempotency key tied to that change, so a retried request never mails twice. Internal
notes are never passed to any of them.
"""

import datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation

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
        context=_case_context(case),
        links={"tracking_url": tracking_url(case, token)},
        related=case,
        idempotency_key=f"consult:ack:{case.pk}",
    )


def mail_link(*, case: Case, token: str, token_id: int) -> None:
    mail_queue(
        recipient=case.email,
        template=LINK,
        language=case.language,
        context=_case_context(case),
        links={"tracking_url": tracking_url(case, token)},
        related=case,
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
        related=case,
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
        related=case,
        idempotency_key=f"consult:referred:{event.pk}",
    )


def mail_resolved(*, case: Case, event: Event) -> None:
    mail_queue(
        recipient=case.email,
        template=RESOLVED,
        language=case.language,
        context={**_case_context(case), "find_url": find_url(case)},
        related=case,
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
        related=case,
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
        related=case,
        idempotency_key=f"consult:staff-assigned:{event.pk}",
    )


# --- follow-ups (consult.followups): reminders, the waiting clock, sessions, surveys -----
#
# Their idempotency keys start with the case ("case-<id>:…") where a case is concerned and
# name the window they belong to, so a periodic run repeated in the same window queues
# nothing new, and a later window (a new wait, a moved session) mails again.

TRIAGE_REMINDER = register("followup_triage_reminder")
TRIAGE_ESCALATION = register("followup_triage_escalation")
WAITING_REMINDER = register("followup_waiting_reminder")
AUTO_RESOLVED = register("followup_auto_resolved")
SESSION_REMINDER = register("followup_session_reminder")
SESSION_REMINDER_STAFF = register("followup_session_reminder_staff")
MEETING_REMINDER = register("followup_meeting_reminder")
MEETING_REMINDER_STAFF = register("followup_meeting_reminder_staff")
SURVEY = register("followup_survey")


def _when(value, language: str) -> str:
    """A date and time as the recipient reads it, in Seoul time (mail contexts are JSON,
    so dates travel as text formatted in the mail's language)."""
    with translation.override(language):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _day(value, language: str) -> str:
    with translation.override(language):
        return formats.date_format(value, "DATE_FORMAT")


def triage_reminder_key(*, case_id: int, days: int, user_id: int) -> str:
    return f"case-{case_id}:triage-reminder:{days}:user-{user_id}"


def mail_triage_reminder(*, case: Case, user, days: int, escalation: bool) -> None:
    language = _staff_language(user)
    mail_queue(
        recipient=user.email,
        template=TRIAGE_ESCALATION if escalation else TRIAGE_REMINDER,
        language=language,
        context={
            "reference": case.reference,
            "days": days,
            "received": _when(case.created_at, language),
            "admin_url": settings.SITE_URL + case.get_admin_url(),
        },
        related=case,
        idempotency_key=triage_reminder_key(case_id=case.pk, days=days, user_id=user.pk),
    )


def _instant(value) -> str:
    # In UTC, as the database returns it: the same moment always gives the same key.
    return value.astimezone(datetime.UTC).isoformat()


def waiting_reminder_key(*, case_id: int, waiting_since) -> str:
    return f"case-{case_id}:waiting-reminder:{_instant(waiting_since)}"


def mail_waiting_reminder(*, case: Case, token: str, resolve_on) -> None:
    mail_queue(
        recipient=case.email,
        template=WAITING_REMINDER,
        language=case.language,
        context={**_case_context(case), "resolve_on": _day(resolve_on, case.language)},
        links={"tracking_url": tracking_url(case, token)},
        related=case,
        idempotency_key=waiting_reminder_key(case_id=case.pk, waiting_since=case.waiting_since),
    )


def mail_auto_resolved(*, case: Case, token: str, waited_since) -> None:
    mail_queue(
        recipient=case.email,
        template=AUTO_RESOLVED,
        language=case.language,
        context={
            **_case_context(case),
            "find_url": find_url(case),
            "waited_since": _day(waited_since, case.language),
        },
        links={"tracking_url": tracking_url(case, token)},
        related=case,
        idempotency_key=f"case-{case.pk}:auto-resolved:{_instant(waited_since)}",
    )


def session_reminder_key(*, case_id: int, session_id: int, day) -> str:
    return f"case-{case_id}:session-reminder:{session_id}:{day.isoformat()}"


def mail_session_reminder(*, case: Case, session) -> None:
    mail_queue(
        recipient=case.email,
        template=SESSION_REMINDER,
        language=case.language,
        context={
            **_case_context(case),
            "course": session.course.title(case.language),
            "when": _when(session.starts_at, case.language),
            "mode": session.mode,
            "place": session.place,
            "find_url": find_url(case),
        },
        # Confirmed participants only are reminded, and they may have the link.
        links={"online_url": session.online_url},
        related=case,
        idempotency_key=session_reminder_key(
            case_id=case.pk, session_id=session.pk, day=timezone.localdate(session.starts_at)
        ),
    )


def session_staff_reminder_key(*, session_id: int, day, user_id: int) -> str:
    return f"session-{session_id}:reminder:{day.isoformat()}:user-{user_id}"


def mail_session_reminder_staff(*, session, user, participants: int) -> None:
    language = _staff_language(user)
    day = timezone.localdate(session.starts_at)
    mail_queue(
        recipient=user.email,
        template=SESSION_REMINDER_STAFF,
        language=language,
        context={
            "course": session.course.title(language),
            "when": _when(session.starts_at, language),
            "mode": session.mode,
            "place": session.place,
            "participants": participants,
            "admin_url": settings.SITE_URL + _session_admin_path(session),
        },
        links={"online_url": session.online_url},
        idempotency_key=session_staff_reminder_key(session_id=session.pk, day=day, user_id=user.pk),
    )


def meeting_reminder_key(*, case_id: int, meeting_id: int, day, user_id: int | None = None) -> str:
    key = f"case-{case_id}:meeting-reminder:{meeting_id}:{day.isoformat()}"
    return key if user_id is None else f"{key}:user-{user_id}"


def mail_meeting_reminder(*, case: Case, meeting) -> None:
    mail_queue(
        recipient=case.email,
        template=MEETING_REMINDER,
        language=case.language,
        context={
            **_case_context(case),
            "when": _when(meeting.starts_at, case.language),
            "place": meeting.place,
            "find_url": find_url(case),
        },
        related=case,
        idempotency_key=meeting_reminder_key(
            case_id=case.pk, meeting_id=meeting.pk, day=timezone.localdate(meeting.starts_at)
        ),
    )


def mail_meeting_reminder_staff(*, case: Case, meeting, user) -> None:
    language = _staff_language(user)
    day = timezone.localdate(meeting.starts_at)
    mail_queue(
        recipient=user.email,
        template=MEETING_REMINDER_STAFF,
        language=language,
        context={
            "reference": case.reference,
            "when": _when(meeting.starts_at, language),
            "place": meeting.place,
            "expert_name": meeting.expert_name,
            "admin_url": settings.SITE_URL + case.get_admin_url(),
        },
        related=case,
        idempotency_key=meeting_reminder_key(
            case_id=case.pk, meeting_id=meeting.pk, day=day, user_id=user.pk
        ),
    )


def survey_url(case: Case, token: str) -> str:
    with translation.override(case.language):
        return settings.SITE_URL + reverse("consult:survey", kwargs={"token": token})


def survey_key(*, case_id: int) -> str:
    # One survey per case, ever: the key names the case alone.
    return f"case-{case_id}:survey"


def mail_survey(*, case: Case, token: str, expires_at) -> None:
    mail_queue(
        recipient=case.email,
        template=SURVEY,
        language=case.language,
        context={
            **_case_context(case),
            "expires": _day(timezone.localdate(expires_at), case.language),
        },
        links={"survey_url": survey_url(case, token)},
        related=case,
        idempotency_key=survey_key(case_id=case.pk),
    )


def _session_admin_path(session) -> str:
    try:
        return reverse("admin:consult_coursesession_change", args=[session.pk])
    except NoReverseMatch:  # the session admin is not installed: the desk's index
        return reverse("admin:index")


# --- education (consult.education): enrolments, the waiting list and offered seats -------
#
# Keys name the case and the enrolment ("case-<id>:enrolment-<id>:…"): each enrolment is
# confirmed, offered, expired or cancelled at most once, so one key per step is enough.

ENROLMENT_CONFIRMED = register("education_enrolment_confirmed")
ENROLMENT_WAITLISTED = register("education_enrolment_waitlisted")
SEAT_OFFERED = register("education_seat_offered")
OFFER_EXPIRED = register("education_offer_expired")
ENROLMENT_CANCELLED = register("education_enrolment_cancelled")


def enrolment_key(enrolment, step: str) -> str:
    return f"case-{enrolment.case_id}:enrolment-{enrolment.pk}:{step}"


def _enrolment_context(enrolment, case: Case) -> dict:
    session = enrolment.session
    language = case.language
    with translation.override(language):
        session_url = settings.SITE_URL + session.get_absolute_url()
    return {
        **_case_context(case),
        "course": session.course.title(language),
        "when": _when(session.starts_at, language),
        "ends": _when(session.ends_at, language),
        "mode": session.mode,
        "place": session.place,
        "session_url": session_url,
        "find_url": find_url(case),
    }


def _mail_enrolment(
    enrolment, step: str, template: str, *, links: dict[str, str] | None = None, **extra
) -> None:
    case = enrolment.case  # loaded with the enrolment by consult.education
    mail_queue(
        recipient=case.email,
        template=template,
        language=case.language,
        context={**_enrolment_context(enrolment, case), **extra},
        links=links,
        related=case,
        idempotency_key=enrolment_key(enrolment, step),
    )


def mail_enrolment_confirmed(*, enrolment) -> None:
    # The online link is for confirmed participants only: it is in this mail, never on a page.
    _mail_enrolment(
        enrolment,
        "confirmed",
        ENROLMENT_CONFIRMED,
        links={"online_url": enrolment.session.online_url},
    )


def mail_enrolment_waitlisted(*, enrolment, position: int | None) -> None:
    _mail_enrolment(enrolment, "waitlisted", ENROLMENT_WAITLISTED, position=position)


def mail_seat_offered(*, enrolment, token: str) -> None:
    case = enrolment.case
    with translation.override(case.language):
        accept_url = settings.SITE_URL + reverse(
            "consult:education_accept",
            kwargs={"reference": case.reference, "token": token, "enrolment_id": enrolment.pk},
        )
    _mail_enrolment(
        enrolment,
        "offered",
        SEAT_OFFERED,
        links={"accept_url": accept_url},
        deadline=_when(enrolment.offer_expires_at, case.language),
    )


def mail_offer_expired(*, enrolment) -> None:
    _mail_enrolment(enrolment, "expired", OFFER_EXPIRED)


def mail_enrolment_cancelled(*, enrolment) -> None:
    _mail_enrolment(enrolment, "cancelled", ENROLMENT_CANCELLED)
