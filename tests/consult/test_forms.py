"""The citizens' forms on their own: what each field takes and refuses, and that labels and
help come in the language of the page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from consult.forms import CaseForm, FindForm, MultipleFileField, ReplyForm
from registry.models import District
from tests.consult.test_views_intake import valid_data

pytestmark = pytest.mark.django_db


def pdf(name="a.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


def test_a_complete_inquiry_is_valid_and_cleans_to_what_submission_receive_takes():
    form = CaseForm(valid_data())
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["attachments"] == []
    assert data["district"] is None
    assert data["consent"] is True
    assert not form.is_spam


@pytest.mark.parametrize(
    "phone",
    ["010-1234-5678", "01012345678", "02-123-4567", "+82 10 1234 5678", "+82-2-123-4567"],
)
def test_korean_phone_numbers_in_their_usual_shapes_are_taken(phone):
    form = CaseForm(valid_data(phone=phone))
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("010\u20131234\u20135678", "010-1234-5678"),
        # The full-width forms a Korean keyboard types in its full-width mode.
        ("".join(chr(ord(c) + 0xFEE0) for c in "010-1234-5678"), "010-1234-5678"),
    ],
)
def test_typographic_dashes_and_wide_digits_become_plain_ones(typed, kept):
    form = CaseForm(valid_data(phone=typed))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == kept


@pytest.mark.parametrize(
    "phone",
    [
        "12345678",
        "010-1234-567a",
        "tel:0101234",
        "+",
        "--------------",
        "1" * 21,
    ],
)
def test_anything_else_is_not_a_phone_number(phone):
    form = CaseForm(valid_data(phone=phone))
    assert not form.is_valid()
    assert "phone" in form.errors


def test_the_district_is_optional_and_must_exist():
    District.objects.update_or_create(
        code="11110", defaults={"name_ko": "종로구", "name_en": "Jongno-gu"}
    )
    assert CaseForm(valid_data(district="11110")).is_valid()
    form = CaseForm(valid_data(district="00000"))
    assert not form.is_valid() and "district" in form.errors


def test_district_names_follow_the_language_the_form_is_shown_in():
    District.objects.update_or_create(
        code="11110", defaults={"name_ko": "종로구", "name_en": "Jongno-gu"}
    )
    with translation.override("en"):
        assert ("11110", "Jongno-gu") in list(CaseForm().fields["district"].choices)
    with translation.override("ko"):
        assert ("11110", "종로구") in list(CaseForm().fields["district"].choices)


def test_service_wanted_offers_not_sure():
    values = [value for value, _label in CaseForm().fields["service_wanted"].choices]
    assert values == ["education", "advice", "consulting", "unsure"]


def test_the_message_is_limited_to_5000_characters():
    assert CaseForm(valid_data(message="가" * 5000)).is_valid()
    form = CaseForm(valid_data(message="가" * 5001))
    assert "message" in form.errors


def test_consent_is_required_with_its_own_explanation():
    with translation.override("en"):
        form = CaseForm(valid_data(consent=None))
        assert not form.is_valid()
        assert "with your consent" in form.errors["consent"][0]


def test_the_honeypot_is_seen_whatever_else_is_wrong():
    assert CaseForm({"website": "http://spam.example"}).is_spam
    assert not CaseForm({"website": "   "}).is_spam


def test_help_texts_follow_the_language_and_the_settings():
    with translation.override("en"), override_settings(CONSULT_MAX_FILES=3):
        form = CaseForm()
        assert "Up to 3 files" in form.fields["attachments"].help_text
        assert "5000" in form.fields["message"].help_text


def test_the_file_field_takes_several_files_and_none():
    field = MultipleFileField(required=False)
    assert field.clean([]) == []
    assert field.clean(None) == []
    one, two = pdf("1.pdf"), pdf("2.pdf")
    assert field.clean([one, two]) == [one, two]
    assert field.clean(one) == [one]
    assert field.widget.allow_multiple_selected


def test_the_inquiry_form_checks_its_files():
    form = CaseForm(valid_data(), {"attachments": [SimpleUploadedFile("x.exe", b"MZ\x90\x00")]})
    assert not form.is_valid()
    assert "attachments" in form.errors


def test_a_reply_needs_a_text():
    form = ReplyForm({"body": "  "})
    assert not form.is_valid() and "body" in form.errors
    assert ReplyForm({"body": "네, 알겠습니다."}).is_valid()


@override_settings(CONSULT_MAX_FILES=5)
def test_a_reply_counts_the_files_the_case_already_has():
    files = {"attachments": [pdf("1.pdf"), pdf("2.pdf")]}
    assert ReplyForm({"body": "파일"}, files, already=3).is_valid()
    form = ReplyForm({"body": "파일"}, files, already=4)
    assert not form.is_valid()
    assert "attachments" in form.errors
    with translation.override("en"):
        assert "Up to 1 file of" in ReplyForm(already=4).fields["attachments"].help_text


def test_a_case_with_all_its_files_offers_no_file_field():
    form = ReplyForm(already=5)
    assert "attachments" not in form.fields
    assert ReplyForm({"body": "텍스트만"}, already=5).is_valid()


def test_find_form_normalises_the_reference():
    form = FindForm({"reference": "  coop-2026-000001 ", "email": "Hana@Example.org"})
    assert form.is_valid()
    assert form.cleaned_data["reference"] == "COOP-2026-000001"


@pytest.mark.parametrize(
    "data",
    [
        {"reference": "", "email": "hana@example.org"},
        {"reference": "   ", "email": "hana@example.org"},
        {"reference": "COOP-2026-000001", "email": ""},
        {"reference": "COOP-2026-000001", "email": "nope"},
        {"reference": "C" * 21, "email": "hana@example.org"},
    ],
)
def test_find_form_needs_both_fields(data):
    assert not FindForm(data).is_valid()


@pytest.mark.parametrize("field", ["name", "phone", "notice_version"])
@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\u2028", "\x00"])
def test_one_line_fields_of_the_inquiry_refuse_line_breaks(field, breaker):
    data = valid_data()
    data[field] = f"{data[field][:4]}{breaker}Bcc: evil@example.org"
    form = CaseForm(data)
    assert not form.is_valid()
    assert field in form.errors


def test_find_my_case_refuses_a_reference_on_two_lines():
    form = FindForm({"reference": "COOP-2026-000001\r\nX-Evil: 1", "email": "a@example.org"})
    assert not form.is_valid()
    assert "reference" in form.errors


def test_the_desk_enrolment_reference_is_one_line():
    from consult.education_forms import DeskEnrolForm

    form = DeskEnrolForm({"reference": "COOP-2026-000001\nx"})
    assert not form.is_valid()
    assert "reference" in form.errors
