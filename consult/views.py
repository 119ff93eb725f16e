"""The citizens' side of the case desk: the inquiry form, the private tracking page, the
close confirmation, attachment downloads and find-my-case.

Citizens have no account: a tracking URL (reference + token) is the only key, and these
views never look at a staff login. Writes go through consult.services and consult.workflow;
bad input is answered on the page (status 200 for an invalid form, as everywhere on the
site's forms), an unknown or wrong link with the site's 404 page, never with a 500.
"""

import contextlib
import logging
import math
from collections import OrderedDict
from datetime import date
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from coopcenter.core.db import DATABASE_UNAVAILABLE, retry_later
from coopcenter.core.requestlimits import ratelimit_wait, request_limits
from coopcenter.core.views import page_not_found

from .deadlines import first_response_due
from .followups import (
    SurveyAnswered,
    SurveyExpired,
    survey_answer,
    survey_is_expired,
    survey_lookup,
)
from .forms import CaseForm, FindForm, ReplyForm, SurveyForm
from .models import AccessToken, Attachment, Case, Message, Status, Track
from .services import (
    case_send_link,
    case_survivor,
    privacy_notice_current,
    submission_receive,
    token_lookup,
)
from .uploads import request_max_bytes
from .workflow import (
    WorkflowError,
    case_citizen_close,
    case_citizen_reply,
    is_allowed,
)

logger = logging.getLogger(__name__)

# What the received page may show after the redirect; the honeypot never sets it.
RECEIVED_COOKIE = "consult_received"
# Long enough to read the page and come back to it, short enough not to linger.
RECEIVED_MAX_AGE = 30 * 60


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def _see_other(url: str) -> HttpResponseSeeOther:
    return HttpResponseSeeOther(url)


