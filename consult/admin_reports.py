"""The managers' reports page in the admin, and its CSV export.

The figures come from consult.reports; this module only reads the filter (a year or the last
12 months, one service or all), lays out the charts (registry.charts' geometry, drawn as SVG by
the registry's chart templates, each followed by its table) and writes the same rows as CSV.
Managers only: a counselor is refused (403), like on the dashboard.
"""

from collections.abc import Iterator

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from coopcenter.core.csvstream import csv_attachment
from registry import charts

from . import permissions
from .models import Track
from .reports import Figures, Report, Row, period_for, report_figures

# The center opened its desk after the Framework Act on Cooperatives (December 2012).
FIRST_YEAR = 2013


class ReportFilterForm(forms.Form):
    year = forms.TypedChoiceField(
        label=_("Period"), required=False, coerce=int, empty_value=None, choices=()
    )
    track = forms.ChoiceField(label=_("Service"), required=False, choices=())

    def __init__(self, *args, today, **kwargs):
        kwargs.setdefault("auto_id", "id_report_%s")
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Last 12 months"))] + [
            (str(year), str(year)) for year in range(today.year, FIRST_YEAR - 1, -1)
        ]
        self.fields["track"].choices = [("", _("All services")), *Track.choices]


def _filtered_report(request) -> tuple[ReportFilterForm, Report | None]:
    today = timezone.localdate()
    form = ReportFilterForm(request.GET, today=today)
    if not form.is_valid():
        return form, None
    period = period_for(form.cleaned_data["year"], today=today)
    return form, report_figures(period, track=form.cleaned_data["track"], today=today)


def _manager_only(request) -> None:
    if not permissions.is_manager(request.user):
        raise PermissionDenied


# --- labels --------------------------------------------------------------------------------


def row_label(row: Row) -> str:
    if row.month is not None:
        return date_format(row.month, "YEAR_MONTH_FORMAT")
    if row.track:
        return str(Track(row.track).label)
    return row.username or gettext("Unassigned")


def _period_label(report: Report) -> str:
    if report.period.year is not None:
        return str(report.period.year)
    return gettext("%(start)s to %(end)s") % {
        "start": date_format(report.period.months[0], "YEAR_MONTH_FORMAT"),
        "end": date_format(report.period.months[-1], "YEAR_MONTH_FORMAT"),
    }


# --- charts --------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


def report_charts(report: Report) -> list[dict]:
    """New and resolved cases per month (columns) and new cases per service (bars), with a
    title and a description; the tables that follow them on the page give the numbers."""
    period = _period_label(report)
    total = report.total
    return [
        {
            "id": "report-new",
            "template": "registry/_chart_columns.html",
            "chart": charts.column_chart(
                [(row.key, row.figures.new, None) for row in report.months], width=900
            ),
            "title": gettext("New cases per month"),
            "desc": gettext(
                "%(count)d new cases from %(period)s. The table “Per month” below gives "
                "each month's figures."
            )
            % {"count": total.new, "period": period},
        },
        {
            "id": "report-resolved",
            "template": "registry/_chart_columns.html",
            "chart": charts.column_chart(
                [(row.key, row.figures.resolved, None) for row in report.months], width=900
            ),
            "title": gettext("Resolved cases per month"),
            "desc": gettext(
                "%(count)d cases resolved from %(period)s. The table “Per month” below gives "
                "each month's figures."
            )
            % {"count": total.resolved, "period": period},
        },
        {
            "id": "report-tracks",
            "template": "registry/_chart_bars.html",
            "chart": charts.bar_chart(
                [
                    (row_label(row), row.figures.new, _share(row.figures.new, total.new))
                    for row in report.tracks
                ]
            ),
            "title": gettext("New cases per service"),
            "desc": gettext(
                "%(count)d new cases from %(period)s, by service, with each service's share. "
                "The table “Per service” below gives the numbers."
            )
            % {"count": total.new, "period": period},
        },
    ]


# --- the page ------------------------------------------------------------------------------


def reports_page(request, *, model_admin):
    _manager_only(request)
    form, report = _filtered_report(request)
    opts = model_admin.opts
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Reports"),
        "opts": opts,
        "app_label": opts.app_label,
        "has_view_permission": True,
        "form": form,
        "report": report,
    }
    if report is not None:
        context.update(
            {
                "period_label": _period_label(report),
                "charts": report_charts(report),
                "colours": charts.COLOURS,
                "tables": [
                    (name, caption, heading, [(row_label(row), row.figures) for row in rows])
                    for name, caption, heading, rows in (
                        ("months", gettext("Per month"), gettext("Month"), report.months),
                        ("tracks", gettext("Per service"), gettext("Service"), report.tracks),
                        (
                            "counselors",
                            gettext("Per counselor"),
                            gettext("Counselor"),
                            report.counselors,
                        ),
                    )
                ],
                "total": report.total,
                "query": request.GET.urlencode(),
            }
        )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(
        request,
        "admin/consult/case/reports.html",
        context,
        status=200 if report is not None else 400,
    )


# --- CSV -----------------------------------------------------------------------------------

CSV_HEADER = [
    "dimension",
    "key",
    "label",
    "new",
    "resolved",
    "median_first_response_business_days",
    "median_resolution_business_days",
    "overdue",
    "surveys_sent",
    "surveys_answered",
    "survey_response_rate_percent",
    "mean_rating",
    "enrolments_confirmed",
    "attendance_recorded",
    "attended",
    "attendance_rate_percent",
    "coops_founded",
]


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def csv_row(dimension: str, key: str, label: str, figures: Figures) -> list[str]:
    return [
        dimension,
        key,
        label,
        str(figures.new),
        str(figures.resolved),
        _decimal(figures.median_first_response),
        _decimal(figures.median_resolution),
        str(figures.overdue),
        str(figures.surveys_sent),
        str(figures.surveys_answered),
        _decimal(figures.survey_rate),
        _decimal(figures.mean_rating),
        str(figures.enrolled),
        str(figures.attendance_recorded),
        str(figures.attended),
        _decimal(figures.attendance_rate),
        str(figures.cooperatives_founded),
    ]


def report_csv_rows(report: Report) -> Iterator[list[str]]:
    """The header, then every row of the page's three tables and the total. Codes (month,
    track, username) sit beside the labels, so that a spreadsheet can sort by them."""
    yield CSV_HEADER
    for dimension, rows in (
        ("month", report.months),
        ("track", report.tracks),
        ("counselor", report.counselors),
    ):
        for row in rows:
            # A username that starts like a formula is neutralised by csv_pieces.
            yield csv_row(dimension, row.key, row_label(row), row.figures)
    yield csv_row("total", "", gettext("Total"), report.total)


def reports_csv(request, *, model_admin):
    _manager_only(request)
    _form, report = _filtered_report(request)
    if report is None:
        return reports_page(request, model_admin=model_admin)  # the form's errors, 400
    rows = list(report_csv_rows(report))  # labels in the request's language, now
    suffix = report.period.year or f"{report.period.start:%Y%m}-{report.period.months[-1]:%Y%m}"
    track = f"-{report.track}" if report.track else ""
    return csv_attachment(rows, filename=f"desk-report-{suffix}{track}.csv")


def report_urls(model_admin) -> list:
    """The page and its CSV, under the case admin's URLs."""
    view = model_admin.admin_site.admin_view
    return [
        path(
            "reports/",
            view(require_GET(reports_page)),
            {"model_admin": model_admin},
            name="consult_case_reports",
        ),
        path(
            "reports/export/",
            view(require_GET(reports_csv)),
            {"model_admin": model_admin},
            name="consult_case_reports_csv",
        ),
    ]
