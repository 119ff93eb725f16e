"""Every section of the sitemap. Each app adds its own Sitemap classes here.

/sitemap.xml is a sitemap index: it lists one sitemap per section (/sitemap-<section>.xml)
and, for a section longer than its `limit`, each further page (?p=2, ...).
"""

from articles.sitemaps import ArticleSitemap, CategorySitemap, SeriesSitemap, TagSitemap
from consult.sitemaps import CourseSessionSitemap, EducationPagesSitemap
from coopcenter.core.sitemaps import StaticPagesSitemap
from registry.sitemaps import CooperativeSitemap, RegistryPagesSitemap

SITEMAPS = {
    "pages": StaticPagesSitemap,
    "registry": RegistryPagesSitemap,
    "cooperatives": CooperativeSitemap,
    "education": EducationPagesSitemap,
    "sessions": CourseSessionSitemap,
    "articles": ArticleSitemap,
    "article-series": SeriesSitemap,
    "article-categories": CategorySitemap,
    "article-tags": TagSitemap,
}
