"""Forms of the registry's staff pages: the import upload and its confirmation."""

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

IMPORT_EXTENSIONS = (".csv", ".xlsx")


class CooperativeImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or CP949) or Excel .xlsx, with the columns of the registry template."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_EXTENSIONS)}),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_(
            "Where the data comes from, e.g. “Seoul open data, 2025-11”. "
            "Recorded with every co-op and in the history. Default: the file name."
        ),
    )
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and skip the invalid ones"),
        required=False,
        help_text=_("Without this, one invalid row stops the whole import."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in IMPORT_EXTENSIONS:
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."), code="extension")
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."), code="empty")
        limit = settings.REGISTRY_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)},
                code="size",
            )
        return upload

    @property
    def extension(self) -> str:
        return PurePath(self.cleaned_data["file"].name).suffix.lower()


class CooperativeImportConfirmForm(forms.Form):
    """The preview's "Confirm" button: whether to skip invalid rows (the preview is named
    by the URL)."""

    skip_invalid = forms.BooleanField(required=False, widget=forms.HiddenInput)
