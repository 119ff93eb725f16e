"""Every mail of the case desk, in both languages, triggered by the real call and delivered
through the outbox (tasks run eagerly in tests; django.core.mail.outbox collects)."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.test import override_settings
from django.utils import translation

from consult import mails, services, workflow
from consult.models import Case
from consult.templatetags.consult import case_label
from coopcenter.outbox.models import OutgoingMail
from coopcenter.outbox.templates import MAIL_TEMPLATES
from tests.outbox.links import mail_link

from .factories import StaffFactory, counselor, submit_case

pytestmark = pytest.mark.django_db

NOTE = "INTERNAL-NOTE do not send: citizen sounded upset"
REPLY = "Founding education runs twice a month.\nSign up at the center: 30 seats."
URL = re.compile(r"https?://[^\s\"'<>]+")
CONSULT_TEMPLATES = sorted(t for t in MAIL_TEMPLATES if t.startswith("consult_"))
SIGNATURE = {"ko": "서울시협동조합상담센터", "en": "Seoul Co-op Consultation Center"}


@dataclass
class Sent:
    mail: django_mail.EmailMultiAlternatives
    case: Case
    expect_in_body: list[str]
    recipient: str
    row: OutgoingMail


@pytest.fixture
def desk():
    return {
        "triage": counselor("triage", username="tri"),
        "advice": counselor("advice", username="adv"),
        "consulting": counselor("consulting", username="con"),
        "boss": StaffFactory(username="boss"),
    }


def _case(language: str, desk, *, routed: bool = True) -> tuple[Case, str]:
    case, token = submit_case(language=language, email=f"citizen-{language}@example.org")
    workflow.case_note(case_id=case.pk, actor=workflow.Actor.staff(desk["boss"]), body=NOTE)
    if routed:
        case = workflow.case_route(
            case_id=case.pk, track="advice", actor=workflow.Actor.staff(desk["boss"])
        )
    return Case.objects.get(pk=case.pk), token


def _deliver(capture, template: str, action: Callable[[], tuple[Case, list[str], str]]) -> Sent:
    with capture(execute=True):
        case, expect, recipient = action()
    row = OutgoingMail.objects.filter(template=template).order_by("pk").last()
    assert row is not None, f"{template} was not queued"
    assert row.status == "sent", row.last_error
    matching = [
        m
        for m in django_mail.outbox
        if m.extra_headers["Message-ID"].startswith(f"<outbox-{row.pk}@")
    ]
    assert len(matching) == 1
    return Sent(matching[0], case, expect, recipient, row)


def trigger(template: str, language: str, desk) -> Callable[[], tuple[Case, list[str], str]]:
    boss = workflow.Actor.staff(desk["boss"])

    def acknowledge():
        case, token = submit_case(language=language, email=f"citizen-{language}@example.org")
        return case, [mails.tracking_url(case, token), token], case.email

    def link():
        case, _ = _case(language, desk)
        services.case_send_link(reference=case.reference, email=case.email)
        url = mail_link(OutgoingMail.objects.get(template="consult_link"), "tracking_url")
        return case, [url], case.email

    def reply():
        case, _ = _case(language, desk)
        workflow.case_reply(case_id=case.pk, actor=boss, body=REPLY)
        return case, [REPLY, mails.find_url(case)], case.email

    def referred():
        case, _ = _case(language, desk)
        workflow.case_route(case_id=case.pk, track="consulting", actor=boss, reason=NOTE)
        with translation.override(language):
            labels = [case_label("advice", "track"), case_label("consulting", "track")]
        return case, labels, case.email

    def resolved():
        case, _ = _case(language, desk)
        workflow.case_transition(case_id=case.pk, status="resolved", actor=boss)
        return case, [mails.find_url(case)], case.email

    def staff_citizen_replied():
        case, _ = _case(language, desk)
        workflow.case_citizen_reply(case_id=case.pk, body="Thank you, one more question")
        return case, [settings.SITE_URL + case.get_admin_url()], desk["advice"].email

    def staff_assigned():
        case, _ = _case(language, desk)
        workflow.case_assign(case_id=case.pk, assignee=desk["consulting"], actor=boss)
        with translation.override(language):
            label = case_label("advice", "track")
        return case, [settings.SITE_URL + case.get_admin_url(), label], desk["consulting"].email

    return {
        "consult_acknowledge": acknowledge,
        "consult_link": link,
        "consult_reply": reply,
        "consult_referred": referred,
        "consult_resolved": resolved,
        "consult_staff_citizen_replied": staff_citizen_replied,
        "consult_staff_assigned": staff_assigned,
    }[template]


def test_every_consult_template_is_covered():
    assert (
        sorted(
            [
                "consult_acknowledge",
                "consult_link",
                "consult_reply",
                "consult_referred",
                "consult_resolved",
                "consult_staff_citizen_replied",
                "consult_staff_assigned",
            ]
        )
        == CONSULT_TEMPLATES
    )


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("template", CONSULT_TEMPLATES)
def test_mail(django_capture_on_commit_callbacks, desk, template, language):
    staff_mail = template.startswith("consult_staff_")
    # Staff mails are written in the site's language; the citizen's in theirs.
    with override_settings(LANGUAGE_CODE=language if staff_mail else settings.LANGUAGE_CODE):
        sent = _deliver(
            django_capture_on_commit_callbacks, template, trigger(template, language, desk)
        )
    message, case = sent.mail, sent.case
    text = message.body
    html, mimetype = message.alternatives[0]

    assert message.to == [sent.recipient]
    assert sent.row.language == language
    assert case.reference in message.subject
    assert SIGNATURE[language] in text
    for needle in sent.expect_in_body:
        assert needle in text, f"{needle!r} missing from the text of {template}"
    assert mimetype == "text/html"
    assert case.reference in html and f'lang="{language}"' in html
    for part in (message.subject, text, html):
        assert "INTERNAL-NOTE" not in part
        assert "{{" not in part and "{%" not in part
    for url in URL.findall(text) + URL.findall(html):
        assert "@" not in url, f"an address in {url}"
        assert url.startswith(settings.SITE_URL)
    if not staff_mail:
        assert text.lstrip().startswith(
            {"ko": f"{case.name}님", "en": f"Dear {case.name}"}[language]
        )


@pytest.mark.parametrize("language", ["ko", "en"])
def test_tracking_links_are_in_the_citizens_language(language):
    case, token = submit_case(language=language)
    url = mails.tracking_url(case, token)
    prefix = settings.SITE_URL + ("/en" if language == "en" else "") + "/consult/track/"
    assert url == f"{prefix}{case.reference}/{token}/"


@pytest.mark.parametrize("language", ["ko", "en"])
def test_find_page_is_in_the_citizens_language(language):
    case, _ = submit_case(language=language)
    expected = settings.SITE_URL + ("/en" if language == "en" else "") + "/consult/find/"
    assert mails.find_url(case) == expected


def test_referral_labels_follow_the_language(django_capture_on_commit_callbacks, desk):
    """The Korean labels come from the .po; whatever they are, the mail shows them."""
    for language in ("ko", "en"):
        sent = _deliver(
            django_capture_on_commit_callbacks,
            "consult_referred",
            trigger("consult_referred", language, desk),
        )
        with translation.override(language):
            old, new = case_label("advice", "track"), case_label("consulting", "track")
        assert old in sent.mail.body and new in sent.mail.body
        assert sent.mail.body.index(old) < sent.mail.body.index(new)


def test_queueing_a_mail_twice_sends_it_once(django_capture_on_commit_callbacks, desk):
    with django_capture_on_commit_callbacks(execute=True):
        case, _ = _case("ko", desk)
        workflow.case_transition(
            case_id=case.pk, status="resolved", actor=workflow.Actor.staff(desk["boss"])
        )
    event = case.events.filter(new_value="resolved").get()
    count = len(django_mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        mails.mail_resolved(case=Case.objects.get(pk=case.pk), event=event)
    assert len(django_mail.outbox) == count
    assert OutgoingMail.objects.filter(template="consult_resolved").count() == 1


def test_no_mail_for_staff_without_an_address(desk):
    desk["advice"].email = ""
    desk["advice"].save()
    case, _ = _case("ko", desk)
    workflow.case_citizen_reply(case_id=case.pk, body="hello")
    assert not OutgoingMail.objects.filter(template="consult_staff_citizen_replied").exists()
