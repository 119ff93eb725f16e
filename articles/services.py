"""Every write of an article: saving (from the admin or anywhere else), publishing,
unpublishing and restoring a revision. See articles/README.md ("Editing") for the rules.

`article_save()` is the one place an article changes. In one transaction it:

- renders the Markdown body to sanitised HTML (articles.markup), derives the excerpt when the
  editor left it empty (and keeps following the body while it was derived) and the reading
  time;
- normalises the status: a visible article has a publication time, "scheduled" while that time
  is ahead, "published" once it has come; `first_published_at` is the first moment the
  article was visible to readers (frozen once it has passed);
- checks what the database cannot say well (series part within the planned parts, related
  articles never the article itself, a translation in the other language);
- keeps the translation link symmetric (A → B makes B → A; their former partners are freed);
- keeps a `Revision` with the article as it was before the save (fields and relation ids);
- records the old address in `SlugRedirect` when the slug or the publication month of an
  address readers could see changes, and removes any old address the article takes back;
- makes every cached articles page stale once the transaction commits.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from articles import markup
from articles.cache import articles_cache
from articles.models import (
    VISIBLE_STATUSES,
    Article,
    ArticleAuthor,
    Author,
    Image,
    Interviewee,
    RelatedArticle,
    Revision,
    Series,
    SlugRedirect,
    Status,
    Tag,
)

# Related articles an editor may choose; the page shows the first four published ones.
RELATED_MAX = 6

# The article's own fields kept in a revision (relations are added as lists of ids).
REVISION_FIELDS = [
    "title",
    "slug",
    "language",
    "excerpt",
    "body_source",
    "editor_note",
    "category_id",
    "lead_image_id",
    "series_id",
    "series_part",
    "translation_id",
    "status",
    "published_at",
]
# What restoring a revision brings back: the content and its relations. Whether and when the
# article is public (status, publication time) stays as it is: that is publishing's business.
RESTORED_FIELDS = [f for f in REVISION_FIELDS if f not in ("status", "published_at")]

User = AbstractBaseUser | AnonymousUser | None


@dataclass(frozen=True)
class IntervieweeData:
    name: str
    role: str = ""


@dataclass(frozen=True)
class Address:
    """Where an article answers: /articles/<year>/<month>/<slug>/."""

    year: int
    month: int
    slug: str

    @classmethod
    def of(cls, *, slug: str, published_at: datetime | None) -> "Address | None":
        if published_at is None:
            return None
        when = timezone.localtime(published_at)
        return cls(when.year, when.month, slug)


def _actor(user: User):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _is_visible(*, status: str, published_at: datetime | None, now: datetime) -> bool:
    return status in VISIBLE_STATUSES and published_at is not None and published_at <= now


# --- revisions ---------------------------------------------------------------------------


def article_snapshot(article: Article) -> dict:
    """The article as saved in the database: its fields and its relations (ids, in order),
    as plain JSON."""
    data = {}
    for name in REVISION_FIELDS:
        value = getattr(article, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    data["saved_at"] = article.updated_at.isoformat() if article.updated_at else None
    data["authors"] = list(
        ArticleAuthor.objects.filter(article=article).values_list("author_id", flat=True)
    )
    data["interviewees"] = [
        {"name": name, "role": role}
        for name, role in Interviewee.objects.filter(article=article).values_list("name", "role")
    ]
    data["tags"] = sorted(article.tags.values_list("pk", flat=True))
    data["related"] = list(
        RelatedArticle.objects.filter(article=article).values_list("target_id", flat=True)
    )
    return data


# --- checks ------------------------------------------------------------------------------


def article_check(
    *,
    article: Article,
    related: Sequence[Article] | None = None,
    authors: Sequence[Author] | None = None,
) -> None:
    """What the admin form and the services both check, beyond the field shapes; raises a
    ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if article.slug:
        clash = Article.objects.filter(slug=article.slug)
        if article.pk:
            clash = clash.exclude(pk=article.pk)
        if clash.exists():
            add("slug", _("Another article already has this slug."))
    if article.status == Status.SCHEDULED and article.published_at is None:
        add("published_at", _("A scheduled article needs a publication time."))
    if article.series_id is None and article.series_part is not None:
        add("series_part", _("A part number needs a series."))
    if article.series_id is not None:
        if article.series_part is None:
            add("series_part", _("Give the part of the series this article is."))
        else:
            series = Series.objects.get(pk=article.series_id)
            if series.planned_parts and article.series_part > series.planned_parts:
                add(
                    "series_part",
                    _("The series is planned in %(parts)d parts.")
                    % {"parts": series.planned_parts},
                )
            taken = Article.objects.filter(
                series_id=article.series_id, series_part=article.series_part
            )
            if article.pk:
                taken = taken.exclude(pk=article.pk)
            if taken.exists():
                add("series_part", _("Another article is already this part of the series."))
    if article.translation_id is not None:
        if article.pk and article.translation_id == article.pk:
            add("translation", _("An article cannot be its own translation."))
        else:
            partner = Article.objects.filter(pk=article.translation_id).first()
            if partner is None:
                add("translation", _("The translation no longer exists."))
            elif partner.language == article.language:
                add("translation", _("The translation must be in the other language."))
    if related is not None:
        ids = [target.pk for target in related]
        if article.pk and article.pk in ids:
            add("related", _("An article cannot be related to itself."))
        if len(set(ids)) != len(ids):
            add("related", _("Each related article may be chosen once."))
        if len(ids) > RELATED_MAX:
            add("related", _("Choose at most %(max)d related articles.") % {"max": RELATED_MAX})
    if authors is not None:
        ids = [author.pk for author in authors]
        if len(set(ids)) != len(ids):
            add("authors", _("Each author may be named once."))
    if errors:
        raise ValidationError(errors)


