"""The private tracking page, the close confirmation and attachment downloads: a tracking URL
(reference + token) is the only key; a wrong one is a 404 that says nothing; the page shows
public messages only, lets the citizen reply and close, and never leaks its token."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consult import workflow
from consult.models import Attachment, Event, Message
from consult.services import attachment_store, token_issue
from coopcenter.outbox.models import OutgoingMail
from tests.consult.factories import counselor, manager, routed_case, submit_case
from tests.consult.test_uploads import exe_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

NOTE = "내부 메모: 이 시민은 지난달에도 같은 질문을 했음"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff():
    return counselor("triage", "advice", username="desk")


def track(case, token, language="ko") -> str:
    with translation.override(language):
        return reverse("consult:track", kwargs={"reference": case.reference, "token": token})


def close(case, token) -> str:
    with translation.override("ko"):
        return reverse("consult:close", kwargs={"reference": case.reference, "token": token})


def download(case, token, attachment_id) -> str:
    with translation.override("ko"):
        return reverse(
            "consult:attachment",
            kwargs={"reference": case.reference, "token": token, "attachment_id": attachment_id},
        )


def pdf(name="답변서.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def assert_private(response):
    assert response["Referrer-Policy"] == "no-referrer"
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


class Urls(HTMLParser):
    """Every URL the page carries in an attribute."""

    def __init__(self, html):
        super().__init__()
        self.urls: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in {"href", "src", "action", "formaction"} and value:
                self.urls.append(value)


# --- opening the page ----------------------------------------------------------------


def test_the_right_link_opens_the_case_privately(client):
    case, token = submit_case(email="hana@example.org")
    response = client.get(track(case, token))
    assert response.status_code == 200
    assert_private(response)
    assert response["X-Robots-Tag"].startswith("noindex")
    body = response.content.decode()
    assert '<meta name="robots" content="noindex">' in body
    assert case.reference in body
    assert "협동조합을 만들고 싶은데" in body  # the citizen's own first message
    assert not any("hana@example.org" in url for url in Urls(body).urls)
    assert "hana@example.org" not in body


def test_the_page_shows_status_service_and_dates_in_the_page_language(client, staff):
    case, token = routed_case("advice")
    english = client.get(track(case, token, "en")).content.decode()
    assert "Triaged" in english and "Advice" in english
    assert "First answer expected by" in english
    korean = client.get(track(case, token)).content.decode()
    assert '<html lang="ko">' in korean


def test_wrong_token_and_unknown_reference_get_the_same_404(client):
    case, token = submit_case()
    other, _ = submit_case()
    wrong_token = client.get(track(case, "x" * 43))
    unknown_reference = client.get(f"/consult/track/COOP-2026-999999/{token}/")
    someone_elses = client.get(track(other, token))
    for response in (wrong_token, unknown_reference, someone_elses):
        assert response.status_code == 404
        assert_private(response)

    def scrubbed(response, reference, token_):
        # The pages differ only where they echo the address asked for (language links).
        return response.content.decode().replace(reference, "REF").replace(token_, "TOKEN")

    assert scrubbed(wrong_token, case.reference, "x" * 43) == scrubbed(
        unknown_reference, "COOP-2026-999999", token
    )
    assert scrubbed(someone_elses, other.reference, token) == scrubbed(
        unknown_reference, "COOP-2026-999999", token
    )


def test_a_revoked_link_is_a_404(client):
    case, token = submit_case()
    case.tokens.update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get(track(case, token)).status_code == 404


@pytest.mark.parametrize("path", ["", "COOP-2026-000001/", "COOP-2026-000001/ /"])
def test_a_tracking_url_without_a_token_is_a_404(client, path):
    submit_case()
    assert client.get("/consult/track/" + path).status_code == 404


def test_staff_login_opens_nothing_without_the_token(client, staff):
    """The public views never look at who is logged in: a manager without the token gets
    the same 404 as anybody, and with the token the same page as the citizen."""
    case, token = routed_case("advice")
    boss = manager()
    anonymous = Client()
    with_login = Client()
    with_login.force_login(boss)
    desk = Client()
    desk.force_login(staff)
    matrix = {
        "anonymous, no token": (anonymous, "/consult/track/" + case.reference + "/", 404),
        "anonymous, wrong token": (anonymous, track(case, "nope"), 404),
        "anonymous, right token": (anonymous, track(case, token), 200),
        "manager, no token": (with_login, "/consult/track/" + case.reference + "/", 404),
        "manager, wrong token": (with_login, track(case, "nope"), 404),
        "manager, right token": (with_login, track(case, token), 200),
        "counselor, wrong token": (desk, track(case, "nope"), 404),
        "counselor, close, wrong token": (desk, close(case, "nope"), 404),
        "counselor, file, wrong token": (desk, download(case, "nope", 1), 404),
    }
    for label, (who, url, status) in matrix.items():
        assert who.get(url).status_code == status, label


def test_the_page_is_the_same_for_a_logged_in_counselor(client, staff):
    case, token = routed_case("advice")
    anonymous = client.get(track(case, token)).context
    desk = Client()
    desk.force_login(staff)
    logged_in = desk.get(track(case, token)).context
    assert case.message in anonymous["content"]
    assert anonymous["content"] == logged_in["content"]


# --- what the page shows -------------------------------------------------------------


def test_public_messages_oldest_first_and_never_an_internal_note(
    client, staff, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, token = routed_case("advice")
        actor = workflow.Actor.staff(staff)
        workflow.case_reply(case_id=case.pk, actor=actor, body="첫 답변입니다.")
        workflow.case_note(case_id=case.pk, actor=actor, body=NOTE)
        workflow.case_reply(case_id=case.pk, actor=actor, body="두 번째 답변입니다.")
        workflow.case_transition(case_id=case.pk, status="resolved", actor=actor)

    body = client.get(track(case, token, "en")).content.decode()
    assert NOTE not in body
    first = body.index("협동조합을 만들고 싶은데")
    assert first < body.index("첫 답변입니다.") < body.index("두 번째 답변입니다.")
    assert body.count(">You<") == 1
    assert body.count(">Counselor<") == 2
    assert staff.username not in body

    # Nor in any mail, queued or sent.
    assert OutgoingMail.objects.exists()
    for mail in OutgoingMail.objects.all():
        assert NOTE not in json.dumps(mail.context, ensure_ascii=False)
    assert mailoutbox
    for message in mailoutbox:
        assert NOTE not in message.body
        assert all(NOTE not in content for content, _type in message.alternatives)


def test_a_counselor_file_is_listed_under_its_message(client, staff):
    case, token = routed_case("advice")
    workflow.case_reply(
        case_id=case.pk, actor=workflow.Actor.staff(staff), body="자료 보내드립니다.", files=[pdf()]
    )
    attachment = Attachment.objects.get()
    body = client.get(track(case, token)).content.decode()
    assert download(case, token, attachment.pk) in body
    assert "답변서.pdf" in body


def test_a_file_on_an_internal_note_is_neither_listed_nor_served(client, staff):
    case, token = routed_case("advice")
    note = workflow.case_note(case_id=case.pk, actor=workflow.Actor.staff(staff), body=NOTE)
    hidden = attachment_store(case=case, message=note, upload=pdf("내부자료.pdf"))
    body = client.get(track(case, token)).content.decode()
    assert "내부자료.pdf" not in body
    assert client.get(download(case, token, hidden.pk)).status_code == 404


def test_tracking_page_queries_do_not_grow_with_the_messages(
    client, staff, django_assert_num_queries
):
    case, token = routed_case("advice")
    actor = workflow.Actor.staff(staff)
    workflow.case_reply(case_id=case.pk, actor=actor, body="하나", files=[pdf()])
    url = track(case, token)
    # Token and case; messages; their attachments (the reply form counts from those).
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200
    for n in range(6):
        workflow.case_reply(case_id=case.pk, actor=actor, body=f"답변 {n}", files=[pdf()])
        workflow.case_citizen_reply(case_id=case.pk, body=f"질문 {n}")
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.content.decode().count('class="consult-message ') == 14


# --- replying ------------------------------------------------------------------------


def test_a_reply_to_a_waiting_case_goes_back_to_the_counselor(client, staff):
    case, token = routed_case("advice")
    assert case.assignee == staff
    workflow.case_reply(
        case_id=case.pk,
        actor=workflow.Actor.staff(staff),
        body="사업계획서를 보내 주세요.",
        wait_on_citizen=True,
    )
    case.refresh_from_db()
    assert case.status == "waiting_on_citizen"
    page = client.get(track(case, token, "en")).content.decode()
    assert "Your counselor is waiting for your answer." in page

    response = client.post(
        track(case, token), {"body": "첨부합니다.", "attachments": [pdf("사업계획서.pdf")]}
    )
    assert response.status_code == 303
    assert response["Location"] == track(case, token)
    assert_private(response)
    case.refresh_from_db()
    assert case.status == "in_progress"
    event = Event.objects.filter(case=case, field="status").last()
    assert (event.new_value, event.actor_kind) == ("in_progress", "citizen")
    mail = OutgoingMail.objects.get(template="consult_staff_citizen_replied")
    assert mail.recipient == staff.email
    reply = Message.objects.filter(case=case, author_kind="citizen").last()
    assert reply.body == "첨부합니다."
    assert reply.attachments.get().original_name == "사업계획서.pdf"

    page = client.get(response["Location"])
    body = page.content.decode()
    assert "첨부합니다." in body and "사업계획서.pdf" in body
    assert [m.level_tag for m in page.context["messages"]] == ["success"]
    assert "alert-success" in body


def test_a_reply_to_a_new_case_is_added_and_changes_no_status(client):
    case, token = submit_case()
    assert client.post(track(case, token), {"body": "추가 질문입니다."}).status_code == 303
    case.refresh_from_db()
    assert case.status == "new"
    assert case.messages.filter(author_kind="citizen").count() == 2


def test_an_empty_reply_is_explained_and_saves_nothing(client):
    case, token = submit_case()
    response = client.post(track(case, token), {"body": "  "})
    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert_private(response)
    assert case.messages.count() == 1


def test_a_reply_file_is_checked_like_an_inquiry_file(client):
    case, token = submit_case()
    bad = SimpleUploadedFile("견적서.pdf", exe_bytes())
    response = client.post(track(case, token, "en"), {"body": "파일", "attachments": [bad]})
    assert response.status_code == 200
    assert "does not look like" in " ".join(response.context["form"].errors["attachments"])
    assert case.messages.count() == 1
    assert Attachment.objects.count() == 0


def test_files_already_on_the_case_count_against_the_limit(client, settings):
    settings.CONSULT_MAX_FILES = 3
    case, token = submit_case(files=[pdf("1.pdf"), pdf("2.pdf")])
    response = client.post(
        track(case, token, "en"), {"body": "두 개 더", "attachments": [pdf("3.pdf"), pdf("4.pdf")]}
    )
    assert response.status_code == 200
    assert "At most 3 files" in " ".join(response.context["form"].errors["attachments"])
    assert (
        client.post(
            track(case, token), {"body": "하나 더", "attachments": [pdf("3.pdf")]}
        ).status_code
        == 303
    )
    # Full: the form has no file field any more, and a file sent anyway is ignored.
    page = client.get(track(case, token))
    assert 'name="attachments"' not in page.content.decode()
    response = client.post(track(case, token), {"body": "텍스트", "attachments": [pdf("5.pdf")]})
    assert response.status_code == 303
    assert Attachment.objects.filter(case=case).count() == 3


def test_a_refusal_of_the_workflow_is_shown_on_the_page(client, monkeypatch):
    case, token = submit_case()

    def refuse(**kwargs):
        raise workflow.WorkflowError("이 사건은 지금 답장을 받을 수 없습니다.")

    monkeypatch.setattr("consult.views.case_citizen_reply", refuse)
    response = client.post(track(case, token), {"body": "안녕하세요"})
    assert response.status_code == 200
    assert "이 사건은 지금 답장을 받을 수 없습니다." in response.content.decode()


def test_a_closed_case_takes_no_reply(client, staff):
    case, token = routed_case("advice")
    workflow.case_citizen_close(case_id=case.pk)
    page = client.get(track(case, token, "en"))
    body = page.content.decode()
    assert page.context["form"] is None
    assert 'name="body"' not in body
    assert "This case is closed" in body
    assert "/en/consult/new/" in body
    assert close(case, token) not in body

    response = client.post(track(case, token), {"body": "혹시요?"})
    assert response.status_code == 303
    assert case.messages.filter(body="혹시요?").count() == 0


# --- closing -------------------------------------------------------------------------


def test_the_close_link_is_offered_only_when_the_citizen_may_close(client, staff):
    new_case, new_token = submit_case()
    assert close(new_case, new_token) not in client.get(track(new_case, new_token)).content.decode()
    case, token = routed_case("advice")
    assert close(case, token) in client.get(track(case, token)).content.decode()


def test_the_close_page_changes_nothing_until_confirmed(client, staff):
    case, token = routed_case("advice")
    before = (case.status, case.version, Event.objects.filter(case=case).count())
    for _ in range(2):
        response = client.get(close(case, token))
        assert response.status_code == 200
        assert_private(response)
    assert re.search(r'<form method="post" action="[^"]+/close/"', response.content.decode())
    case.refresh_from_db()
    assert (case.status, case.version, Event.objects.filter(case=case).count()) == before

    english = client.get("/en" + close(case, token)).content.decode()
    assert "Yes, close my case" in english
    assert '<meta name="robots" content="noindex">' in english


def test_confirming_closes_the_case(client, staff):
    case, token = routed_case("advice")
    response = client.post(close(case, token))
    assert response.status_code == 303
    assert response["Location"] == track(case, token)
    assert_private(response)
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    event = Event.objects.filter(case=case, field="status").last()
    assert (event.new_value, event.actor_kind) == ("closed", "citizen")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["form"] is None


def test_closing_twice_is_harmless(client, staff):
    case, token = routed_case("advice")
    client.post(close(case, token))
    assert client.post(close(case, token)).status_code == 303
    assert Event.objects.filter(case=case, new_value="closed").count() == 1


def test_a_new_case_cannot_be_closed_by_the_citizen(client):
    case, token = submit_case()
    page = client.get("/en" + close(case, token)).content.decode()
    assert "Yes, close my case" not in page
    response = client.post(close(case, token))
    assert response.status_code == 303
    case.refresh_from_db()
    assert case.status == "new"


def test_closing_with_an_older_link_says_so_instead_of_a_404(client, staff):
    case, old = routed_case("advice")
    _row, new = token_issue(case=case)
    response = client.post(close(case, old))
    assert response.status_code == 200
    assert_private(response)
    assert "consult/closed.html" in [t.name for t in response.templates]
    assert client.get(track(case, old)).status_code == 404
    assert client.get(track(case, new)).status_code == 200


def test_close_refuses_get_side_effects_and_other_methods(client, staff):
    case, token = routed_case("advice")
    assert client.put(close(case, token)).status_code == 405
    case.refresh_from_db()
    assert case.status == "triaged"


# --- files ---------------------------------------------------------------------------


def test_a_file_of_the_case_downloads_as_an_attachment(client):
    case, token = submit_case(files=[SimpleUploadedFile("현장 사진.png", png_bytes())])
    attachment = Attachment.objects.get()
    response = client.get(download(case, token, attachment.pk))
    assert response.status_code == 200
    assert_private(response)
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%ED%98%84%EC%9E%A5%20%EC%82%AC%EC%A7%84.png" in disposition
    assert b"".join(response.streaming_content) == png_bytes()


def test_a_file_of_another_case_is_a_404_through_this_link(client):
    case, token = submit_case()
    other, other_token = submit_case(files=[pdf()])
    theirs = Attachment.objects.get(case=other)
    response = client.get(download(case, token, theirs.pk))
    assert response.status_code == 404
    assert_private(response)
    assert client.get(download(other, token, theirs.pk)).status_code == 404
    assert client.get(download(other, other_token, theirs.pk)).status_code == 200
    assert client.get(download(case, token, 999999)).status_code == 404


def test_a_file_missing_from_storage_is_a_404(client):
    case, token = submit_case(files=[pdf()])
    attachment = Attachment.objects.get()
    attachment.file.delete(save=False)
    assert client.get(download(case, token, attachment.pk)).status_code == 404


# --- merged cases --------------------------------------------------------------------


def test_a_merged_case_link_leads_to_the_surviving_case(client, staff):
    duplicate, token = submit_case(message="중복 문의입니다.", files=[pdf("중복.pdf")])
    survivor, _ = routed_case("advice")
    workflow.case_merge(
        case_id=duplicate.pk,
        into_reference=survivor.reference,
        actor=workflow.Actor.staff(staff),
    )
    response = client.get(track(duplicate, token))
    assert response.status_code == 302
    assert response["Location"] == track(survivor, token)
    assert_private(response)
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert survivor.reference in body
    assert "중복 문의입니다." in body
    moved = Attachment.objects.get(original_name="중복.pdf")
    assert download(survivor, token, moved.pk) in body
    assert client.get(download(survivor, token, moved.pk)).status_code == 200
    assert client.get(close(duplicate, token))["Location"] == close(survivor, token)


def test_a_case_merged_into_another_citizens_case_shows_nothing_of_it(client, staff):
    absorbed, token = submit_case(email="minji@example.org", message="민지의 문의입니다.")
    mine = attachment_store(case=absorbed, message=None, upload=pdf("민지.pdf"))
    target, target_token = routed_case("advice", email="hana@example.org")
    workflow.case_reply(case_id=target.pk, actor=workflow.Actor.staff(staff), body="하나님께 답변")
    theirs = attachment_store(case=target, message=None, upload=pdf("하나.pdf"))
    workflow.case_merge(
        case_id=absorbed.pk,
        into_reference=target.reference,
        actor=workflow.Actor.staff(manager(username="boss")),
        different_citizen_confirmed=True,
    )

    page = client.get(track(absorbed, token, "en"))
    assert page.status_code == 200
    assert_private(page)
    body = page.content.decode()
    assert absorbed.reference in body and "merged this inquiry into another one" in body
    korean = client.get(track(absorbed, token)).content.decode()
    assert "다른 문의에 병합했습니다" in korean and target.reference not in korean
    assert target.reference not in body and "하나님께 답변" not in body
    # The link never opens the other case, under its reference either, nor its files.
    assert client.get(track(target, token)).status_code == 404
    assert client.get(download(target, token, theirs.pk)).status_code == 404
    assert client.get(download(absorbed, token, theirs.pk)).status_code == 404
    assert client.get(download(absorbed, token, mine.pk)).status_code == 404
    # Closing and replying through it lead to the same page and change nothing.
    assert target.reference not in client.get(close(absorbed, token)).content.decode()
    client.post(track(absorbed, token), {"body": "몰래 쓰기"})
    assert not Message.objects.filter(body="몰래 쓰기").exists()
    # And the other citizen's page shows nothing of the absorbed one.
    other = client.get(track(target, target_token)).content.decode()
    assert "민지의 문의입니다." not in other and "민지.pdf" not in other


def test_urls_on_the_page_never_carry_the_email_address(client, staff):
    case, token = routed_case("advice", email="hana.kim+coop@citizen.test")
    workflow.case_reply(case_id=case.pk, actor=workflow.Actor.staff(staff), body="답변")
    body = client.get(track(case, token)).content.decode()
    urls = Urls(body).urls
    assert urls
    assert not [url for url in urls if "hana" in url or "citizen.test" in url]
    assert re.search(r"hana\.kim", body) is None


# --- the token is the credential -----------------------------------------------------


def test_forms_of_the_tracking_page_work_as_browsers_send_them(staff):
    """Under Referrer-Policy: no-referrer a browser posts with `Origin: null` and no Referer.
    The tracking views need no CSRF cookie (no cookie authorises anything there: the URL
    does), so the reply and the close still go through."""
    browser = Client(enforce_csrf_checks=True)
    case, token = routed_case("advice")
    reply = browser.post(track(case, token), {"body": "답장입니다."}, HTTP_ORIGIN="null")
    assert reply.status_code == 303
    assert case.messages.filter(body="답장입니다.").exists()
    closing = browser.post(close(case, token), HTTP_ORIGIN="null")
    assert closing.status_code == 303
    case.refresh_from_db()
    assert case.status == "closed"
    # A forged post that does not know the token reaches nothing.
    assert browser.post(track(case, "guess"), {"body": "x"}).status_code == 404


def test_the_public_forms_without_a_token_keep_their_csrf_check():
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/consult/new/", {"name": "x"}).status_code == 403
    assert browser.post("/consult/find/", {"reference": "x"}).status_code == 403


# --- the cached page -----------------------------------------------------------------


def test_the_cached_page_follows_every_change_of_the_case(client, staff):
    case, token = routed_case("advice", by=staff)
    actor = workflow.Actor.staff(staff)
    url = track(case, token)
    assert "첫 답변입니다" not in client.get(url).content.decode()  # cached now
    workflow.case_reply(case_id=case.pk, actor=actor, body="첫 답변입니다", wait_on_citizen=True)
    page = client.get(url).content.decode()
    assert "첫 답변입니다" in page
    workflow.case_note(case_id=case.pk, actor=actor, body="내부 메모 비밀")
    client.post(url, {"body": "시민의 두 번째 글"})
    page = client.get(url).content.decode()
    assert "시민의 두 번째 글" in page and "내부 메모 비밀" not in page
    workflow.case_transition(case_id=case.pk, status="resolved", actor=actor)
    assert "consult-status-resolved" in client.get(url).content.decode()
    workflow.case_transition(case_id=case.pk, status="in_progress", actor=actor)
    client.get(url)
    # A message alone, with no change of status, is a new version of the page too.
    workflow.case_reply(case_id=case.pk, actor=actor, body="두 번째 답변")
    assert "두 번째 답변" in client.get(url).content.decode()


def test_each_link_of_a_case_gets_its_own_token_back_and_the_cache_keeps_none(client):
    from django.core.cache import cache

    from consult.services import token_issue

    case, first = submit_case(files=[pdf("견적서.pdf")])
    _row, second = token_issue(case=case)
    pages = {token: client.get(track(case, token)).content.decode() for token in (first, second)}
    for token, other in ((first, second), (second, first)):
        assert f"/{token}/files/" in pages[token] and other not in pages[token]
        assert "placeholder" not in pages[token]
    case.refresh_from_db()
    received = case.created_at.timestamp()
    cached = cache.get(f"consult:track:{case.pk}:{case.reference}:{received}:{case.version}:ko")
    assert cached is not None and first not in cached and second not in cached
