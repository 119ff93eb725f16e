from django.urls import path

from registry.views import directory, stats

app_name = "registry"

urlpatterns = [
    path("", directory.CooperativeListView.as_view(), name="index"),
    path("<int:pk>/", directory.CooperativeDetailView.as_view(), name="detail"),
    path("export.csv", directory.export_csv, name="export_csv"),
    path("export.json", directory.export_json, name="export_json"),
    path("stats/", stats.StatsView.as_view(), name="stats"),
    path("stats.json", stats.stats_json, name="stats_json"),
]
