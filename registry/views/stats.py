"""Placeholder until the statistics views land (replaced in this change)."""

from django.http import HttpResponse
from django.views.generic import TemplateView


class StatsView(TemplateView):
    template_name = "registry/index.html"


def stats_json(request):
    return HttpResponse("")
