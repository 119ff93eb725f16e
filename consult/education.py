"""Founding courses: enrolment in a course session, its waiting list, the offer of a freed
seat to the first who waits, and attendance.

Every write takes the session's row lock (`SELECT … FOR UPDATE`) before it reads or changes
a seat, so that enrolments in one session queue for a moment and never share the last seat;
`CourseSession.seats_taken` (confirmed + offered places) is changed only here, under that
lock, and the database refuses more than `capacity` whatever happens. Arrival order on the
waiting list is the time of the request taken under the lock, then the primary key.

Mails go through consult.mails inside the transaction of the change; the calendar's cached
pages are dropped when a change commits (education_touch).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from coopcenter.core.versioned import VersionedCache

from . import mails
from .models import Case, CourseSession, Enrolment, Event, Track
from .services import token_issue
from .workflow import Actor

E = Enrolment.Status
# An enrolment that still counts: a place, a place held for an offer, or a place in line.
LIVE_STATUSES = (E.CONFIRMED, E.WAITLISTED, E.OFFERED)
# Those that take a seat (CourseSession.seats_taken counts them).
SEATED_STATUSES = (E.CONFIRMED, E.OFFERED)


class EducationError(Exception):
    """An enrolment change refused; the message is fit to show to the person asking."""


# --- the calendar's cache -------------------------------------------------------------
# The public pages cache their rendered content under the education version; every change
# of a session, a course or a seat sets a new one, so nothing stale is read again.

education_cache = VersionedCache("education")
education_version = education_cache.version
education_touch = education_cache.touch
education_touch_on_commit = education_cache.touch_on_commit
education_cache_key = education_cache.key


# --- reads ----------------------------------------------------------------------------


def sessions_listed() -> QuerySet[CourseSession]:
    """The public calendar's sessions with their course, soonest first."""
    return CourseSession.objects.listed().select_related("course").order_by("starts_at", "pk")


def case_enrolments(*, case_id: int) -> QuerySet[Enrolment]:
    """A case's enrolments with their session and course, by the session's date."""
    return (
        Enrolment.objects.filter(case_id=case_id)
        .select_related("session__course")
        .order_by("session__starts_at", "requested_at", "pk")
    )


def sessions_open_to(*, case_id: int) -> QuerySet[CourseSession]:
    """Sessions taking enrolments in which the case has no live enrolment yet."""
    taken = Enrolment.objects.filter(case_id=case_id, status__in=LIVE_STATUSES).values("session_id")
    return (
        CourseSession.objects.enrollable()
        .exclude(pk__in=taken)
        .select_related("course")
        .order_by("starts_at", "pk")
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first in line; None when the enrolment is not waiting."""
    if enrolment.status != E.WAITLISTED:
        return None
    ahead = Enrolment.objects.filter(session_id=enrolment.session_id, status=E.WAITLISTED).filter(
        Q(requested_at__lt=enrolment.requested_at)
        | Q(requested_at=enrolment.requested_at, pk__lt=enrolment.pk)
    )
    return ahead.count() + 1


# --- internals ------------------------------------------------------------------------


def _lock_session(session_id: int) -> CourseSession:
    session = (
        CourseSession.objects.select_for_update(of=("self",))
        .select_related("course")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise EducationError(_("This course session does not exist."))
    return session


def _lock_enrolment(enrolment_id: int) -> Enrolment:
    """The enrolment, its session's lock taken first (the order every write follows)."""
    session_id = (
        Enrolment.objects.filter(pk=enrolment_id).values_list("session_id", flat=True).first()
    )
    if session_id is None:
        raise EducationError(_("This enrolment does not exist."))
    session = _lock_session(session_id)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=enrolment_id)
    )
    enrolment.session = session
    return enrolment


def _set_seats(session: CourseSession, change: int) -> None:
    session.seats_taken += change
    session.save(update_fields=["seats_taken"])


