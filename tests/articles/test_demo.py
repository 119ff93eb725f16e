"""The demo articles: twelve published articles (six pieces in Korean and English) saved
through the editorial services, with lead images and their renditions, complete series and
translations linked both ways; seeding twice adds nothing."""

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from PIL import Image as PILImage

from articles import demo
from articles.demo_content import CREDIT, PIECES, SERIES
from articles.models import (
    Article,
    Author,
    Category,
    Image,
    Interviewee,
    Rendition,
    Revision,
    Series,
    Status,
    Tag,
)

pytestmark = pytest.mark.django_db

N = 2 * len(PIECES)


@contextmanager
def public_storage_at(root: Path) -> Iterator[Path]:
    """Renditions written while inside go to `root`: the public storage is bound to the
    Rendition field when the model is defined, so its location is moved (and put back)."""
    storage = Rendition._meta.get_field("file").storage

    def forget():
        for name in ("base_location", "location"):
            storage.__dict__.pop(name, None)

    saved = storage._location
    storage._location = str(root)
    forget()
    try:
        yield root
    finally:
        storage._location = saved
        forget()


@pytest.fixture
def public_media(tmp_path):
    with public_storage_at(tmp_path / "public") as root:
        yield root


# Pictures of the real size are drawn once (the test of the images); the others are small,
# so that their renditions are quick.
SMALL = (480, 270)


@pytest.fixture
def seeded(private_media, public_media, django_capture_on_commit_callbacks):
    # The renditions are made by the task queued once the seed's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        created = demo.seed(image_size=SMALL)
    assert created == N
    return Article.objects.all()


def counts() -> dict[str, int]:
    models = (Article, Image, Rendition, Revision, Category, Tag, Author, Series, Interviewee)
    return {model.__name__: model.objects.count() for model in models}


def test_seeding_twice_adds_nothing(seeded, django_capture_on_commit_callbacks):
    before = counts()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert demo.seed(stdout=out) == 0
    assert counts() == before
    assert callbacks == []
    assert "already present" in out.getvalue()


def test_seed_demo_runs_the_articles_demo(
    private_media, public_media, django_capture_on_commit_callbacks, settings
):
    settings.DEBUG = True
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    assert "Seeding articles" in out.getvalue()
    assert Article.objects.published().count() == N


def test_a_missing_article_is_put_back_and_linked(seeded, django_capture_on_commit_callbacks):
    gone = Article.objects.get(slug=PIECES[0].en.slug)
    Article.objects.filter(translation=gone).update(translation=None)
    gone.delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert demo.seed(image_size=SMALL) == 1
    back = Article.objects.get(slug=PIECES[0].en.slug)
    assert back.translation.slug == PIECES[0].ko.slug
    assert back.translation.translation_id == back.pk


def test_every_demo_article_is_published_with_a_sanitised_body(seeded):
    assert seeded.count() == N
    assert Article.objects.published().count() == N
    for article in seeded:
        assert article.status == Status.PUBLISHED
        assert article.first_published_at == article.published_at
        html = article.body_html
        # Markdown rendered (headings, a list, a block quote), nothing executable.
        assert "<h2>" in html and "<li>" in html and "<blockquote>" in html
        assert "<script" not in html and "onerror" not in html and "javascript:" not in html
        assert article.excerpt and article.editor_note
        assert article.reading_minutes >= 2
        assert article.authors.exists()
        assert article.tags.exists()


def test_every_lead_image_has_alt_text_caption_credit_and_renditions(
    private_media, public_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    for article in Article.objects.select_related("lead_image"):
        image = article.lead_image
        assert image is not None and not image.is_decorative
        assert len(image.alt_text) > 40
        assert image.caption
        assert image.credit == CREDIT[article.language]
        assert (image.width, image.height) == (1600, 900)
        renditions = set(image.renditions.values_list("format", "width"))
        assert renditions == {(f, w) for f in ("webp", "jpeg") for w in (480, 960, 1440)}
        jpeg = image.renditions.get(format="jpeg", width=960)
        with PILImage.open(public_media / jpeg.file.name) as picture:
            assert picture.size == (960, 540)


def test_the_korean_alt_text_is_korean_and_the_english_english(seeded):
    for article in seeded.select_related("lead_image"):
        alt = article.lead_image.alt_text
        hangul = any("\uac00" <= ch <= "\ud7a3" for ch in alt)
        assert hangul == (article.language == "ko"), article.slug


def test_both_series_are_complete_in_both_languages(seeded):
    assert Series.objects.count() == len(SERIES)
    for series in Series.objects.all():
        parts = list(series.articles.published().values_list("series_part", "language"))
        assert sorted(parts) == [(1, series.language), (2, series.language)]
        assert series.planned_parts == 2


def test_translations_are_linked_both_ways(seeded):
    for piece in PIECES:
        ko = Article.objects.get(slug=piece.ko.slug)
        en = Article.objects.get(slug=piece.en.slug)
        assert (ko.language, en.language) == ("ko", "en")
        assert ko.translation_id == en.pk and en.translation_id == ko.pk
        assert ko.category_id == en.category_id
        assert en.published_at > ko.published_at


def test_related_articles_are_in_the_editors_order_and_the_same_language(seeded):
    for piece in PIECES:
        for language in ("ko", "en"):
            article = Article.objects.get(slug=piece.text(language).slug)
            targets = [link.target for link in article.related_links.order_by("position")]
            assert [t.slug for t in targets] == [
                next(p for p in PIECES if p.key == key).text(language).slug for key in piece.related
            ]
            assert all(t.language == language for t in targets)


def test_interviews_name_their_interviewees_with_roles(seeded):
    interviews = seeded.filter(category__slug="interview")
    assert interviews.count() == 4
    for article in interviews:
        people = list(article.interviewees.all())
        assert people and all(person.name and person.role for person in people)
    education = seeded.filter(series__slug__in=["협동조합-교육을-말하다"])
    assert all(article.interviewees.exists() for article in education)


def test_every_category_of_the_issue_has_articles(seeded):
    with translation.override("en"):
        names = {c.name("en") for c in Category.objects.filter(articles__isnull=False).distinct()}
    assert names == {
        "Basic Society",
        "Social and Solidarity Economy",
        "Interview",
        "Cooperative education",
    }


def test_korean_articles_have_readable_korean_addresses(seeded):
    article = Article.objects.get(slug=PIECES[0].ko.slug)
    url = unquote(article.get_absolute_url())
    assert url.startswith("/articles/2026/05/기본사회와-사회연대경제-1-")
    with translation.override("en"):
        assert reverse("articles:index") == "/en/articles/"


def test_the_drawings_are_the_same_on_every_run():
    art = PIECES[0].art
    assert demo.png_bytes(art, (160, 90)) == demo.png_bytes(art, (160, 90))
    assert {piece.art.motif for piece in PIECES} == set(demo.MOTIFS)
