"""The project's URLs plus the benchmark's own pages under /_bench/."""

from django.urls import path

from bench import views
from coopcenter import urls as project_urls

urlpatterns = [
    path("_bench/baseline/", views.baseline, name="bench_baseline"),
    path("_bench/form/", views.form, name="bench_form"),
    *project_urls.urlpatterns,
]

# Django reads the error handlers from the root URLconf only.
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
