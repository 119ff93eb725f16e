"""Education pages: the public calendar of course sessions, a session's page, and what a
citizen does with their course places from the tracking page (enrol, cancel, accept or
decline a seat offered from the waiting list).

The public pages are the same for every visitor in a language: their content is rendered
once per education version (consult.education.education_touch) and served from the cache,
without a query, for at most a minute (a session drops off the calendar when it starts).
The tracking page's education block is rendered for each request, outside the tracking
page's cached content: it changes with every enrolment, and it carries the private token.
"""

import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .education import (
    LIVE_STATUSES,
    EducationError,
    case_enrolments,
    education_cache_key,
    enrolment_accept_offer,
    enrolment_cancel,
    enrolment_decline_offer,
    enrolment_request,
    sessions_listed,
    sessions_open_to,
    waitlist_position,
)
from .education_forms import EnrolForm
from .models import Case, Enrolment, Track
from .views import _open, _see_other, _track_url, private_page, token_is_the_credential
from .workflow import Actor

# The center is in Seoul: its sessions are shown in Seoul time whatever the server's zone.
SEOUL = ZoneInfo("Asia/Seoul")
# The longest a cached page lives; a change of sessions or seats drops it at once.
PAGE_CACHE_SECONDS = 60
# Sessions the tracking page offers to join.
TRACK_SESSIONS = 6
MAX_ID = 2**31 - 1


# A small per-process copy in front of the shared cache: the key holds the education
# version, so a copy is never stale but for the time it may live.
_LOCAL: OrderedDict[str, tuple[float, dict]] = OrderedDict()
_LOCAL_MAX = 128


def _cached(key: str, seconds: int, build: Callable[[], dict | None]) -> dict | None:
    """build(), kept in the cache under key for `seconds`; a cache that fails is a cache
    that misses."""
    now = time.monotonic()
    local = _LOCAL.get(key)
    if local is not None and local[0] > now:
        return local[1]
    try:
        value = cache.get(key)
    except Exception:
        value = None
    if value is None:
        value = build()
        if value is None:
            return None
        with contextlib.suppress(Exception):
            cache.set(key, value, seconds)
    # Kept here no longer than the shared copy could be.
    _LOCAL[key] = (now + seconds, value)
    if len(_LOCAL) > _LOCAL_MAX:
        _LOCAL.popitem(last=False)
    return value


def _seconds_to_start(starts_at: datetime) -> int:
    return int((starts_at - timezone.now()).total_seconds())


# --- the public calendar --------------------------------------------------------------


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    language = get_language()

    def build() -> dict:
        sessions = list(sessions_listed())
        months = [
            {"month": month, "sessions": list(group)}
            for month, group in groupby(
                sessions, key=lambda s: s.starts_at.astimezone(SEOUL).date().replace(day=1)
            )
        ]
        html = render_to_string(
            "education/_calendar_content.html",
            {"months": months, "language": language, "seoul": SEOUL},
        )
        return {"html": html}

    page = _cached(education_cache_key("calendar", language), PAGE_CACHE_SECONDS, build)
    return render(request, "education/calendar.html", {"content": mark_safe(page["html"])})  # noqa: S308


@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if pk > MAX_ID:  # beyond any row, and beyond what the database can compare
        raise Http404
    language = get_language()
    key = education_cache_key("session", str(pk), language)

    def build() -> dict | None:
        session = sessions_listed().filter(pk=pk).first()
        if session is None:
            return None
        html = render_to_string(
            "education/_session_content.html",
            {"session": session, "language": language, "seoul": SEOUL},
        )
        return {
            "html": html,
            "title": session.course.title(language),
            "expires": session.starts_at.isoformat(),
        }

    page = _cached(key, PAGE_CACHE_SECONDS, build)
    # A copy cached a moment before the session started is not served after.
    if page is None or _seconds_to_start(datetime.fromisoformat(page["expires"])) <= 0:
        raise Http404
    return render(
        request,
        "education/session.html",
        {"content": mark_safe(page["html"]), "title": page["title"]},  # noqa: S308
    )


# --- the tracking page ----------------------------------------------------------------


