"""Placeholder until the directory views land (replaced in this change)."""

from django.http import HttpResponse
from django.views.generic import TemplateView


class CooperativeListView(TemplateView):
    template_name = "registry/index.html"


class CooperativeDetailView(TemplateView):
    template_name = "registry/index.html"


def export_csv(request):
    return HttpResponse("")


def export_json(request):
    return HttpResponse("")