def private_page(view):
    """For pages opened with a tracking token: the token must not leak through the Referer
    header or a shared cache, and search engines must not keep the page. A wrong link gets
    the site's 404 page with the same headers."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = page_not_found(request)
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def token_is_the_credential(view):
    """For the tracking page's forms. The 256-bit token in the URL is what lets anyone act
    on the case; no cookie or login is looked at, so a forged cross-site POST has nothing
    to ride on and must already know the URL. Django's CSRF check could not run here in any
    case: under `Referrer-Policy: no-referrer` browsers send `Origin: null` and no Referer,
    which the middleware refuses."""
    return csrf_exempt(view)


# The rate limits of the citizens' POSTs: (django-ratelimit group, setting of its rate).
SUBMIT_LIMIT = ("consult:submit", "CONSULT_SUBMIT_RATE")
FIND_LIMIT = ("consult:find", "CONSULT_FIND_RATE")
REPLY_LIMIT = ("consult:reply", "CONSULT_REPLY_RATE")


def _retry_after(request: HttpRequest, limit: tuple[str, str]) -> int | None:
    """Count this POST against the address's allowance. Returns the seconds to wait when
    the address is over it, None when it may go on (coopcenter.core.requestlimits has
    already refused, before reading the body, an address that had used it up)."""
    return ratelimit_wait(request, limit, count=True)


def _too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    response = render(
        request,
        "consult/rate_limited.html",
        {"minutes": max(math.ceil(seconds / 60), 1)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


# --- the inquiry ---------------------------------------------------------------------


def _form_for_new_notice(request: HttpRequest, notice) -> CaseForm:
    """The citizen consented to a notice that is no longer current: show the form again
    with the current notice and the consent box cleared, so they agree to what they read."""
    data = request.POST.copy()
    data["notice_version"] = notice.version
    data.pop("consent", None)
    form = CaseForm(data, action=reverse("consult:new"))
    form.is_valid()
    form.add_error(
        None,
        _(
            "Our privacy notice changed while you were writing. Please read the new notice "
            "and tick the consent box again."
        ),
    )
    return form


@request_limits(max_bytes=request_max_bytes, ratelimit=SUBMIT_LIMIT, too_many=_too_many)
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    notice = privacy_notice_current()
    if notice is None:
        # No notice to consent to, so no case can be taken online: say how else to reach us.
        return render(request, "consult/new.html", {"form": None, "notice": None})
    action = reverse("consult:new")
    files_dropped = False
    if request.method == "POST":
        form = CaseForm(request.POST, request.FILES, action=action)
        if form.is_spam:
            response = _see_other(reverse("consult:received"))
            response.delete_cookie(RECEIVED_COOKIE, path=reverse("consult:received"))
            return response
        retry = _retry_after(request, SUBMIT_LIMIT)
        if retry is not None:
            return _too_many(request, retry)
        valid = form.is_valid()
        if form.data.get("notice_version") != notice.version:
            form = _form_for_new_notice(request, notice)
        elif valid:
            data = form.cleaned_data
            # The case itself is opened by a worker a moment later (assignment, tracking
            # link, acknowledgement): the citizen's reference and target date are known now.
            try:
                submission = submission_receive(
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    district_id=data["district"],
                    stage=data["stage"],
                    service_wanted=data["service_wanted"],
                    topic=data["topic"],
                    message=data["message"],
                    language=get_language(),
                    notice=notice,
                    files=data["attachments"],
                )
            except DATABASE_UNAVAILABLE:
                # Nothing was saved (one transaction): the citizen keeps what they typed.
                logger.warning("Inquiry not saved: the database is unavailable", exc_info=True)
                context = {
                    "form": form,
                    "notice": notice,
                    "notice_text": notice.text(get_language()),
                    "files_dropped": bool(request.FILES),
                    "not_saved": True,
                }
                return retry_later(render(request, "consult/new.html", context))
            due = first_response_due(track=Track.TRIAGE, received=submission.received_at)
            # A signed cookie, scoped to the received page, carries the reference there:
            # no session row is written for an anonymous citizen.
            received = reverse("consult:received")
            response = _see_other(received)
            response.set_signed_cookie(
                RECEIVED_COOKIE,
                f"{submission.reference}|{due.isoformat()}",
                salt=RECEIVED_COOKIE,
                max_age=RECEIVED_MAX_AGE,
                path=received,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
            return response
        # The browser cannot refill a file input: tell the citizen to choose the files again.
        files_dropped = bool(request.FILES)
    else:
        form = CaseForm(initial={"notice_version": notice.version}, action=action)
    return render(
        request,
        "consult/new.html",
        {
            "form": form,
            "notice": notice,
            "notice_text": notice.text(get_language()),
            "files_dropped": files_dropped,
        },
    )


@private_page
@require_GET
def case_received(request: HttpRequest) -> HttpResponse:
    received = request.get_signed_cookie(
        RECEIVED_COOKIE, default="", salt=RECEIVED_COOKIE, max_age=RECEIVED_MAX_AGE
    )
    context = {
        "first_response_days": settings.CONSULT_FIRST_RESPONSE_DAYS.get("triage", 1),
        "reference": None,
        "due": None,
    }
    reference, _sep, due = received.partition("|")
    if reference:
        context["reference"] = reference
        with contextlib.suppress(TypeError, ValueError):
            context["due"] = date.fromisoformat(due)
    return render(request, "consult/received.html", context)


# --- tracking ------------------------------------------------------------------------


def _open(reference: str, token: str) -> tuple[Case, AccessToken]:
    found = token_lookup(reference=reference, token=token)
    if found is None:
        raise Http404
    return found


def _track_url(case: Case, token: str) -> str:
    return reverse("consult:track", kwargs={"reference": case.reference, "token": token})


def _public_messages(case: Case):
    # Internal notes are filtered out here, in the query, and nowhere else is needed.
    return (
        Message.objects.filter(case=case, is_internal=False)
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def _track_context(request: HttpRequest, case: Case, token: str, *, bound: bool) -> dict:
    thread = list(_public_messages(case))
    form = None
    if not case.is_final:
        # Counted from the thread already fetched for the page (workflow.citizen_files is
        # the same count, taken again under the lock when the reply is saved).
        already = sum(
            len(message.attachments.all())
            for message in thread
            if message.author_kind == Message.Author.CITIZEN
        )
        form = ReplyForm(
            request.POST if bound else None,
            request.FILES if bound else None,
            already=already,
            action=_track_url(case, token),
        )
    return {
        "case": case,
        "token": token,
        "thread": thread,
        "form": form,
        "can_close": is_allowed("status", case.status, Status.CLOSED),
        "files_dropped": bound and bool(request.FILES),
    }


# What the tracking page shows changes only with the case's version (every workflow change
# and every message bumps it), so its content is kept in the cache under that version and
# rendered once. The private token is not in the cached copy: a placeholder stands in for
# it, and each request puts its own token back (a case may have several links).
TOKEN_PLACEHOLDER = "trackingtokenplaceholder7f3a9c"  # noqa: S105  (not a secret)
TRACK_CACHE_SECONDS = 24 * 3600


# A small per-process copy in front of the shared cache: a version never changes once
# written, so a worker can keep what it rendered or read without asking Redis again.
_TRACK_LOCAL: OrderedDict[str, str] = OrderedDict()
_TRACK_LOCAL_MAX = 256


def track_cache_key(case: Case, *, version: int, language: str) -> str:
    # The reference and the time of receipt make the key unique to this case even in a
    # database that was reset and hands out the same ids again. (consult.privacy drops
    # these copies when a case is anonymised.)
    received = case.created_at.timestamp()
    return f"consult:track:{case.pk}:{case.reference}:{received}:{version}:{language}"


def _track_content(request: HttpRequest, case: Case, token: str) -> str:
    key = track_cache_key(case, version=case.version, language=get_language())
    html = _TRACK_LOCAL.get(key)
    if html is None:
        try:
            html = cache.get(key)
        except Exception:  # a cache that fails is a cache that misses
            html = None
        if html is None:
            context = _track_context(request, case, TOKEN_PLACEHOLDER, bound=False)
            html = render_to_string("consult/_track_content.html", context, request)
            with contextlib.suppress(Exception):
                cache.set(key, html, TRACK_CACHE_SECONDS)
        _TRACK_LOCAL[key] = html
        if len(_TRACK_LOCAL) > _TRACK_LOCAL_MAX:
            _TRACK_LOCAL.popitem(last=False)
    return mark_safe(html.replace(TOKEN_PLACEHOLDER, token))  # noqa: S308  (our own render)


def _track_page(request: HttpRequest, case: Case, token: str, content: str) -> HttpResponse:
    # The course places of an education case change with every enrolment in their sessions,
    # not with the case's version: that block is rendered apart from the cached content.
    from .education_views import track_education

    education = track_education(request, case, token)
    return render(
        request, "consult/track.html", {"case": case, "content": content, "education": education}
    )


@request_limits(max_bytes=request_max_bytes, ratelimit=REPLY_LIMIT, too_many=_too_many)
@token_is_the_credential
@private_page
@require_http_methods(["GET", "POST"])
def case_track(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            return _track_post(request, reference, token)
        except DATABASE_UNAVAILABLE:
            logger.warning("Reply not saved: the database is unavailable", exc_info=True)
            return _reply_not_saved(request, reference, token)
    case, _row = _open(reference, token)
    if case.status == Status.MERGED:
        return _merged(request, case, token, "consult:track")
    content = _track_content(request, case, token)
    return _track_page(request, case, token, content)


def _merged(request: HttpRequest, case: Case, token: str, url_name: str) -> HttpResponse:
    """A merged case's link: the same page of the case it lives on in, for the same citizen.
    Merged into another citizen's case (merge_chain stops there), the link shows only that
    the center merged the inquiry, under its own reference: nothing of the other case."""
    survivor = case_survivor(case)
    if survivor.status == Status.MERGED:
        return render(request, "consult/merged.html", {"case": survivor})
    return HttpResponseRedirect(
        reverse(url_name, kwargs={"reference": survivor.reference, "token": token})
    )


def _reply_not_saved(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The reply form again with the citizen's text, read from the POST alone: the database
    may not even have told whether the link is valid, and the text is the sender's own."""
    url = reverse("consult:track", kwargs={"reference": reference, "token": token})
    form = ReplyForm(request.POST, action=url)
    context = {"form": form, "track_url": url, "files_dropped": bool(request.FILES)}
    return retry_later(render(request, "consult/reply_not_saved.html", context))


