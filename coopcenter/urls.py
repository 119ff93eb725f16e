from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from articles.media import public_media
from coopcenter.core import views as core_views
from coopcenter.sitemaps import SITEMAPS

admin.site.site_header = _("Seoul Co-op Consultation Center")
admin.site.site_title = _("Seoul Co-op Consultation Center")
admin.site.index_title = _("Counselors' desk")

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    # An index of one sitemap per section: the co-ops alone need several pages.
    path(
        "sitemap.xml",
        sitemaps_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemaps_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("admin/", admin.site.urls),
    # Published files (image renditions) from the public storage; never the private uploads.
    path("media/public/<path:path>", public_media, name="public_media"),
]

# Korean is served at unprefixed URLs, English under /en/.
urlpatterns += i18n_patterns(
    path("", include("coopcenter.core.urls")),
    path("registry/", include("registry.urls")),
    path("consult/", include("consult.urls")),
    path("education/", include("consult.education_urls")),
    path("articles/", include("articles.urls")),
    prefix_default_language=False,
)

handler400 = "coopcenter.core.views.bad_request"
handler403 = "coopcenter.core.views.permission_denied"
handler404 = "coopcenter.core.views.page_not_found"
handler500 = "coopcenter.core.views.server_error"
