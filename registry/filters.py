"""The filters of the directory, shared by the list, the statistics, stats.json and the exports.

The form checks the shape of the query string; `apply()` turns a valid form into a queryset.
Unknown values are form errors, which the views answer with 400 and a message.
"""

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from registry.bands import CAPITAL_BANDS, CAPITAL_BANDS_BY_KEY, MEMBER_BANDS, MEMBER_BANDS_BY_KEY
from registry.models import ALLOWED_INDUSTRIES, District, LegalType, MemberType, Status

FIRST_YEAR = 2012  # the Framework Act on Cooperatives took effect on 2012-12-01
QUERY_MAX_LENGTH = 100

# sort key in the URL -> ORDER BY; every ordering ends on pk so pages never overlap.
SORTS = {
    "name": ("name", "pk"),
    "newest": ("-registration_date", "-pk"),
    "oldest": ("registration_date", "pk"),
    "members": ("-members", "name", "pk"),
    "capital": ("-capital_krw", "name", "pk"),
}
SORT_CHOICES = [
    ("name", _("Name")),
    ("newest", _("Newest registration")),
    ("oldest", _("Oldest registration")),
    ("members", _("Most members")),
    ("capital", _("Largest share capital")),
]
DEFAULT_SORT = "name"

ANY = [("", _("All"))]


def normalised_filters(filters: dict[str, object]) -> str:
    """Cleaned filter values as a stable query string (sorted, no sort or page): one cache key
    part for every way of asking for the same set of co-ops."""
    return urlencode(sorted((name, str(value)) for name, value in filters.items()))


def district_choices() -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in District.objects.order_by("code")]


class CooperativeFilterForm(forms.Form):
    """Bound to request.GET; every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        help_text=_("Name, main business or registration number"),
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    legal_type = forms.ChoiceField(
        label=_("Legal type"), required=False, choices=ANY + LegalType.choices
    )
    member_type = forms.ChoiceField(
        label=_("Membership structure"), required=False, choices=ANY + MemberType.choices
    )
    industry = forms.ChoiceField(
        label=_("Industry"), required=False, choices=ANY + ALLOWED_INDUSTRIES
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=ANY + Status.choices)
    year_from = forms.IntegerField(
        label=_("Registered from (year)"), required=False, min_value=FIRST_YEAR
    )
    year_to = forms.IntegerField(
        label=_("Registered until (year)"), required=False, min_value=FIRST_YEAR
    )
    members = forms.ChoiceField(
        label=_("Members"),
        required=False,
        choices=ANY + [(band.key, band.label) for band in MEMBER_BANDS],
    )
    capital = forms.ChoiceField(
        label=_("Share capital"),
        required=False,
        choices=ANY + [(band.key, band.label) for band in CAPITAL_BANDS],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    # Names of the fields that narrow the set (sort only orders it).
    FILTER_FIELDS = (
        "q",
        "district",
        "legal_type",
        "member_type",
        "industry",
        "status",
        "year_from",
        "year_to",
        "members",
        "capital",
    )

    def __init__(self, *args, districts: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = ANY + (
            districts if districts is not None else district_choices()
        )
        # The upper edge moves with the calendar, so it is set per form, not per class.
        last_year = date.today().year
        for name in ("year_from", "year_to"):
            field = self.fields[name]
            field.max_value = last_year
            field.validators.append(MaxValueValidator(last_year))
            field.widget.attrs.update({"max": last_year, "inputmode": "numeric"})

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def clean(self):
        cleaned = super().clean()
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from and year_to and year_from > year_to:
            self.add_error("year_to", _("The end year is before the start year."))
        return cleaned

    # --- using a valid form ---------------------------------------------------------------

    def filter_values(self) -> dict[str, object]:
        """The narrowing filters that are set, by field name."""
        return {
            name: self.cleaned_data[name]
            for name in self.FILTER_FIELDS
            if self.cleaned_data.get(name) not in (None, "")
        }

    def apply(self, queryset: QuerySet) -> QuerySet:
        values = self.filter_values()
        if q := values.get("q"):
            queryset = queryset.filter(
                Q(name__icontains=q)
                | Q(main_business__icontains=q)
                | Q(registration_no__icontains=q)
            )
        for name in ("district", "legal_type", "member_type", "industry", "status"):
            if name in values:
                field = "district_id" if name == "district" else name
                queryset = queryset.filter(**{field: values[name]})
        # Year bounds as date ranges, so the registration_date index is usable.
        if "year_from" in values:
            queryset = queryset.filter(registration_date__gte=date(values["year_from"], 1, 1))
        if "year_to" in values:
            queryset = queryset.filter(registration_date__lt=date(values["year_to"] + 1, 1, 1))
        if "members" in values:
            queryset = queryset.filter(MEMBER_BANDS_BY_KEY[values["members"]].q("members"))
        if "capital" in values:
            queryset = queryset.filter(CAPITAL_BANDS_BY_KEY[values["capital"]].q("capital_krw"))
        return queryset

    def ordering(self) -> tuple[str, ...]:
        return SORTS[self.cleaned_data.get("sort") or DEFAULT_SORT]

    def query_string(self, *, drop: tuple[str, ...] = (), **override) -> str:
        """The current filters as a query string (no '?'), for links that keep them."""
        params = {
            name: value
            for name in (*self.FILTER_FIELDS, "sort")
            if name not in drop
            and (value := self.data.get(name)) not in (None, "")
            and name not in self.errors
        }
        params.update({k: v for k, v in override.items() if v not in (None, "")})
        return urlencode(params)

    def error_messages(self) -> list[str]:
        """One readable line per invalid parameter, for the page and the JSON answers."""
        lines = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else name
            lines.extend(f"{label}: {error}" for error in errors)
        return lines
