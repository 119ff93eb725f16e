from django.urls import path
from django.views.generic import TemplateView

app_name = "consult"

urlpatterns = [
    path("", TemplateView.as_view(template_name="consult/index.html"), name="index"),
]
