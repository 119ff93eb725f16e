from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("about/", views.AboutCoopsView.as_view(), name="about"),
    path("services/", views.ServicesView.as_view(), name="services"),
]
