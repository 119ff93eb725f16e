"""The search page, `/articles/search/?q=`.

Thin: the form checks the query's shape (control characters dropped, at most
ARTICLES_SEARCH_MAX_LENGTH characters: a longer one is answered with 400 and a message on
the same page), `articles.search` finds and highlights. An empty query shows the form alone.
Any other text, quotes, operators and emoji included, is searched and never an error.
"""

import unicodedata

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from articles.cache import articles_cache, cached_until_next_publication
from articles.search import clean_query, page_number, parse_query, search_page

TEMPLATE = "articles/search.html"


class SearchField(forms.CharField):
    """Text with its control characters (NUL among them) dropped before it is checked."""

    def to_python(self, value):
        value = super().to_python(value)
        return "".join(char for char in value if unicodedata.category(char) != "Cc")


class ArticleSearchForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, so that the setting is read when the form is, not at import.
        self.fields["q"] = SearchField(
            label=_("Search articles"),
            required=False,
            max_length=settings.ARTICLES_SEARCH_MAX_LENGTH,
            error_messages={
                "max_length": _(
                    "A search can be at most %(limit_value)d characters long; this one has "
                    "%(show_value)d. Try a few key words."
                )
            },
        )


@require_safe
def article_search(request: HttpRequest) -> HttpResponse:
    form = ArticleSearchForm(request.GET)
    context = {"form": form, "search_query": "", "page_obj": None}
    if not form.is_valid():
        context["search_query"] = clean_query(str(form["q"].value() or ""))
        return render(request, TEMPLATE, context, status=400)
    text = clean_query(form.cleaned_data["q"])
    context["search_query"] = text
    if text:
        context["results_html"] = results_html(request, text, page_number(request.GET.get("page")))
    return render(request, TEMPLATE, context)


def results_html(request: HttpRequest, text: str, number: int) -> str:
    """The results section of a query's page, rendered once per language and kept as long as
    the results themselves (any save, the next scheduled publication)."""

    def build() -> str:
        page = search_page(parse_query(text), number)
        context = {
            "page_obj": page,
            "results": page.results,
            "search_query": text,
            "query_string": urlencode({"q": text}),
        }
        return render_to_string("articles/_search_results.html", context, request=request)

    key = articles_cache.key("search-html", get_language() or "", text, str(number))
    timeout = settings.ARTICLES_SEARCH_CACHE_SECONDS
    # Rendered by the template engine with autoescaping: the query and snippets are escaped.
    return mark_safe(cached_until_next_publication(key, build, timeout=timeout))  # noqa: S308
