"""The citizens' forms: the inquiry, the reply on the tracking page and find-my-case.

Labels and messages are translated; file checks are consult.uploads' (by content, not by
name). The forms only validate: consult.services and consult.workflow do the writing.
"""

import unicodedata

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from coopcenter.core.forms import SingleLineCharField
from coopcenter.core.memo import process_memo
from registry.selectors import district_choices_cached

from .models import ServiceWanted, Stage, Topic
from .uploads import ACCEPT, validate_uploads

MESSAGE_MAX_LENGTH = 5000

# Loose on purpose: landlines, mobiles and +82 numbers written with spaces or dashes.
phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 \-]{7,18}[0-9]$",
    _("Enter a phone number with digits, spaces or dashes, e.g. 010-1234-5678."),
    code="phone",
)


# Dashes word processors and phone keyboards type instead of the hyphen.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


class PhoneField(SingleLineCharField):
    def to_python(self, value):
        # Full-width digits (NFKC) and typographic dashes become the plain ones.
        value = super().to_python(value)
        return unicodedata.normalize("NFKC", value).translate(_DASHES)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input that takes several files and cleans to a list (Django's recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data]
        return [single_clean(data, initial)] if data else []


class SharedChoices:
    """For choice fields whose choices are the same for every form: the copy of the class's
    fields each form takes shares them rather than copying the lists (which nothing
    changes), which was a third of the cost of taking the inquiry form."""

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices
        return result


class FixedChoiceField(SharedChoices, forms.ChoiceField):
    pass


def _district_choices() -> list[tuple[str, str]]:
    return [
        ("", _("— Not in Seoul, or rather not say —")),
        *_districts_in(translation.get_language() or settings.LANGUAGE_CODE),
    ]


# Seoul's 25 districts do not change: each worker keeps their names a few minutes, so a
# posted inquiry is checked without a round trip.
@process_memo(ttl=300, maxsize=4)
def _districts_in(language: str) -> tuple[tuple[str, str], ...]:
    with translation.override(language):
        return tuple(district_choices_cached())


class DistrictField(SharedChoices, forms.TypedChoiceField):
    """The district's code, or None; the names are shown in the page's language."""

    def __init__(self, **kwargs):
        super().__init__(choices=_district_choices, empty_value=None, **kwargs)

    def valid_value(self, value) -> bool:
        # Codes are the same in every language: no list of names is built to check one.
        return value in {code for code, _name in _districts_in(settings.LANGUAGE_CODE)}


def attachments_field() -> MultipleFileField:
    return MultipleFileField(label=_("Files (optional)"), required=False)


def _files_help(remaining: int) -> str:
    # Built per request: the numbers come from settings and the words from the active language.
    return ngettext(
        "Up to %(count)d file of at most %(size)s: PDF, HWP, HWPX, Word, Excel, JPG or PNG.",
        "Up to %(count)d files of at most %(size)s each: PDF, HWP, HWPX, Word, Excel, JPG or PNG.",
        remaining,
    ) % {"count": remaining, "size": filesizeformat(settings.CONSULT_MAX_FILE_BYTES)}


def _length_help() -> str:
    return _("At most %(count)d characters.") % {"count": MESSAGE_MAX_LENGTH}


def _heading(text) -> HTML:
    return HTML(format_html('<h2 class="h4 consult-form-section">{}</h2>', text))


def _submit(text, extra_class: str = "") -> StrictButton:
    return StrictButton(text, type="submit", css_class=f"btn-brand {extra_class}".strip())


class CaseForm(forms.Form):
    """The inquiry. `notice_version` carries the privacy notice the citizen was shown; the
    view checks it is still the current one before the consent counts."""

    name = SingleLineCharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("We send the acknowledgement and a private link to your case here."),
    )
    phone = PhoneField(
        label=_("Phone (optional)"),
        max_length=20,
        required=False,
        validators=[phone_validator],
        help_text=_("Only if you would like a counselor to call you."),
    )
    # The district codes from the registry's cache, named in the page's language: taking
    # the form costs no query.
    district = DistrictField(label=_("District (optional)"), required=False)
    stage = FixedChoiceField(
        label=_("Where do you stand?"), choices=Stage.choices, widget=forms.RadioSelect
    )
    service_wanted = FixedChoiceField(
        label=_("What would help you most?"),
        choices=ServiceWanted.choices,
        widget=forms.RadioSelect,
        help_text=_("If you are not sure, a counselor will suggest the right service."),
    )
    topic = FixedChoiceField(label=_("Topic"), choices=[("", "—"), *Topic.choices])
    message = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    attachments = attachments_field()
    consent = forms.BooleanField(
        label=_("I have read the notice above and agree to the collection and use of my data."),
        error_messages={
            "required": _(
                "We can only take your inquiry online with your consent. Without it, "
                "please call or visit the center."
            )
        },
    )
    notice_version = SingleLineCharField(max_length=20, widget=forms.HiddenInput)
    # The honeypot: people never see it, form-filling robots do.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    HONEYPOT = "website"

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["message"].help_text = _length_help()
        self.fields["attachments"].help_text = _files_help(settings.CONSULT_MAX_FILES)
        self.action = action

    @cached_property
    def helper(self) -> FormHelper:
        # Built when the form is drawn, not for every POST that is only validated.
        helper = FormHelper()
        helper.form_action = self.action
        helper.form_id = "case-form"
        helper.attrs = {"data-submit-once": "", "novalidate": ""}
        helper.layout = Layout(
            _heading(_("About you")),
            "name",
            "email",
            "phone",
            "district",
            _heading(_("Your question")),
            "stage",
            "service_wanted",
            "topic",
            "message",
            "attachments",
            _heading(_("Your consent")),
            HTML('{% include "consult/_privacy_notice.html" %}'),
            "consent",
            "notice_version",
            Div(Field("website"), css_class="consult-hp", aria_hidden="true"),
            _submit(_("Send my inquiry"), "btn-lg"),
        )
        return helper

    def clean_attachments(self):
        return validate_uploads(self.cleaned_data.get("attachments") or [])

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(self.HONEYPOT, "").strip())


