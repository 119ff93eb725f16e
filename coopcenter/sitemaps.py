"""Every section of /sitemap.xml. Each app adds its own Sitemap class here."""

from coopcenter.core.sitemaps import StaticPagesSitemap

SITEMAPS = {
    "pages": StaticPagesSitemap,
}