def _set_status(enrolment: Enrolment, status: str, **fields) -> None:
    enrolment.status = status
    for name, value in fields.items():
        setattr(enrolment, name, value)
    enrolment.save(update_fields=["status", *fields, "updated_at"])


def _offer_deadline(session: CourseSession, now: datetime) -> datetime:
    # Never after the session starts: an offer accepted then would be a seat in the past.
    return min(now + timedelta(hours=settings.CONSULT_SEAT_OFFER_HOURS), session.starts_at)


def _offer_free_seats(session: CourseSession, now: datetime) -> None:
    """Hold each free seat for the first on the waiting list and mail them a link to accept
    it. A case that is over (closed, spam, merged) is taken off the list instead."""
    if session.starts_at <= now:
        return
    while session.seats_left > 0:
        first = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(session=session, status=E.WAITLISTED)
            .order_by("requested_at", "pk")
            .first()
        )
        if first is None:
            return
        first.session = session
        if first.case.is_final or first.case.anonymised_at is not None:
            _set_status(first, E.CANCELLED)
            continue
        _set_status(first, E.OFFERED, offer_expires_at=_offer_deadline(session, now))
        _set_seats(session, +1)
        # The accept link opens the tracking page; the token exists only in this mail.
        _row, token = token_issue(case=first.case)
        mails.mail_seat_offered(enrolment=first, token=token)


def _release_seat(enrolment: Enrolment, status: str, now: datetime) -> None:
    """The enrolment gives up its seat (cancelled, declined, expired): the seat goes to the
    first on the waiting list."""
    held = enrolment.status in SEATED_STATUSES
    # Attendance belongs to confirmed places (a session moved later may be cancelled after
    # a mark was recorded).
    _set_status(enrolment, status, attendance="")
    if held:
        _set_seats(enrolment.session, -1)
        _offer_free_seats(enrolment.session, now)


# --- writes ---------------------------------------------------------------------------


@transaction.atomic
def enrolment_request(*, session_id: int, case_id: int, actor: Actor) -> Enrolment:
    """Enrol a case in a session: a confirmed place while seats are left, else a place on
    the waiting list. Refused for a session that is closed or has started, a case that is
    not in the education track or is over, and a case already enrolled or waiting there."""
    session = _lock_session(session_id)
    now = timezone.now()  # under the lock: the order of the requests is the order of the locks
    if session.starts_at <= now:
        raise EducationError(_("This session has already taken place."))
    if not (session.is_open and session.course.is_active):
        raise EducationError(_("This session is closed for enrolment."))
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise EducationError(_("This case does not exist."))
    if case.is_final:
        raise EducationError(_("This case is over, so it cannot be enrolled in a session."))
    if case.track != Track.EDUCATION:
        raise EducationError(_("Only a case in the education service can be enrolled."))
    live = Enrolment.objects.filter(session=session, case_id=case.pk, status__in=LIVE_STATUSES)
    if live.exists():
        raise EducationError(_("This case is already enrolled in this session or waiting for it."))
    # Anyone already waiting goes before a newcomer (seats can be free with people waiting
    # when the desk adds seats to a full session).
    _offer_free_seats(session, now)
    seated = session.seats_left > 0
    enrolment = Enrolment.objects.create(
        session=session,
        case=case,
        status=E.CONFIRMED if seated else E.WAITLISTED,
        requested_at=now,
        enrolled_by=actor.user if actor.kind == Event.Actor.STAFF else None,
    )
    if seated:
        _set_seats(session, +1)
        mails.mail_enrolment_confirmed(enrolment=enrolment)
    else:
        mails.mail_enrolment_waitlisted(enrolment=enrolment, position=waitlist_position(enrolment))
    education_touch_on_commit()
    return enrolment


