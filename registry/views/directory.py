"""The public directory: the list with its filters, the detail page and the exports.

Thin views: the shared filter form checks the query string, selectors read, templates show.
Bad input (an unknown filter value, a page that is not a number, an overlong search) is
answered with 400 and a message on the same page, a page past the end with 404; never a 500.
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET

from registry import exports, selectors
from registry.cache import registry_cache_key
from registry.filters import DEFAULT_SORT, CooperativeFilterForm
from registry.views.caching import render_cached

LIST_TEMPLATE = "registry/cooperative_list.html"
LIST_CONTENT_TEMPLATE = "registry/_cooperative_list_content.html"
DETAIL_TEMPLATE = "registry/cooperative_detail.html"
DETAIL_CONTENT_TEMPLATE = "registry/_cooperative_detail_content.html"
# The query parameters the list reads; any other (a tracking tag, say) changes nothing.
LIST_PARAMETERS = (*CooperativeFilterForm.FILTER_FIELDS, "sort", "page")
BEYOND_ANY_LIST = 10**9


def active_filters(form: CooperativeFilterForm) -> list[dict]:
    """The filters that are set, each with a link that drops it and keeps the others."""
    chips = []
    for name, value in form.filter_values().items():
        field = form.fields[name]
        choices = dict(getattr(field, "choices", ()))
        chips.append(
            {
                "name": name,
                "label": field.label,
                "value": choices.get(value, value),
                "query_string": form.query_string(drop=(name,)),
            }
        )
    return chips


def _sort_label(form: CooperativeFilterForm) -> str:
    choices = dict(form.fields["sort"].choices)
    return choices[form.cleaned_data.get("sort") or DEFAULT_SORT]


class CooperativeListView(View):
    """The list. Its content depends only on the language and the query parameters the form
    reads, so a valid page is rendered once per registry version and then served from the
    cache without building the form or running a query; invalid requests are never cached."""

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest) -> HttpResponse:
        return render_cached(
            request,
            name="directory-list",
            parameters=LIST_PARAMETERS,
            template=LIST_TEMPLATE,
            build=self.build,
        )

    def build(self, request: HttpRequest) -> dict | HttpResponse:
        """The page's context with its rendered content, or the response that says what is
        wrong with the request."""
        form = selectors.directory_filter_form(request.GET)
        context = {"form": form, "action": reverse("registry:index")}
        if not form.is_valid():
            return self.problem(request, context, form.error_messages(), status=400)

        raw_page = request.GET.get("page", "").strip()
        if not raw_page:
            number = 1
        elif not (raw_page.isascii() and raw_page.isdigit()):
            message = _("The page number must be a whole number, such as 2.")
            return self.problem(request, context, [message], status=400)
        else:
            # Ten digits or more is past the end of any list (and spares int() a huge string).
            number = int(raw_page) if len(raw_page) <= 9 else BEYOND_ANY_LIST
            if number == 0:
                message = _("The page number must be 1 or more.")
                return self.problem(request, context, [message], status=400)

        paginator, as_of = selectors.directory_paginator(form)
        context.update(
            {
                "count": paginator.count,
                "as_of": as_of,
                "paginator": paginator,
                "max_results": paginator.max_pages * paginator.per_page,
                "active_filters": active_filters(form),
                "query_string": form.query_string(),
                "filter_query_string": form.query_string(drop=("sort",)),
                "sort_label": _sort_label(form),
            }
        )
        if number > paginator.num_pages:
            # A page of the part of a long list that is not paged, or past its end.
            if paginator.capped and number <= paginator.all_pages:
                message = _(
                    "Only the first %(pages)s pages of a list can be browsed. Narrow the list "
                    "with the filters, or download it in full below."
                ) % {"pages": paginator.num_pages}
            else:
                message = ngettext(
                    "There is no page %(number)s: this list has %(pages)s page.",
                    "There is no page %(number)s: this list has %(pages)s pages.",
                    paginator.num_pages,
                ) % {"number": raw_page, "pages": paginator.num_pages}
            return self.problem(request, context, [message], status=404, show_summary=True)

        page = paginator.page(number)
        context.update({"page_obj": page, "cooperatives": page.object_list})
        return {
            "content": render_to_string(LIST_CONTENT_TEMPLATE, context, request),
            "page_number": number,
            "is_filtered": bool(form.filter_values()) or number > 1,
        }

    def problem(self, request, context, messages, *, status, show_summary=False):
        """The list page with the reason the request cannot be answered, and no results."""
        context.update({"problems": messages, "show_summary": show_summary})
        page = {
            "content": render_to_string(LIST_CONTENT_TEMPLATE, context, request),
            "page_number": 1,
            "is_filtered": True,
        }
        return render(request, LIST_TEMPLATE, page, status=status)


def _back_to_list(request: HttpRequest) -> str:
    """The list URL with the filters the visitor came from, when they came from the list."""
    index = reverse("registry:index")
    referer = request.headers.get("referer")
    if not referer:
        return index
    parts = urlsplit(referer)
    if parts.netloc != request.get_host() or parts.path != index:
        return index
    came_from = QueryDict(parts.query)
    query = urlencode([(name, came_from[name]) for name in LIST_PARAMETERS if came_from.get(name)])
    return f"{index}?{query}" if query else index


class CooperativeDetailView(View):
    """A co-op's page. Its content is rendered once per registry version and language and
    then served from the cache without a query; only the link back to the list, which keeps
    the filters the visitor came from, is made per request."""

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        key = registry_cache_key("directory-detail", get_language(), str(pk))
        page = cache.get(key)
        if page is None:
            cooperative = selectors.cooperative_detail(pk)
            if cooperative is None:
                raise Http404("No such co-op.")
            page = self.build(request, cooperative)
            cache.set(key, page, settings.REGISTRY_CACHE_SECONDS)
        return render(request, DETAIL_TEMPLATE, {**page, "back_url": _back_to_list(request)})

    def build(self, request: HttpRequest, cooperative) -> dict:
        district = urlencode({"district": cooperative.district_id})
        contact = cooperative.public_contact
        website = contact.get("website", "")
        context = {
            "cooperative": cooperative,
            "certifications": list(cooperative.certifications.all()),
            "history": selectors.CooperativeHistory(cooperative),
            "history_limit": selectors.HISTORY_LIMIT,
            "contact": contact,
            # Only a web address becomes a link (never javascript: or data:, whatever was stored).
            "website_href": website if website.lower().startswith(("http://", "https://")) else "",
            "stats_url": f"{reverse('registry:stats')}?{district}",
            "district_list_url": f"{reverse('registry:index')}?{district}",
        }
        return {
            "content": render_to_string(DETAIL_CONTENT_TEMPLATE, context, request),
            "name": cooperative.name,
            "legal_type": str(cooperative.get_legal_type_display()),
            "district": cooperative.district.name,
        }


# --- Exports ---------------------------------------------------------------------------------


def _export_form(request: HttpRequest) -> CooperativeFilterForm:
    return selectors.directory_filter_form(request.GET)


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    form = _export_form(request)
    if not form.is_valid():
        lines = [_("The filters are not valid:"), *form.error_messages()]
        response = HttpResponse(
            "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8", status=400
        )
        response["X-Robots-Tag"] = "noindex"
        return response
    return exports.export_csv_response(
        selectors.directory_queryset(form), filename=exports.export_filename("csv")
    )


@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    form = _export_form(request)
    if not form.is_valid():
        response = JsonResponse(
            {"errors": form.error_messages()}, status=400, json_dumps_params={"ensure_ascii": False}
        )
        response["X-Robots-Tag"] = "noindex"
        return response
    summary = selectors.directory_summary(form)
    header = {
        "as_of": summary["as_of"],
        "count": summary["count"],
        "filters": {
            **form.filter_values(),
            "sort": form.cleaned_data.get("sort") or DEFAULT_SORT,
        },
    }
    detail_url = request.build_absolute_uri(
        reverse("registry:detail", args=[int(exports.URL_PLACEHOLDER)])
    )
    return exports.export_json_response(
        selectors.directory_queryset(form),
        filename=exports.export_filename("json"),
        header=header,
        detail_url=detail_url,
    )
