from django.urls import path, register_converter

from articles import feeds, search_views, views
from articles.converters import MonthConverter, UnicodeSlugConverter, YearConverter

register_converter(YearConverter, "yyyy")
register_converter(MonthConverter, "mm")
register_converter(UnicodeSlugConverter, "uslug")

app_name = "articles"

urlpatterns = [
    path("", views.article_index, name="index"),
    path("search/", search_views.article_search, name="search"),
    path("feed/", feeds.latest_rss, name="feed"),
    path("atom/", feeds.latest_atom, name="atom"),
    path("category/<uslug:slug>/feed/", feeds.category_rss, name="category_feed"),
    path("series/<uslug:slug>/feed/", feeds.series_rss, name="series_feed"),
    path("category/<uslug:slug>/", views.category_detail, name="category"),
    path("tags/<uslug:slug>/", views.tag_detail, name="tag"),
    path("series/<uslug:slug>/", views.series_detail, name="series"),
    path("authors/<uslug:slug>/", views.author_detail, name="author"),
    path("<yyyy:year>/", views.article_archive_year, name="year"),
    path("<yyyy:year>/<mm:month>/", views.article_archive_month, name="month"),
    path("<yyyy:year>/<mm:month>/<uslug:slug>/", views.article_detail, name="detail"),
]
