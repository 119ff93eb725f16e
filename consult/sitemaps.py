"""The education sections of the sitemap: the course calendar and each listed session, in
Korean with English alternates. A session leaves the sitemap when it starts."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import CourseSession


class EducationPagesSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.7
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["education:calendar"]

    def location(self, item):
        return reverse(item)


class CourseSessionSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return CourseSession.objects.listed().only("pk").order_by("starts_at", "pk")

    def location(self, session):
        return reverse("education:session", args=[session.pk])
