"""The statistics of the registry: the page and stats.json.

Both take the directory's filters plus `basis` ("all", the default, or "operating") and share
one cached computation (registry.statistics). The page also caches its rendered content under
the registry version, so that a repeated page costs no query and almost no rendering; any
import or edit changes the version. Bad input is answered with 400 and the
reasons: on the page in words, in JSON as {"errors": [...]}; never a 500.
"""

from datetime import date
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET

from registry import charts, selectors
from registry.filters import CooperativeFilterForm
from registry.models import Cooperative, Status
from registry.statistics import (
    BASES,
    BASIS_ALL,
    BASIS_LABELS,
    BASIS_OPERATING,
    statistics_cached,
    statistics_json,
    statistics_labelled,
)
from registry.views.caching import render_cached

TEMPLATE = "registry/stats.html"
CONTENT_TEMPLATE = "registry/_stats_content.html"
# The query parameters the page reads; any other (the list's sort, a tracking tag) changes nothing.
PAGE_PARAMETERS = (*CooperativeFilterForm.FILTER_FIELDS, "basis")


def _parse(request: HttpRequest) -> tuple[CooperativeFilterForm, str, list[str]]:
    """The bound filter form, the basis and the reasons the request cannot be answered."""
    data = request.GET.copy()
    data.pop("sort", None)  # the statistics do not depend on the order of the list
    form = selectors.directory_filter_form(data)
    errors = [] if form.is_valid() else form.error_messages()
    basis = request.GET.get("basis", "") or BASIS_ALL
    if basis not in BASES:
        errors.append(
            _("Basis: “%(value)s” is not one of the choices; use “all” or “operating”.")
            % {"value": basis[:50]}
        )
    return form, basis, errors


def _statistics(form: CooperativeFilterForm, basis: str) -> dict:
    return statistics_cached(
        filters=form.filter_values(),
        basis=basis,
        queryset_for=lambda: form.apply(Cooperative.objects.listed()),
    )


def _list_query(form: CooperativeFilterForm, basis: str, **override) -> str:
    """The filters for the list and the exports; the operating basis is a status filter there."""
    if basis == BASIS_OPERATING and not form.cleaned_data.get("status"):
        override.setdefault("status", Status.OPERATING)
    return form.query_string(drop=("sort",), **override)


def _with_query(url: str, *queries: str) -> str:
    query = "&".join(part for part in queries if part)
    return f"{url}?{query}" if query else url


def _basis_query(basis: str) -> str:
    return "" if basis == BASIS_ALL else urlencode({"basis": basis})


class StatsSections:
    """What the page's statistics sections show. Everything is computed on first use only: the
    template caches the rendered sections per registry version, language, basis and filters,
    so a page served from that cache computes none of it."""

    def __init__(self, form: CooperativeFilterForm, basis: str):
        self.form = form
        self.basis = basis

    @cached_property
    def stats(self) -> dict:
        stats = statistics_labelled(_statistics(self.form, self.basis))
        list_url = reverse("registry:index")
        for row in stats["by_district"]:
            query = _list_query(self.form, self.basis, district=row["code"])
            row["href"] = _with_query(list_url, query)
        return stats

    @cached_property
    def as_of(self) -> date:
        return date.fromisoformat(self.stats["as_of"])

    @cached_property
    def links(self) -> dict[str, str]:
        list_query = _list_query(self.form, self.basis)
        filters = self.form.query_string(drop=("sort",))
        return {
            "list": _with_query(reverse("registry:index"), list_query),
            "csv": _with_query(reverse("registry:export_csv"), list_query),
            "json": _with_query(reverse("registry:stats_json"), filters, _basis_query(self.basis)),
        }

    @cached_property
    def charts(self) -> dict:
        stats = self.stats
        if not stats["total"]:
            return {}
        return {
            "district_map": charts.district_map(stats["by_district"]),
            "districts": charts.bar_chart(_rows(stats["by_district"], "name")),
            "members": charts.column_chart(_rows(stats["members"]["bands"])),
            "capital": charts.column_chart(_rows(stats["capital_krw"]["bands"])),
            "types": charts.bar_chart(_rows(stats["by_type"])),
            "member_types": charts.bar_chart(_rows(stats["by_member_type"])),
            "industries": charts.bar_chart(_rows(stats["by_industry"])),
            "status": charts.bar_chart(_rows(stats["by_status"])),
            "months": charts.months_chart(stats["by_month"]) if stats["by_month"] else None,
        }


def _rows(items: list[dict], label: str = "label") -> list[tuple[str, int, float]]:
    return [(item[label], item["count"], item["share"]) for item in items]


class StatsView(View):
    """The page. Its content depends only on the language and the query parameters it reads,
    so a valid page is rendered once per registry version and then served from the cache
    without building the form or computing anything; invalid requests are never cached."""

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest) -> HttpResponse:
        return render_cached(
            request,
            name="stats-page",
            parameters=PAGE_PARAMETERS,
            template=TEMPLATE,
            build=self.build,
        )

    def build(self, request: HttpRequest) -> dict | HttpResponse:
        """The page's context with its rendered content, or the 400 that says what is wrong."""
        form, basis, errors = _parse(request)
        action = reverse("registry:stats")
        context = {"form": form, "action": action, "basis": basis, "errors": errors}
        if errors:
            content = render_to_string(CONTENT_TEMPLATE, context, request)
            return render(request, TEMPLATE, {"content": content}, status=400)

        filters = form.query_string(drop=("sort",))
        context.update(
            {
                "sections": StatsSections(form, basis),
                "colours": charts.COLOURS,
                "basis_label": BASIS_LABELS[basis],
                "is_filtered": bool(form.filter_values()),
                "basis_links": [
                    {
                        "basis": choice,
                        "label": BASIS_LABELS[choice],
                        "url": _with_query(action, filters, _basis_query(choice)),
                    }
                    for choice in BASES
                ],
            }
        )
        return {"content": render_to_string(CONTENT_TEMPLATE, context, request)}


@require_GET
def stats_json(request: HttpRequest) -> JsonResponse:
    form, basis, errors = _parse(request)
    if errors:
        response = JsonResponse(
            {"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False}
        )
        response["X-Robots-Tag"] = "noindex"
    else:
        payload = statistics_json(_statistics(form, basis), filters=form.filter_values())
        response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
        response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
