from django.urls import path
from django.views.generic import TemplateView

from . import education_views, views

app_name = "consult"

urlpatterns = [
    path("", TemplateView.as_view(template_name="consult/index.html"), name="index"),
    path("new/", views.case_new, name="new"),
    path("new/received/", views.case_received, name="received"),
    path("find/", views.case_find, name="find"),
    path("find/sent/", views.case_find_sent, name="find_sent"),
    path("track/<str:reference>/<str:token>/", views.case_track, name="track"),
    path("track/<str:reference>/<str:token>/close/", views.case_close, name="close"),
    path(
        "track/<str:reference>/<str:token>/files/<int:attachment_id>/",
        views.case_attachment,
        name="attachment",
    ),
    path("survey/<str:token>/", views.survey, name="survey"),
    # Course places, from the tracking page (consult.education_views).
    path(
        "track/<str:reference>/<str:token>/education/enrol/",
        education_views.enrol,
        name="education_enrol",
    ),
    path(
        "track/<str:reference>/<str:token>/education/<int:enrolment_id>/cancel/",
        education_views.enrolment_cancel_view,
        name="education_cancel",
    ),
    path(
        "track/<str:reference>/<str:token>/education/<int:enrolment_id>/accept/",
        education_views.offer_accept,
        name="education_accept",
    ),
    path(
        "track/<str:reference>/<str:token>/education/<int:enrolment_id>/decline/",
        education_views.offer_decline,
        name="education_decline",
    ),
]