# --- saving ------------------------------------------------------------------------------


def _normalise_publication(article: Article, now: datetime) -> None:
    if article.status == Status.PUBLISHED and article.published_at is None:
        article.published_at = now
    if article.status in VISIBLE_STATUSES and article.published_at is not None:
        article.status = Status.SCHEDULED if article.published_at > now else Status.PUBLISHED


def _first_published_at(article: Article, previous: datetime | None, now: datetime):
    """The first moment readers could see the article: frozen once it has passed; until then
    it follows the schedule (and is empty for an article that is not going to be shown)."""
    if previous is not None and previous <= now:
        return previous
    if article.status in VISIBLE_STATUSES:
        return article.published_at
    return None


def _derive_excerpt(article: Article, old: Article | None, text: str) -> None:
    derived_before = (
        old is not None
        and article.excerpt == old.excerpt
        and old.excerpt == markup.excerpt_from(markup.plain_text(old.body_html))
    )
    if not article.excerpt.strip() or derived_before:
        article.excerpt = markup.excerpt_from(text)
    else:
        article.excerpt = article.excerpt.strip()


def _free_translation_partners(article: Article) -> None:
    """Before `article` is saved pointing at its (new) partner, nobody else points at either
    of them: their former partners are unlinked."""
    partner_id = article.translation_id
    if article.pk is not None:
        Article.objects.filter(translation_id=article.pk).exclude(pk=partner_id).update(
            translation=None
        )
    if partner_id is not None:
        others = Article.objects.filter(translation_id=partner_id)
        if article.pk is not None:
            others = others.exclude(pk=article.pk)
        others.update(translation=None)


def _address_was_public(article: Article, old: Article, address: Address, now: datetime) -> bool:
    """Whether readers could ever reach the article at `address` (its address before this
    save): now, or in one of its earlier versions, each visible between its publication time
    and the save that replaced it."""
    if _is_visible(status=old.status, published_at=old.published_at, now=now):
        return True
    if old.first_published_at is None or old.first_published_at > now:
        return False  # never shown to anybody
    for data, replaced_at in Revision.objects.filter(
        article=article, data__slug=address.slug
    ).values_list("data", "created_at"):
        published_at = parse_datetime(data.get("published_at") or "")
        if Address.of(slug=data["slug"], published_at=published_at) == address and _is_visible(
            status=data["status"], published_at=published_at, now=replaced_at
        ):
            return True
    return False


def _update_redirects(article: Article, old: Article | None, now: datetime) -> None:
    new = Address.of(slug=article.slug, published_at=article.published_at)
    if new is not None:
        # An address the article answers at again is no old address any more (no loops); a
        # visible article also takes its address back from another article's old addresses.
        taken = SlugRedirect.objects.filter(year=new.year, month=new.month, slug=new.slug)
        if article.status not in VISIBLE_STATUSES:
            taken = taken.filter(article=article)
        taken.delete()
    if old is None:
        return
    before = Address.of(slug=old.slug, published_at=old.published_at)
    if before is None or before == new or not _address_was_public(article, old, before, now):
        return
    SlugRedirect.objects.update_or_create(
        year=before.year,
        month=before.month,
        slug=before.slug,
        defaults={"article": article, "created_at": now},
    )


