"""The center's writing: articles with their authors, interviewees, category, tags, series,
related articles, lead image and revisions, and the redirects left by a changed slug.

What readers may see is defined once, `ArticleQuerySet.published()`: published status and a
publication time in the past. Every list, archive, feed, sitemap, search, related block,
previous/next link and count starts from it, so a scheduled article appears everywhere on
time with no worker running, and nowhere before.
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LANGUAGES = settings.LANGUAGES


class Category(models.Model):
    """A section of the writing: Basic Society, Social and Solidarity Economy, Interview,
    Cooperative education."""

    name_ko = models.CharField(_("Korean name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description_ko = models.TextField(_("Korean description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name_ko

    def get_absolute_url(self) -> str:
        return reverse("articles:category", args=[self.slug])

    def name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_ko


class Tag(models.Model):
    # Korean tags keep Korean slugs: the URL stays readable (/articles/tags/협동조합/).
    name = models.CharField(pgettext_lazy("tag", "name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:tag", args=[self.slug])


class Author(models.Model):
    """A writer of the center's articles (not necessarily a staff account)."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=True)
    role = models.CharField(_("role"), max_length=120, blank=True)
    bio = models.TextField(_("short biography"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        verbose_name=_("staff account"),
    )

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:author", args=[self.slug])


class Series(models.Model):
    """Articles published in parts ("Part 1 of 2")."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES, default="ko")
    planned_parts = models.PositiveSmallIntegerField(
        _("planned parts"),
        null=True,
        blank=True,
        help_text=_("Shown as “Part 1 of N”; empty to count the published parts."),
    )

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:series", args=[self.slug])


def public_storage():
    """Where renditions live: the storage the site publishes (settings.STORAGES["public"]).
    The originals stay in the private default storage and are never served."""
    return storages["public"]


def image_upload_to(instance: "Image", filename: str) -> str:
    # The editor's file name is not kept in the path; the storage name is random.
    return f"articles/originals/{timezone.now():%Y/%m}/{instance.storage_name}"


class Image(models.Model):
    """An uploaded picture with what the page says about it. Renditions (several widths,
    WebP and JPEG) are made from it by a Celery task after upload."""

    file = models.ImageField(
        _("image file"), upload_to=image_upload_to, width_field="width", height_field="height"
    )
    storage_name = models.CharField(max_length=80, editable=False)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    alt_text = models.CharField(
        _("alternative text"),
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    is_decorative = models.BooleanField(
        _("decorative"),
        default=False,
        help_text=_(
            "Tick only when the picture adds nothing to the text; it then has no alt text."
        ),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(
        _("photo credit"),
        max_length=200,
        blank=True,
        help_text=_("Shown as written, e.g. “Photo: Kim Minji” or “Illustration: …”."),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)
    # Set by the renditions task when the original has more pixels than the site decodes
    # (ARTICLES_IMAGE_MAX_PIXELS); a new file clears it.
    renditions_failed = models.BooleanField(_("renditions failed"), default=False, editable=False)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            # Alt text is required unless the image is marked decorative.
            models.CheckConstraint(
                condition=Q(is_decorative=True) | ~Q(alt_text=""),
                name="articles_image_alt_or_decorative",
            ),
        ]

    def __str__(self) -> str:
        return self.alt_text or self.caption or self.storage_name


class Rendition(models.Model):
    """One resized copy of an image, in one width and format."""

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=4, choices=Format.choices)
    file = models.FileField(max_length=200, storage=public_storage)

    class Meta:
        ordering = ["image", "format", "width"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "width", "format"], name="articles_rendition_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.image_id} {self.width}w {self.format}"


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("article status", "Draft")
    # Published status with a publication time still ahead: shown from that time on.
    SCHEDULED = "scheduled", pgettext_lazy("article status", "Scheduled")
    PUBLISHED = "published", pgettext_lazy("article status", "Published")
    UNPUBLISHED = "unpublished", pgettext_lazy("article status", "Unpublished")


# The statuses readers may see once the publication time has come.
VISIBLE_STATUSES = (Status.PUBLISHED, Status.SCHEDULED)


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """The one definition of what readers see: a published or scheduled article whose
        publication time has come. Used by every list, archive, feed, sitemap, search,
        related block, previous/next link and count."""
        return self.filter(
            status__in=VISIBLE_STATUSES,
            published_at__isnull=False,
            published_at__lte=now or timezone.now(),
        )


class Article(models.Model):
    title = models.CharField(_("title"), max_length=200)
    # Korean titles make Korean slugs: the URL stays readable.
    slug = models.SlugField(_("slug"), max_length=200, allow_unicode=True)
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES, default="ko")
    translation = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translated_from",
        verbose_name=_("translation"),
        help_text=_("The same article in the other language."),
    )
    excerpt = models.TextField(
        _("excerpt"), blank=True, help_text=_("Left empty, the start of the body is used.")
    )
    # What the editor wrote (Markdown) and what the page shows: rendered and sanitised
    # against an allow-list on every save by articles.services.
    body_source = models.TextField(_("body"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    editor_note = models.TextField(_("editor's note"), blank=True)
    lead_image = models.ForeignKey(
        Image,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead image"),
    )
    authors = models.ManyToManyField(
        Author, through="ArticleAuthor", related_name="articles", verbose_name=_("authors")
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("category"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    series = models.ForeignKey(
        Series,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("series"),
    )
    series_part = models.PositiveSmallIntegerField(_("part"), null=True, blank=True)
    related = models.ManyToManyField(
        "self",
        through="RelatedArticle",
        through_fields=("article", "target"),
        symmetrical=False,
        related_name="+",
        blank=True,
        verbose_name=_("related articles"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("publication time"), null=True, blank=True)
    # Set the first time the article is visible to readers: slugs it had before were
    # never public, so changing them leaves no redirect.
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="articles_published"),
            # Newest first among what readers may see: the lists and feeds read it in order
            # instead of sorting every visible article.
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(status__in=["published", "scheduled"]),
                name="articles_visible_recent",
            ),
            models.Index(fields=["category", "-published_at"], name="articles_by_category"),
        ]
        constraints = [
            # The URL is /articles/<yyyy>/<mm>/<slug>/: a slug is unique among articles.
            models.UniqueConstraint(fields=["slug"], name="articles_slug_unique"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="articles_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=VISIBLE_STATUSES) | Q(published_at__isnull=False),
                name="articles_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True, series_part__isnull=True)
                | Q(series__isnull=False, series_part__gte=1),
                name="articles_series_has_part",
            ),
            models.UniqueConstraint(
                fields=["series", "series_part"],
                condition=Q(series__isnull=False),
                name="articles_series_part_unique",
            ),
            models.CheckConstraint(
                condition=~Q(translation=models.F("pk")), name="articles_not_own_translation"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        when = timezone.localtime(self.published_at or self.created_at)
        return reverse("articles:detail", args=[f"{when:%Y}", f"{when:%m}", self.slug])


class ArticleAuthor(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="articles_author_once"),
        ]

    def __str__(self) -> str:
        return str(self.author)


class Interviewee(models.Model):
    """Someone interviewed in the article, with their role ("co-op founder, Mapo")."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="interviewees")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    role = models.CharField(_("role"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("interviewee")
        verbose_name_plural = _("interviewees")

    def __str__(self) -> str:
        return self.name


class RelatedArticle(models.Model):
    """A related article chosen by the editor, in the editor's order."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    target = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("related article")
        verbose_name_plural = _("related articles")
        constraints = [
            models.UniqueConstraint(fields=["article", "target"], name="articles_related_once"),
            models.CheckConstraint(
                condition=~Q(article=models.F("target")), name="articles_related_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.target_id}"


class Revision(models.Model):
    """The article as it was before a save: every save keeps one, so an editor can compare
    versions and restore one."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    created_at = models.DateTimeField(_("saved"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    # The article's own fields and its relations (ids), as plain JSON.
    data = models.JSONField()

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["article", "-created_at"], name="articles_revision_recent")]

    def __str__(self) -> str:
        return f"{self.article_id} {self.created_at:%Y-%m-%d %H:%M}"


class SlugRedirect(models.Model):
    """An address an article had while it was public. It points at the article, not at the
    next slug, so chains collapse by construction (A and B both answer 301 to C); a slug
    the article takes back is removed from here, so there are no loops."""

    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    slug = models.SlugField(max_length=200, allow_unicode=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_addresses")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "slug"], name="articles_redirect_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.month:02d}/{self.slug}"
