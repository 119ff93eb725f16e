"""The public education pages, at /education/ (English under /en/education/)."""

from django.urls import path

from . import education_views

app_name = "education"

urlpatterns = [
    path("", education_views.calendar, name="calendar"),
    path("sessions/<int:pk>/", education_views.session_detail, name="session"),
]