def _set_relations(
    article: Article,
    *,
    tags: Sequence[Tag] | None,
    authors: Sequence[Author] | None,
    interviewees: Sequence[IntervieweeData] | None,
    related: Sequence[Article] | None,
) -> None:
    if tags is not None:
        article.tags.set(tags)
    if authors is not None:
        ArticleAuthor.objects.filter(article=article).delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, author=author, position=i)
            for i, author in enumerate(authors)
        )
    if interviewees is not None:
        Interviewee.objects.filter(article=article).delete()
        Interviewee.objects.bulk_create(
            Interviewee(article=article, name=person.name, role=person.role, position=i)
            for i, person in enumerate(interviewees)
        )
    if related is not None:
        RelatedArticle.objects.filter(article=article).delete()
        RelatedArticle.objects.bulk_create(
            RelatedArticle(article=article, target=target, position=i)
            for i, target in enumerate(related)
        )


@transaction.atomic
def article_save(
    *,
    article: Article,
    user: User,
    tags: Sequence[Tag] | None = None,
    authors: Sequence[Author] | None = None,
    interviewees: Sequence[IntervieweeData] | None = None,
    related: Sequence[Article] | None = None,
) -> Article:
    """Save `article` (new or changed in memory) with its relations; a relation given as None
    stays as it is. Raises ValidationError (keyed by field) when the article is not
    consistent. See the module docstring for everything done on the way."""
    now = timezone.now()
    old = None
    snapshot = None
    if article.pk is not None:
        old = Article.objects.select_for_update().filter(pk=article.pk).first()
        if old is not None:
            snapshot = article_snapshot(old)

    _normalise_publication(article, now)
    article_check(article=article, related=related, authors=authors)

    article.body_html = markup.render_body(article.body_source, article.language)
    text = markup.plain_text(article.body_html)
    _derive_excerpt(article, old, text)
    article.reading_minutes = markup.reading_minutes(text, article.language)
    article.first_published_at = _first_published_at(
        article, old.first_published_at if old else None, now
    )

    _free_translation_partners(article)
    article.save()
    if article.translation_id is not None:
        Article.objects.filter(pk=article.translation_id).update(translation=article)

    _set_relations(article, tags=tags, authors=authors, interviewees=interviewees, related=related)
    if snapshot is not None:
        Revision.objects.create(article=article, created_by=_actor(user), data=snapshot)
    _update_redirects(article, old, now)
    articles_cache.touch_on_commit()
    return article


# --- publishing --------------------------------------------------------------------------


@transaction.atomic
def article_publish(*, article_id: int, at: datetime | None = None, user: User) -> Article:
    """Publish now, or from `at` (scheduled while `at` is ahead). Without `at`, an article
    that had a publication time keeps it (so its address stays the same)."""
    article = Article.objects.select_for_update().get(pk=article_id)
    article.published_at = at or article.published_at or timezone.now()
    article.status = Status.PUBLISHED  # becomes "scheduled" when the time is ahead
    return article_save(article=article, user=user)


@transaction.atomic
def article_unpublish(*, article_id: int, user: User) -> Article:
    """Take the article off the site; its publication time stays, so publishing it again
    brings it back at the same address."""
    article = Article.objects.select_for_update().get(pk=article_id)
    article.status = Status.UNPUBLISHED
    return article_save(article=article, user=user)


@transaction.atomic
def article_restore_revision(*, revision_id: int, user: User) -> Article:
    """Bring back the content and relations of a revision (the version it replaces is kept
    as a revision in turn). Status and publication time stay as they are. Relations to
    things deleted since are left out."""
    revision = Revision.objects.get(pk=revision_id)
    article = Article.objects.select_for_update().get(pk=revision.article_id)
    data = revision.data
    for name in RESTORED_FIELDS:
        if name in data:
            setattr(article, name, data[name])
    if article.lead_image_id and not Image.objects.filter(pk=article.lead_image_id).exists():
        article.lead_image_id = None
    if article.translation_id and not (
        Article.objects.filter(pk=article.translation_id)
        .exclude(language=article.language)
        .exists()
    ):
        article.translation_id = None
    authors = {a.pk: a for a in Author.objects.filter(pk__in=data.get("authors", []))}
    targets = {
        a.pk: a
        for a in Article.objects.filter(pk__in=data.get("related", [])).exclude(pk=article.pk)
    }
    return article_save(
        article=article,
        user=user,
        tags=list(Tag.objects.filter(pk__in=data.get("tags", []))),
        authors=[authors[pk] for pk in data.get("authors", []) if pk in authors],
        interviewees=[
            IntervieweeData(name=person["name"], role=person.get("role", ""))
            for person in data.get("interviewees", [])
        ],
        related=[targets[pk] for pk in data.get("related", []) if pk in targets],
    )
