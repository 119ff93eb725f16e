"""The forms of a case's page in the desk. Each one carries the case's version as the
counselor saw it, so that a change made meanwhile by someone else is refused rather than
overwritten; the workflow does the refusing, these forms only collect what was asked."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import permissions, workflow
from .models import CannedReply, Case, Priority, Status, Track
from .uploads import ACCEPT, validate_uploads


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class DeskForm(forms.Form):
    """A form of the case page: it knows its case and who is acting, and its field ids
    start with its own prefix so that several forms live on one page without clashing ids
    while the posted names stay plain (`version`, `body`, ...)."""

    name = ""
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, case: Case, user, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.name}_%s")
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user


class ReplyForm(DeskForm):
    name = "reply"
    body = forms.CharField(
        label=_("Reply to the citizen"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        max_length=20000,
        help_text=_("Mailed to the citizen and shown on their tracking page."),
    )
    files = MultipleFileField(
        label=_("Attachments"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, HWP, HWPX, Word, Excel, JPG or PNG."),
    )
    wait_on_citizen = forms.BooleanField(
        label=_("Wait for the citizen's answer"),
        required=False,
        help_text=_("The case shows “waiting on you” to the citizen until they write back."),
    )

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        # The five-files-per-case limit is the citizen's; a reply may carry up to five.
        return validate_uploads(files)


class NoteForm(DeskForm):
    name = "note"
    body = forms.CharField(
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=20000,
        help_text=_("For counselors only: never mailed and never shown to the citizen."),
    )


class StatusForm(DeskForm):
    name = "status"
    status = forms.ChoiceField(label=_("New status"), choices=())
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (code, Status(code).label) for code in workflow.allowed_statuses(self.case)
        ]


class RouteForm(DeskForm):
    name = "route"
    track = forms.ChoiceField(label=_("Service"), choices=())
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].choices = [
            (code, Track(code).label) for code in workflow.allowed_tracks(self.case)
        ]
        if self.is_referral:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = _(
                "Required for a referral: the next counselor reads it."
            )
        else:
            self.fields["reason"].label = _("Reason (optional)")

    @property
    def is_referral(self) -> bool:
        return self.case.track != Track.TRIAGE


def assignable_users(case: Case, user):
    """Whom this user may hand the case to: managers pick any counselor; a counselor picks
    a member of the case's track team, or takes the case themselves."""
    User = get_user_model()
    if permissions.is_manager(user):
        team = Q(pk__in=workflow.counselors().values("pk"))
    else:
        team = Q(consult_memberships__team__track=case.track, is_active=True, is_staff=True)
    return User.objects.filter(team | Q(pk=user.pk)).distinct().order_by("username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full = obj.get_full_name()
        return f"{obj.get_username()} ({full})" if full else obj.get_username()


class AssignForm(DeskForm):
    name = "assign"
    assignee = UserChoiceField(label=_("Counselor"), queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(self.case, self.user)
        self.fields["assignee"].empty_label = None
        self.initial.setdefault("assignee", self.case.assignee_id)


class PriorityForm(DeskForm):
    name = "priority"
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("priority", self.case.priority)


class MergeForm(DeskForm):
    name = "merge"
    into_reference = forms.CharField(
        label=_("Reference of the case to keep"),
        max_length=20,
        help_text=_(
            "This case's public messages and files move to that case, and this case is "
            "marked merged. This cannot be undone."
        ),
        widget=forms.TextInput(attrs={"size": 20, "autocomplete": "off"}),
    )

    def clean_into_reference(self):
        reference = self.cleaned_data["into_reference"].strip().upper()
        # A case this counselor cannot see is treated as one that does not exist.
        visible = permissions.cases_visible_to(self.user).filter(reference=reference)
        if not visible.exists():
            raise forms.ValidationError(_("No case has this reference."))
        return reference


class MergeConfirmForm(MergeForm):
    """The merge's confirmation page: the same reference and version, and, for two
    different citizens' cases, a manager's confirmation (the workflow checks both)."""

    different_citizen_confirmed = forms.BooleanField(
        label=_("I have checked that these two inquiries belong together"),
        required=False,
        help_text=_(
            "The cases were sent from different email addresses. Each citizen keeps their own "
            "messages and files: the merged case's link will only say that it was merged."
        ),
    )


class CannedPickerForm(forms.Form):
    """GET form: pick a ready answer; the page comes back with it in the reply box."""

    canned = forms.ModelChoiceField(
        label=_("Canned reply"), queryset=CannedReply.objects.none(), empty_label=None
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("auto_id", "id_canned_%s")
        super().__init__(*args, **kwargs)
        self.fields["canned"].queryset = canned_replies(case)


def canned_replies(case: Case):
    return CannedReply.objects.filter(track=case.track, language=case.language)


FORMS = {
    form.name: form
    for form in (ReplyForm, NoteForm, StatusForm, RouteForm, AssignForm, PriorityForm, MergeForm)
}


class PrivacyRequestForm(forms.Form):
    """A citizen's request about their data, as a manager enters it (consult.privacy does
    the rest): the address they wrote from, and what they ask for."""

    EXPORT, ERASE = "export", "erase"

    email = forms.EmailField(
        label=_("Citizen's email address"),
        max_length=254,
        help_text=_("The address the citizen wrote from; upper and lower case do not matter."),
    )
    kind = forms.ChoiceField(
        label=_("Request"),
        choices=[
            (EXPORT, _("A copy of their data (a JSON file to hand over)")),
            (ERASE, _("Erasure of their data")),
        ],
        widget=forms.RadioSelect,
    )
    # Filled in by the erasure's confirmation page: the number of cases the manager was
    # shown. Without it an erasure only asks for confirmation.
    confirmed_cases = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
