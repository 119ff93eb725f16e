from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class StaticPagesSitemap(Sitemap):
    """The site's fixed pages, in Korean with English alternates."""

    changefreq = "monthly"
    priority = 0.8
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["core:home", "core:about", "core:services"]

    def location(self, item):
        return reverse(item)
