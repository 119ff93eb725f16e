"""Whole-page caching of the registry's public pages.

A page whose content depends only on the language and a few query parameters is rendered once
per registry version and then served from the cache without building a form or running a
query. Any import or edit changes the version, so nothing stale is ever served; invalid
requests (the build returns a response) are never cached.
"""

from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from registry.cache import registry_cache_key, registry_timeout

Build = Callable[[HttpRequest], dict | HttpResponse]


def render_cached(
    request: HttpRequest,
    *,
    name: str,
    parameters: Iterable[str],
    template: str,
    build: Build,
) -> HttpResponse:
    """Render `template` with the context `build(request)` returned for this language and
    these query parameters (any other parameter, a tracking tag say, changes nothing)."""
    values = {key: request.GET[key] for key in parameters if request.GET.get(key)}
    if "q" in values:
        # The form searches the text with its spaces collapsed: "  두레  마을" and "두레 마을"
        # are one search, and one entry (the key is a digest, whatever the text's length).
        values["q"] = " ".join(values["q"].split())
    key = registry_cache_key(name, get_language(), urlencode(sorted(values.items())))
    context = cache.get(key)
    if context is None:
        context = build(request)
        if isinstance(context, HttpResponse):
            return context
        cache.set(key, context, registry_timeout(searched=bool(values.get("q"))))
    return render(request, template, context)
