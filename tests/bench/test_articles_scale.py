"""The articles' data scale and pages of the benchmark, tried at a small size."""

from urllib.parse import unquote

import pytest
from django.urls import resolve

from articles.models import Article, Rendition, Series, Status
from bench import pages as page_registry
from bench import scales as scale_registry
from tests.articles.test_demo import public_storage_at

pytestmark = pytest.mark.django_db

PREFIX = scale_registry.ARTICLE_SLUG_PREFIX


@pytest.fixture
def small_scale(monkeypatch, private_media, tmp_path):
    with public_storage_at(tmp_path / "public"):
        monkeypatch.setattr(scale_registry, "ARTICLE_SERIES", 12)
        monkeypatch.setattr(scale_registry, "ARTICLE_IMAGES", 2)
        scale_registry.seed_articles(320, hidden=30)
        yield


def test_the_articles_scale_is_registered() -> None:
    (scale,) = [s for s in scale_registry.SCALES if s.name == "10,000 articles"]
    assert scale.seed is scale_registry.articles_10k
    assert scale.is_seeded is scale_registry.articles_is_seeded


def test_the_seeder_writes_published_and_hidden_articles(small_scale) -> None:
    bench = Article.objects.filter(slug__startswith=PREFIX)
    assert bench.count() == 350
    assert bench.published().count() == 320
    assert scale_registry.articles_is_seeded(320)
    assert not scale_registry.articles_is_seeded()  # 10,000 are wanted
    hidden = bench.exclude(pk__in=bench.published().values("pk"))
    assert set(hidden.values_list("status", flat=True)) == {
        Status.DRAFT,
        Status.UNPUBLISHED,
        Status.SCHEDULED,
    }
    assert {"ko", "en"} == set(bench.values_list("language", flat=True))
    sample = bench.published().first()
    assert sample.body_html.startswith("<p>") and "<h2>" in sample.body_html
    assert sample.tags.count() >= 2 and sample.authors.exists()


def test_the_relations_are_consistent(small_scale) -> None:
    bench = Article.objects.filter(slug__startswith=PREFIX)
    linked = bench.filter(translation__isnull=False)
    assert linked.exists()
    for article in linked.select_related("translation"):
        assert article.translation.translation_id == article.pk
        assert article.translation.language != article.language
    in_series = bench.filter(series__isnull=False)
    assert in_series.exists()
    for article in in_series.select_related("series"):
        assert article.series.language == article.language
    assert Series.objects.filter(slug__startswith=PREFIX, articles__series_part=2).exists()
    assert bench.filter(related_links__isnull=False).exists()
    assert Rendition.objects.filter(image__in=bench.values("lead_image")).count() == 2 * 6


def test_seeding_again_replaces_the_scale(small_scale, monkeypatch) -> None:
    scale_registry.seed_articles(100, hidden=5)
    assert Article.objects.filter(slug__startswith=PREFIX).count() == 105


def test_the_articles_pages_resolve_and_answer(small_scale, client) -> None:
    pages = [p for p in page_registry.PAGES if "articles" in p.name]
    assert [p.name for p in pages] == [
        "articles list",
        "articles list (en)",
        "articles detail",
        "articles search",
        "articles feed (RSS)",
    ]
    detail = resolve(unquote(page_registry.articles_detail()))
    article = Article.objects.get(slug=detail.kwargs["slug"])
    assert article.series_id and article.translation_id and article.lead_image_id
    for page in pages:
        response = client.get(page.resolve_path())
        assert response.status_code == page.expected_status, page.name
