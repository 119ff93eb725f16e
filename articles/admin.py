"""The editors' side of the articles: articles (Markdown body with a live preview, lead image
chooser, authors, interviewees and related articles in order, publishing), their revisions
(compare any two, restore one), images with their text, and the vocabularies (categories,
tags, authors, series). Thin: every save goes through articles.services / articles.images."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles import admin_forms, images, markup, selectors, services
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Category,
    Image,
    Interviewee,
    RelatedArticle,
    Revision,
    Series,
    SlugRedirect,
    Status,
    Tag,
)
from articles.revisions import versions_compare

ADMIN_JS = "articles/admin/preview.js"
# Names for unlabelled admin controls; the autocomplete boxes' names come from the desk's
# script, listed after the admin's autocomplete.js so that the media merge keeps that order.
FIELD_NAMES_JS = [
    "admin/js/autocomplete.js",
    "consult/admin/autocomplete-names.js",
    "articles/admin/field-names.js",
]
ADMIN_CSS = "articles/admin/articles-admin.css"
CURRENT = "current"


# --- the article's parts ------------------------------------------------------------------


class ArticlePartInline:
    """Rows that are part of the article (authors, interviewees, related): whoever may edit
    the article may edit them."""

    def has_view_permission(self, request, obj=None):
        return self.parent_model_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        article_admin = self.parent_model_admin()
        if obj is None:
            return article_admin.has_add_permission(request)
        return article_admin.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def parent_model_admin(self):
        return self.admin_site._registry[Article]


class ArticleAuthorInline(ArticlePartInline, admin.TabularInline):
    model = ArticleAuthor
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    extra = 1


class IntervieweeInline(ArticlePartInline, admin.TabularInline):
    model = Interviewee
    fields = ["name", "role", "position"]
    extra = 0


class RelatedArticleInline(ArticlePartInline, admin.TabularInline):
    model = RelatedArticle
    fk_name = "article"
    formset = admin_forms.RelatedInlineFormSet
    autocomplete_fields = ["target"]
    fields = ["target", "position"]
    extra = 0
    max_num = services.RELATED_MAX
    verbose_name = _("related article")
    verbose_name_plural = _("related articles (in this order)")


# --- articles --------------------------------------------------------------------------


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = admin_forms.ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = [
        "title",
        "language",
        "category",
        "status_display",
        "published_at",
        "series_display",
        "updated_at",
    ]
    list_filter = ["status", "category", "language", "series"]
    list_select_related = ["category", "series"]
    search_fields = ["title", "slug", "excerpt"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["lead_image", "translation", "category", "series", "tags"]
    inlines = [ArticleAuthorInline, IntervieweeInline, RelatedArticleInline]
    readonly_fields = ["first_published_at", "reading_minutes", "updated_at", "revisions_link"]
    actions = ["publish_selected", "unpublish_selected"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "translation", "category", "tags"]}),
        (_("Text"), {"fields": ["excerpt", "body_source", "editor_note"]}),
        (_("Lead image"), {"fields": ["lead_image"]}),
        (_("Series"), {"fields": ["series", "series_part"]}),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "first_published_at",
                    "reading_minutes",
                    "updated_at",
                    "revisions_link",
                ]
            },
        ),
    ]

    class Media:
        js = [*FIELD_NAMES_JS, ADMIN_JS]
        css = {"all": [ADMIN_CSS]}

    def view_on_site(self, article: Article) -> str:
        # The article's own address, in its language's pages: staff see it in any state
        # (the page shows a banner while readers cannot).
        return selectors.article_url(article)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, article: Article) -> str:
        if article.status == Status.SCHEDULED:
            return format_html(
                "{} ({})",
                Status.SCHEDULED.label,
                timezone.localtime(article.published_at).strftime("%Y-%m-%d %H:%M"),
            )
        return article.get_status_display()

    @admin.display(description=_("series"), ordering="series__title")
    def series_display(self, article: Article) -> str:
        if article.series_id is None:
            return "—"
        return f"{article.series} · {article.series_part}"

    @admin.display(description=_("revisions"))
    def revisions_link(self, article: Article) -> str:
        if article.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_article_revisions", args=[article.pk]),
            gettext("Compare and restore earlier versions"),
        )

    # Saved once, with its relations, through the service (relations first in memory, then
    # the revision and redirects from what the database held before).
    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        by_model = {formset.model: formset for formset in formsets}
        services.article_save(
            article=form.instance,
            user=request.user,
            tags=list(form.cleaned_data.get("tags") or []),
            authors=admin_forms.authors_from(by_model[ArticleAuthor])
            if ArticleAuthor in by_model
            else None,
            interviewees=admin_forms.interviewees_from(by_model[Interviewee])
            if Interviewee in by_model
            else None,
            related=admin_forms.related_from(by_model[RelatedArticle])
            if RelatedArticle in by_model
            else None,
        )

    def construct_change_message(self, request, form, formsets, add=False):
        # The inline formsets are read by the service, not saved by the admin.
        return super().construct_change_message(request, form, [], add)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        from articles.cache import articles_cache

        articles_cache.touch_on_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        from articles.cache import articles_cache

        articles_cache.touch_on_commit()

    @admin.action(description=_("Publish selected articles"), permissions=["change"])
    def publish_selected(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            services.article_publish(article_id=pk, user=request.user)
        self.message_user(request, gettext("The articles are published."), messages.SUCCESS)

    @admin.action(description=_("Unpublish selected articles"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            services.article_unpublish(article_id=pk, user=request.user)
        self.message_user(request, gettext("The articles are unpublished."), messages.SUCCESS)

    # --- preview and revisions ---------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="articles_article_preview"),
            path(
                "<int:object_id>/revisions/",
                view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<int:object_id>/revisions/<int:revision_id>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The body as the page will show it (sanitised), for the preview pane."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        return _preview(request)

    def _article_for(self, request, object_id: int) -> Article:
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def revisions_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The article's revisions, newest first, and the difference between any two of them
        (or one and the article as saved now): ?a=<id>&b=<id or "current">."""
        article = self._article_for(request, object_id)
        revisions = list(article.revisions.select_related("created_by"))
        by_id = {str(revision.pk): revision for revision in revisions}
        current = services.article_snapshot(article)

        def version(key: str | None):
            if key == CURRENT:
                return current
            revision = by_id.get(key or "")
            return revision.data if revision else None

        older_key = request.GET.get("a") or (str(revisions[0].pk) if revisions else None)
        newer_key = request.GET.get("b") or CURRENT
        older, newer = version(older_key), version(newer_key)
        if revisions and (older is None or newer is None):
            raise Http404
        changes = versions_compare(older, newer) if older is not None else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Revisions of “%(title)s”") % {"title": article.title},
            "article": article,
            "revisions": revisions,
            "older_key": older_key,
            "newer_key": newer_key,
            "changes": changes,
            "compared": older is not None,
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def restore_view(self, request: HttpRequest, object_id: int, revision_id: int):
        """GET asks for confirmation; POST restores (a change like any other save)."""
        article = self._article_for(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        revision = get_object_or_404(Revision, pk=revision_id, article=article)
        if request.method == "POST":
            try:
                services.article_restore_revision(revision_id=revision.pk, user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                return redirect("admin:articles_article_revisions", article.pk)
            self.message_user(
                request, gettext("The earlier version is restored."), messages.SUCCESS
            )
            return redirect("admin:articles_article_change", article.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Restore this version?"),
            "article": article,
            "revision": revision,
            "changes": versions_compare(services.article_snapshot(article), revision.data),
        }
        return TemplateResponse(request, "admin/articles/article/revision_restore.html", context)


@require_POST
def _preview(request: HttpRequest) -> JsonResponse:
    language = request.POST.get("language")
    if language not in dict(Article._meta.get_field("language").choices):
        language = "ko"
    return JsonResponse({"html": markup.render_body(request.POST.get("body_source", ""), language)})


# --- images ------------------------------------------------------------------------------


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = admin_forms.ImageAdminForm
    list_display = ["thumbnail", "__str__", "caption", "credit", "size", "uploaded_at"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "size", "uploaded_at"]
    fields = ["file", "thumbnail", "size", "alt_text", "is_decorative", "caption", "credit"]

    class Media:
        css = {"all": [ADMIN_CSS]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("renditions")

    @admin.display(description=_("preview"))
    def thumbnail(self, image: Image) -> str:
        rendition = images.renditions_for(image)["jpeg"][:1]
        if not rendition and image.renditions_failed:
            return gettext("(too large to show: upload a smaller picture)")
        if not rendition:
            return gettext("(being prepared)") if image.pk else "—"
        return format_html(
            '<img class="article-image-thumb" src="{}" width="{}" height="{}" alt="">',
            rendition[0].file.url,
            rendition[0].width,
            rendition[0].height,
        )

    @admin.display(description=_("size"))
    def size(self, image: Image) -> str:
        return f"{image.width} x {image.height}" if image.pk else "—"

    def save_model(self, request, obj, form, change):
        images.image_save(image=obj, user=request.user, file_changed="file" in form.changed_data)

    def delete_model(self, request, obj):
        images.image_delete(image=obj)

    def delete_queryset(self, request, queryset):
        for image in queryset:
            images.image_delete(image=image)


# --- vocabularies ------------------------------------------------------------------------


class TouchesCache:
    """The names of categories, tags, authors and series show on cached pages."""

    def save_model(self, request, obj, form, change):
        from articles.cache import articles_cache

        super().save_model(request, obj, form, change)
        articles_cache.touch_on_commit()

    def delete_model(self, request, obj):
        from articles.cache import articles_cache

        super().delete_model(request, obj)
        articles_cache.touch_on_commit()


@admin.register(Category)
class CategoryAdmin(TouchesCache, admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "slug", "position"]
    search_fields = ["name_ko", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Tag)
class TagAdmin(TouchesCache, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(TouchesCache, admin.ModelAdmin):
    list_display = ["name", "role", "slug"]
    search_fields = ["name", "role", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]


@admin.register(Series)
class SeriesAdmin(TouchesCache, admin.ModelAdmin):
    list_display = ["title", "language", "planned_parts", "slug"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    """The old addresses answering 301: written by the services only."""

    list_display = ["__str__", "article", "created_at"]
    search_fields = ["slug", "article__title"]
    list_select_related = ["article"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
