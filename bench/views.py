"""The yardstick pages: what every page of the site costs at the least."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods


@require_GET
def baseline(request: HttpRequest) -> HttpResponse:
    """base.html with an empty content block: header, footer, context processors, no data."""
    return render(request, "bench/baseline.html")


class NoteForm(forms.Form):
    note = forms.CharField(max_length=200)


@require_http_methods(["GET", "POST"])
def form(request: HttpRequest) -> HttpResponse:
    """A form posted through the real CSRF checks, so the POST path of the client is proven."""
    if request.method == "POST":
        bound = NoteForm(request.POST)
        if bound.is_valid():
            return redirect("bench_form")
        return render(request, "bench/form.html", {"form": bound}, status=400)
    return render(request, "bench/form.html", {"form": NoteForm()})
