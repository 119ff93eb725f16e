"""The citizens' side of the case desk (placeholders until the public views land)."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


case_new = case_received = case_find = case_find_sent = _todo
case_track = case_close = case_attachment = _todo
