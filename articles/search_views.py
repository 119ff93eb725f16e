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
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

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
        page = search_page(parse_query(text), page_number(request.GET.get("page")))
        context.update(
            {
                "page_obj": page,
                "results": page.results,
                "query_string": urlencode({"q": text}),
            }
        )
    return render(request, TEMPLATE, context)
