"""One-line fields stay one line: every kind of line break and control character is refused
with a message; ordinary text of any script passes."""

import pytest
from django import forms
from django.utils import translation

from coopcenter.core.forms import SingleLineCharField


class OneLine(forms.Form):
    value = SingleLineCharField(max_length=100)


@pytest.mark.parametrize(
    "value",
    [
        "김하나\r\nBcc: evil@example.org",
        "김하나\nBcc: x",
        "김하나\rx",
        "김하나\u2028x",
        "김하나\u2029x",
        "김하나\x85x",  # NEL
        "김\x00하나",
        "김\t하나",
        "김\x1b[31m하나",
        "김\x7f하나",
    ],
)
def test_line_breaks_and_control_characters_are_refused(value):
    form = OneLine({"value": value})
    with translation.override("ko"):
        assert not form.is_valid()
        assert "한 줄로 적어 주세요" in " ".join(form.errors["value"])


@pytest.mark.parametrize(
    "value", ["김하나", "Kim Hana", "O'Brien-Park", "株式会社 協同", "🙂 이모지"]
)
def test_one_line_text_passes(value):
    form = OneLine({"value": value})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["value"] == value


def test_surrounding_whitespace_is_stripped_as_usual():
    form = OneLine({"value": "  김하나 \r\n"})
    assert form.is_valid()
    assert form.cleaned_data["value"] == "김하나"