class ReplyForm(forms.Form):
    """The citizen's answer on the tracking page. `already` is the number of files the case
    has, which count against the per-case limit."""

    body = forms.CharField(
        label=_("Your reply"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = attachments_field()

    def __init__(self, *args, already: int = 0, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.already = already
        self.fields["body"].help_text = _length_help()
        remaining = max(settings.CONSULT_MAX_FILES - already, 0)
        if remaining:
            self.fields["attachments"].help_text = _files_help(remaining)
        else:
            del self.fields["attachments"]
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_id = "reply-form"
        # The tracking URL is the credential (see consult.views.token_is_the_credential).
        self.helper.disable_csrf = True
        self.helper.attrs = {"data-submit-once": "", "novalidate": ""}
        self.helper.layout = Layout(*self.fields, _submit(_("Send my reply")))

    def clean_attachments(self):
        return validate_uploads(self.cleaned_data.get("attachments") or [], already=self.already)


class FindForm(forms.Form):
    reference = SingleLineCharField(
        label=_("Reference"),
        max_length=20,
        help_text=_("As in the acknowledgement mail, e.g. COOP-2026-000123."),
    )
    email = forms.EmailField(label=_("Email"), help_text=_("The address you wrote from."))

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["reference"].widget.attrs.update(
            {"autocapitalize": "characters", "spellcheck": "false"}
        )
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_id = "find-form"
        self.helper.attrs = {"data-submit-once": "", "novalidate": ""}
        self.helper.layout = Layout(*self.fields, _submit(_("Mail me a link")))

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip().upper()
        if not reference:
            raise ValidationError(self.fields["reference"].error_messages["required"])
        return reference


SURVEY_COMMENT_MAX_LENGTH = 2000


class SurveyForm(forms.Form):
    """The satisfaction survey: a rating from 1 to 5 (radio buttons in a fieldset, so a
    screen reader reads the question with each choice) and an optional comment."""

    RATINGS = [
        (5, _("5: Very satisfied")),
        (4, _("4: Satisfied")),
        (3, _("3: Neither satisfied nor dissatisfied")),
        (2, _("2: Dissatisfied")),
        (1, _("1: Very dissatisfied")),
    ]

    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with our help?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=SURVEY_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].help_text = _("At most %(count)d characters.") % {
            "count": SURVEY_COMMENT_MAX_LENGTH
        }
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_id = "survey-form"
        # The survey link is the credential, as the tracking link is for the tracking page
        # (see consult.views.token_is_the_credential).
        self.helper.disable_csrf = True
        self.helper.attrs = {"data-submit-once": "", "novalidate": ""}
        self.helper.layout = Layout(*self.fields, _submit(_("Send my answer")))