def track_education(request: HttpRequest, case: Case, token: str) -> SafeString:
    """The tracking page's education block: the case's enrolments and the sessions it could
    join. Empty for a case outside the education service or over. Two queries."""
    if case.track != Track.EDUCATION or case.is_final:
        return mark_safe("")
    enrolments = list(case_enrolments(case_id=case.pk))
    for enrolment in enrolments:
        if enrolment.status == Enrolment.Status.WAITLISTED:
            enrolment.position = waitlist_position(enrolment)
    sessions = list(sessions_open_to(case_id=case.pk)[:TRACK_SESSIONS])
    html = render_to_string(
        "consult/_track_education.html",
        {
            "case": case,
            "token": token,
            "enrolments": enrolments,
            "sessions": sessions,
            "live": LIVE_STATUSES,
            "seoul": SEOUL,
            "now": timezone.now(),
        },
        request,
    )
    return mark_safe(html)  # noqa: S308  (our own render)


def _back(case: Case, token: str) -> str:
    return _track_url(case, token) + "#education"


def _enrolment_of(case: Case, enrolment_id: int) -> Enrolment:
    """An enrolment of this case; another case's is a 404, as a wrong token is."""
    if enrolment_id > MAX_ID:
        raise Http404
    enrolment = (
        Enrolment.objects.select_related("session__course")
        .filter(pk=enrolment_id, case_id=case.pk)
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment


@token_is_the_credential
@private_page
@require_POST
def enrol(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    case, _row = _open(reference, token)
    back = _back(case, token)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a session from the list."))
        return _see_other(back)
    try:
        enrolment = enrolment_request(
            session_id=form.cleaned_data["session"], case_id=case.pk, actor=Actor.citizen()
        )
    except EducationError as exc:
        messages.error(request, str(exc))
        return _see_other(back)
    if enrolment.status == Enrolment.Status.CONFIRMED:
        messages.success(
            request, _("Your place is confirmed. We have sent you the details by email.")
        )
    else:
        messages.success(
            request,
            _(
                "This session is full, so you are number %(position)d on its waiting list. "
                "If a seat frees up, we will email you."
            )
            % {"position": waitlist_position(enrolment)},
        )
    return _see_other(back)


@token_is_the_credential
@private_page
@require_http_methods(["GET", "POST"])
def enrolment_cancel_view(
    request: HttpRequest, reference: str, token: str, enrolment_id: int
) -> HttpResponse:
    case, _row = _open(reference, token)
    enrolment = _enrolment_of(case, enrolment_id)
    back = _back(case, token)
    if request.method == "POST":
        try:
            enrolment_cancel(enrolment_id=enrolment.pk, actor=Actor.citizen())
        except EducationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your enrolment is cancelled."))
        return _see_other(back)
    return render(
        request,
        "consult/education_cancel.html",
        {
            "case": case,
            "token": token,
            "enrolment": enrolment,
            "can_cancel": enrolment.status in LIVE_STATUSES
            and enrolment.session.starts_at > timezone.now(),
            "back": back,
            "seoul": SEOUL,
        },
    )


@token_is_the_credential
@private_page
@require_http_methods(["GET", "POST"])
def offer_accept(
    request: HttpRequest, reference: str, token: str, enrolment_id: int
) -> HttpResponse:
    """The page the offer mail links to: the offer and its deadline, and two buttons. Its
    POST takes the seat."""
    case, _row = _open(reference, token)
    enrolment = _enrolment_of(case, enrolment_id)
    back = _back(case, token)
    if request.method == "POST":
        try:
            enrolment_accept_offer(enrolment_id=enrolment.pk)
        except EducationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Your place is confirmed. We have sent you the details by email.")
            )
        return _see_other(back)
    return render(
        request,
        "consult/education_offer.html",
        {
            "case": case,
            "token": token,
            "enrolment": enrolment,
            "open_offer": enrolment.status == Enrolment.Status.OFFERED
            and enrolment.offer_expires_at > timezone.now(),
            "back": back,
            "seoul": SEOUL,
        },
    )


@token_is_the_credential
@private_page
@require_POST
def offer_decline(
    request: HttpRequest, reference: str, token: str, enrolment_id: int
) -> HttpResponse:
    case, _row = _open(reference, token)
    enrolment = _enrolment_of(case, enrolment_id)
    try:
        enrolment_decline_offer(enrolment_id=enrolment.pk)
    except EducationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you: the seat goes to the next person waiting."))
    return _see_other(_back(case, token))
