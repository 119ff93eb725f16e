"""The site's own pages: home, the two information pages, health, robots and error pages."""

import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from . import health
from .db import DATABASE_UNAVAILABLE, database_unavailable

# The busiest page of the site; any change of the registry or the articles renews it sooner.
HOME_CACHE_SECONDS = 600


def home_content(request: HttpRequest) -> str:
    """The home page's content in the current language: rendered once, then cached under the
    registry's and the articles' versions, and never past the next scheduled article."""
    from articles.cache import articles_cache, cached_until_next_publication
    from articles.selectors import article_home_latest
    from registry.cache import registry_version
    from registry.selectors import registry_home_figures

    def build() -> str:
        # Slots filled by the registry and articles apps; empty until they have content.
        context = {
            "registry_figures": registry_home_figures(),
            "latest_articles": article_home_latest(),
        }
        return render_to_string("core/_home_content.html", context, request=request)

    key = articles_cache.key("home", get_language() or "", str(registry_version()))
    # Rendered by the template engine with autoescaping, from no input of the visitor.
    return mark_safe(cached_until_next_publication(key, build, timeout=HOME_CACHE_SECONDS))  # noqa: S308


class HomeView(TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["home_content"] = home_content(self.request)
        return context


class AboutCoopsView(TemplateView):
    template_name = "core/about_coops.html"


class ServicesView(TemplateView):
    template_name = "core/services.html"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness for a load balancer: 200 only when every configured service answers."""
    checks = health.service_states()
    healthy = all(state != "down" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks},
        status=200 if healthy else 503,
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /consult/track/",
        "Disallow: /en/consult/track/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # A database that is down, met outside a view (a middleware saving the session, say):
    # the same 503 as the views give (coopcenter.core.db).
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable(request)
    # Something is already broken: render with the request only, no database, no context
    # processors that could fail again.
    from django.template import loader

    template = loader.get_template("500.html")
    body = template.render({"request": request, "center_email": settings.CENTER_EMAIL})
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, "403_csrf.html", 403)
