"""Factories of the articles' models, shared by the articles tests.

They write rows directly (no services): an article is published a day ago by default, with
its body already "rendered"; an image has renditions in two formats and three widths, whose
files are names only (nothing is read from the storage).
"""

import datetime

import factory
from django.utils import timezone

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Category,
    Image,
    Interviewee,
    RelatedArticle,
    Rendition,
    Series,
    SlugRedirect,
    Status,
    Tag,
)

RENDITION_WIDTHS = (480, 960, 1600)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name_ko = factory.Sequence(lambda n: f"분류{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"태그{n}")
    slug = factory.Sequence(lambda n: f"태그{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"김필자{n}")
    slug = factory.Sequence(lambda n: f"author-{n}")
    role = "연구원"


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    title = factory.Sequence(lambda n: f"기본사회 연재 {n}")
    slug = factory.Sequence(lambda n: f"series-{n}")
    planned_parts = 2


class ImageFactory(factory.django.DjangoModelFactory):
    """An image whose original is a name only (its size is given, so nothing is opened)."""

    class Meta:
        model = Image
        skip_postgeneration_save = True

    file = factory.Sequence(lambda n: f"articles/originals/2026/01/original-{n}.jpg")
    storage_name = factory.Sequence(lambda n: f"original-{n}.jpg")
    width = 1600
    height = 900
    alt_text = "협동조합 조합원들이 회의하는 모습"
    caption = "마포의 한 협동조합 총회"
    credit = "센터 사진팀"

    @factory.post_generation
    def renditions(obj, create, extracted, **kwargs):
        """renditions=False for an image whose renditions are not made yet."""
        if not create or extracted is False:
            return
        for image_format, extension in (("webp", "webp"), ("jpeg", "jpg")):
            for width in RENDITION_WIDTHS:
                Rendition.objects.create(
                    image=obj,
                    width=width,
                    height=width * obj.height // obj.width,
                    format=image_format,
                    file=f"articles/renditions/{obj.pk}-{width}.{extension}",
                )


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published Korean article (a day ago), in its own category, with one author."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"협동조합 이야기 {n}")
    slug = factory.Sequence(lambda n: f"협동조합-이야기-{n}")
    language = "ko"
    excerpt = factory.Sequence(lambda n: f"협동조합 이야기 {n}의 요약.")
    body_source = "협동조합의 *본문*."
    body_html = "<p>협동조합의 <em>본문</em>.</p>"
    reading_minutes = 4
    category = factory.SubFactory(CategoryFactory)
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    first_published_at = factory.SelfAttribute("published_at")

    @factory.post_generation
    def authors(obj, create, extracted, **kwargs):
        """authors=[...] to choose them; one new author by default, none with authors=[]."""
        if not create:
            return
        chosen = [AuthorFactory()] if extracted is None else extracted
        for position, author in enumerate(chosen):
            ArticleAuthor.objects.create(article=obj, author=author, position=position)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.add(*extracted)


def draft(**kwargs) -> Article:
    kwargs = {"published_at": None, "first_published_at": None, **kwargs}
    return ArticleFactory(status=Status.DRAFT, **kwargs)


def scheduled(at: datetime.datetime, **kwargs) -> Article:
    kwargs = {"first_published_at": None, **kwargs}
    return ArticleFactory(status=Status.SCHEDULED, published_at=at, **kwargs)


def unpublished(**kwargs) -> Article:
    return ArticleFactory(status=Status.UNPUBLISHED, **kwargs)


def interviewee(article: Article, **kwargs) -> Interviewee:
    return Interviewee.objects.create(
        article=article, **{"name": "박조합", "role": "이사장", **kwargs}
    )


def relate(article: Article, *targets: Article) -> None:
    for position, target in enumerate(targets):
        RelatedArticle.objects.create(article=article, target=target, position=position)


def old_address(article: Article, year: int, month: int, slug: str) -> SlugRedirect:
    return SlugRedirect.objects.create(year=year, month=month, slug=slug, article=article)
