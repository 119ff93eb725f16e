"""The shape of the education forms: the tracking page's "Enrol" button and the desk's
enrolment form. Whether the enrolment is allowed is consult.education's to say."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coopcenter.core.forms import SingleLineCharField

from .models import CourseSession


class EnrolForm(forms.Form):
    """The hidden field behind a session's "Enrol" button on the tracking page."""

    session = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, session: CourseSession) -> str:
        return f"{session} ({session.seats_taken}/{session.capacity})"


class DeskEnrolForm(forms.Form):
    """A counselor enrols a case in a session (the enrolment admin's "add" page)."""

    session = SessionChoiceField(
        label=_("Course session"),
        queryset=CourseSession.objects.none(),
        help_text=_("Sessions still to come that take enrolments."),
    )
    reference = SingleLineCharField(
        label=_("Case reference"),
        max_length=20,
        help_text=_("The case must be in the education service, e.g. COOP-2026-000123."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = CourseSession.objects.enrollable().select_related(
            "course"
        )

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip().upper()