@transaction.atomic
def enrolment_cancel(*, enrolment_id: int, actor: Actor, mail_citizen: bool = True) -> Enrolment:
    """Cancel a place, an offer or a place in line; a freed seat is offered to the first on
    the waiting list. Cancelling twice is harmless. `mail_citizen=False` is for a case whose
    citizen's data is being erased (consult.privacy): nothing is mailed to them any more."""
    enrolment = _lock_enrolment(enrolment_id)
    if enrolment.status == E.CANCELLED:
        return enrolment
    if enrolment.status not in LIVE_STATUSES:
        raise EducationError(_("This enrolment is no longer active."))
    now = timezone.now()
    if enrolment.session.starts_at <= now:
        raise EducationError(_("This session has already taken place."))
    _release_seat(enrolment, E.CANCELLED, now)
    if mail_citizen:
        mails.mail_enrolment_cancelled(enrolment=enrolment)
    education_touch_on_commit()
    return enrolment


@transaction.atomic
def enrolment_accept_offer(*, enrolment_id: int) -> Enrolment:
    """The citizen takes the seat held for them, before the offer's deadline. Accepting
    twice is harmless."""
    enrolment = _lock_enrolment(enrolment_id)
    if enrolment.status == E.CONFIRMED:
        return enrolment
    if enrolment.status != E.OFFERED:
        raise EducationError(_("This seat is no longer offered to you."))
    if enrolment.offer_expires_at <= timezone.now():
        raise EducationError(_("This offer has expired; the seat goes to the next person waiting."))
    if enrolment.case.is_final:
        raise EducationError(_("This case is over, so it cannot be enrolled in a session."))
    _set_status(enrolment, E.CONFIRMED)
    mails.mail_enrolment_confirmed(enrolment=enrolment)
    education_touch_on_commit()
    return enrolment


@transaction.atomic
def enrolment_decline_offer(*, enrolment_id: int) -> Enrolment:
    """The citizen does not want the seat held for them: it goes to the next in line."""
    enrolment = _lock_enrolment(enrolment_id)
    if enrolment.status == E.CANCELLED:
        return enrolment
    if enrolment.status != E.OFFERED:
        raise EducationError(_("This seat is no longer offered to you."))
    _release_seat(enrolment, E.CANCELLED, timezone.now())
    mails.mail_enrolment_cancelled(enrolment=enrolment)
    education_touch_on_commit()
    return enrolment


def offers_expire(*, now: datetime | None = None) -> int:
    """Offers past their deadline become `expired` and their seat is offered to the next on
    the list; returns how many expired. Each offer in its own transaction; running it again
    (or twice at once) changes nothing more."""
    now = now or timezone.now()
    due = (
        Enrolment.objects.filter(status=E.OFFERED, offer_expires_at__lte=now)
        .order_by("offer_expires_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(_offer_expire(enrolment_id=pk, now=now) for pk in list(due))


@transaction.atomic
def _offer_expire(*, enrolment_id: int, now: datetime) -> bool:
    try:
        enrolment = _lock_enrolment(enrolment_id)
    except EducationError:
        return False
    # Checked again under the lock: accepted or expired by someone else meanwhile.
    if enrolment.status != E.OFFERED or enrolment.offer_expires_at > now:
        return False
    _release_seat(enrolment, E.EXPIRED, now)
    mails.mail_offer_expired(enrolment=enrolment)
    education_touch_on_commit()
    return True


@transaction.atomic
def attendance_record(*, enrolment_id: int, attendance: str, actor: Actor) -> Enrolment:
    """Staff note whether a confirmed participant came, once the session has begun
    (attendance "" clears a mistake)."""
    if actor.kind != Event.Actor.STAFF:
        raise EducationError(_("Only the center's staff record attendance."))
    if attendance not in Enrolment.Attendance.values:
        raise EducationError(_("Unknown attendance."))
    enrolment = _lock_enrolment(enrolment_id)
    if enrolment.status != E.CONFIRMED:
        raise EducationError(_("Attendance is recorded for confirmed places only."))
    if enrolment.session.starts_at > timezone.now():
        raise EducationError(_("This session has not started yet."))
    if enrolment.attendance != attendance:
        enrolment.attendance = attendance
        enrolment.save(update_fields=["attendance", "updated_at"])
    return enrolment