def _track_post(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    case, _row = _open(reference, token)
    if case.status == Status.MERGED:
        return _merged(request, case, token, "consult:track")
    retry = _retry_after(request, REPLY_LIMIT)
    if retry is not None:
        return _too_many(request, retry)
    url = _track_url(case, token)
    context = _track_context(request, case, token, bound=True)
    form = context["form"]
    if form is None:
        messages.error(request, _("This case is closed. Please send a new inquiry."))
        return _see_other(url)
    if form.is_valid():
        try:
            case_citizen_reply(
                case_id=case.pk,
                body=form.cleaned_data["body"],
                files=form.cleaned_data.get("attachments") or [],
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thank you. Your reply has been sent to us."))
            return _see_other(url)
    content = mark_safe(render_to_string("consult/_track_content.html", context, request))  # noqa: S308
    return _track_page(request, case, token, content)


@token_is_the_credential
@private_page
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    case, row = _open(reference, token)
    if case.status == Status.MERGED:
        return _merged(request, case, token, "consult:close")
    track_url = _track_url(case, token)
    if request.method == "POST":
        try:
            case_citizen_close(case_id=case.pk)
        except WorkflowError as exc:
            messages.error(request, str(exc))
            return _see_other(track_url)
        # Closing revokes every link but the newest; when this was an older one, the
        # tracking page would now be a 404, so the answer is given here instead.
        if not AccessToken.objects.filter(pk=row.pk, revoked_at__isnull=True).exists():
            return render(request, "consult/closed.html", {"case": case})
        messages.success(request, _("Your case is closed. Thank you for writing to us."))
        return _see_other(track_url)
    return render(
        request,
        "consult/close.html",
        {
            "case": case,
            "token": token,
            "track_url": track_url,
            "can_close": is_allowed("status", case.status, Status.CLOSED),
        },
    )


@private_page
@require_GET
def case_attachment(
    request: HttpRequest, reference: str, token: str, attachment_id: int
) -> HttpResponse:
    case, _row = _open(reference, token)
    # A merged case's files moved to the case it was merged into. Merged into another
    # citizen's case, the link opens no file at all, as it opens no thread (see _merged).
    case = case_survivor(case)
    if case.status == Status.MERGED:
        raise Http404
    attachment = (
        Attachment.objects.filter(pk=attachment_id, case=case, message__is_internal=False)
        .only("file", "original_name", "content_type")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


def attachment_response(attachment: Attachment) -> FileResponse:
    """A case file as a download, for the tracking page and the desk alike: never shown
    inline, never sniffed into another type, never kept by a cache."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        logger.error("Attachment %s: file missing from storage", attachment.pk)
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- find my case --------------------------------------------------------------------


@request_limits(ratelimit=FIND_LIMIT, too_many=_too_many)
@require_http_methods(["GET", "POST"])
def case_find(request: HttpRequest) -> HttpResponse:
    action = reverse("consult:find")
    if request.method == "POST":
        retry = _retry_after(request, FIND_LIMIT)
        if retry is not None:
            return _too_many(request, retry)
        form = FindForm(request.POST, action=action)
        if form.is_valid():
            # Whether or not it matched, the answer is the same: the page must not tell a
            # stranger which reference belongs to which address.
            case_send_link(
                reference=form.cleaned_data["reference"], email=form.cleaned_data["email"]
            )
            return _see_other(reverse("consult:find_sent"))
    else:
        form = FindForm(action=action)
    return render(request, "consult/find.html", {"form": form})


@require_GET
def case_find_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "consult/find_sent.html")


# --- the satisfaction survey ---------------------------------------------------------


def _survey_page(request: HttpRequest, survey, token: str, *, form=None, state: str, status=200):
    return render(
        request,
        "consult/survey.html",
        {"survey": survey, "case": survey.case, "token": token, "form": form, "state": state},
        status=status,
    )


@token_is_the_credential
@private_page
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The survey link's page: the form, or "thank you" once answered (410 once expired).
    Only the POST writes, once; a second answer is refused with 409."""
    found = survey_lookup(token=token)
    if found is None:
        raise Http404
    action = reverse("consult:survey", kwargs={"token": token})
    if found.answered_at is not None:
        if request.method == "POST":
            messages.error(
                request, _("You have already answered this survey; we keep your first answer.")
            )
            return _survey_page(request, found, token, state="answered", status=409)
        return _survey_page(request, found, token, state="answered")
    if survey_is_expired(found):
        return _survey_page(request, found, token, state="expired", status=410)
    if request.method == "GET":
        return _survey_page(request, found, token, form=SurveyForm(action=action), state="open")
    form = SurveyForm(request.POST, action=action)
    if not form.is_valid():
        return _survey_page(request, found, token, form=form, state="open", status=400)
    try:
        survey_answer(
            survey_id=found.pk,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except SurveyAnswered as exc:
        messages.error(request, str(exc))
        return _survey_page(request, found, token, state="answered", status=409)
    except SurveyExpired:
        return _survey_page(request, found, token, state="expired", status=410)
    messages.success(request, _("Thank you! Your answer has been recorded."))
    return _see_other(action)
