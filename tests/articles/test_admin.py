"""The editors' admin: who may open it, saving through the services (body, relations in
order, revisions, redirects), the preview endpoint, revisions compared and restored, images
checked, and no state changed by a GET."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Image, Revision, SlugRedirect, Status
from articles.services import article_save
from coopcenter.core import demo
from tests.articles.factories import AuthorFactory, CategoryFactory, SeriesFactory, TagFactory
from tests.articles.test_images import picture_bytes, public_media, upload  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_admin", "private_media")]

SEOUL = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def editor(db):
    demo.seed()  # the roles, with the editors' group
    user = get_user_model().objects.create_user("writer", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=demo.EDITORS))
    return user


@pytest.fixture
def plain_staff(db):
    return get_user_model().objects.create_user("volunteer", password="x", is_staff=True)


@pytest.fixture
def article(db):
    return article_save(
        article=Article(
            title="협동조합의 시간",
            slug="coop-time",
            body_source="첫 본문",
            category=CategoryFactory(),
            status=Status.PUBLISHED,
            published_at=datetime.datetime(2026, 3, 10, 9, 0, tzinfo=SEOUL),
        ),
        user=None,
    )


def pages(article: Article) -> dict[str, str]:
    return {
        "changelist": reverse("admin:articles_article_changelist"),
        "add": reverse("admin:articles_article_add"),
        "change": reverse("admin:articles_article_change", args=[article.pk]),
        "revisions": reverse("admin:articles_article_revisions", args=[article.pk]),
        "images": reverse("admin:articles_image_changelist"),
        "image_add": reverse("admin:articles_image_add"),
    }


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and reverse("admin:login") in response["Location"]


def article_form(**overrides) -> dict:
    """The article form as the browser posts it, with its three inline formsets."""
    data = {
        "title": "기본사회와 협동조합",
        "slug": "기본사회와-협동조합",
        "language": "ko",
        "excerpt": "",
        "body_source": "## 소제목\n\n본문 <script>alert(1)</script>",
        "editor_note": "",
        "category": CategoryFactory().pk,
        "status": Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
    }
    for prefix in ("articleauthor_set", "interviewees", "related_links"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


def rows(prefix: str, *items: dict, initial: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(items)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, item in enumerate(items):
        data.update({f"{prefix}-{index}-{key}": value for key, value in item.items()})
    return data


# --- who may open what -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client, article):
    for name, url in pages(article).items():
        assert is_login_redirect(client.get(url)), name
    assert is_login_redirect(client.post(reverse("admin:articles_article_preview")))


def test_staff_without_the_articles_permissions_get_403(client, plain_staff, article):
    client.force_login(plain_staff)
    for name, url in pages(article).items():
        assert client.get(url).status_code == 403, name
    response = client.post(reverse("admin:articles_article_preview"), {"body_source": "x"})
    assert response.status_code == 403
    revision = Revision.objects.create(article=article, data={"title": "x"})
    restore = reverse("admin:articles_article_restore", args=[article.pk, revision.pk])
    assert client.post(restore).status_code == 403


def test_editors_open_every_page(client, editor, article):
    client.force_login(editor)
    for name, url in pages(article).items():
        assert client.get(url).status_code == 200, name
    changelist = reverse("admin:articles_article_changelist")
    for query in ("?status__exact=published", "?language__exact=ko", "?q=협동조합"):
        response = client.get(changelist + query)
        assert response.status_code == 200 and "협동조합의 시간" in response.content.decode()


def test_the_change_form_has_the_preview_pane_and_its_script(client, editor, article):
    client.force_login(editor)
    page = client.get(pages(article)["change"]).content.decode()
    assert 'id="article-preview"' in page
    assert reverse("admin:articles_article_preview") in page
    assert "articles/admin/preview.js" in page
    assert pages(article)["revisions"] in page
    # In its own language's pages (here /ko/: the fixture makes English the default).
    assert '/articles/2026/03/coop-time/" class="viewsitelink"' in page


def test_the_article_list_runs_a_fixed_number_of_queries(client, editor, article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(editor)
    url = reverse("admin:articles_article_changelist")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        article_save(
            article=Article(
                title=f"글 {n}",
                slug=f"more-{n}",
                category=CategoryFactory(),
                series=SeriesFactory(),
                series_part=1,
            ),
            user=None,
        )
    assert count() == few


def test_the_editors_group_may_not_delete_articles(editor):
    assert editor.has_perm("articles.change_article")
    assert not editor.has_perm("articles.delete_article")


# --- saving through the services ----------------------------------------------------------


def test_adding_an_article_goes_through_the_service(client, editor):
    client.force_login(editor)
    first, second = AuthorFactory(), AuthorFactory()
    tag = TagFactory()
    target = article_save(
        article=Article(title="관련", slug="related", category=CategoryFactory()), user=None
    )
    data = article_form(
        tags=[tag.pk],
        **rows(
            "articleauthor_set",
            {"author": second.pk, "position": "2"},
            {"author": first.pk, "position": "1"},
        ),
        **rows("interviewees", {"name": "박조합", "role": "이사장", "position": "0"}),
        **rows("related_links", {"target": target.pk, "position": "0"}),
    )
    response = client.post(pages(target)["add"], data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    article = Article.objects.get(slug="기본사회와-협동조합")
    assert "<script" not in article.body_html and "<h2>소제목</h2>" in article.body_html
    assert article.excerpt.startswith("소제목 본문")
    assert [link.author for link in article.articleauthor_set.order_by("position")] == [
        first,
        second,
    ]
    assert list(article.tags.all()) == [tag]
    assert article.interviewees.get().role == "이사장"
    assert [link.target for link in article.related_links.all()] == [target]


def test_changing_a_published_slug_keeps_a_revision_and_a_redirect(client, editor, article):
    client.force_login(editor)
    data = article_form(
        title=article.title,
        slug="coop-time-renamed",
        category=article.category_id,
        body_source="둘째 본문",
        status=Status.PUBLISHED,
        published_at_0="2026-03-10",
        published_at_1="09:00:00",
    )
    response = client.post(pages(article)["change"], data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.slug == "coop-time-renamed" and article.body_html == "<p>둘째 본문</p>"
    revision = article.revisions.get()
    assert revision.data["slug"] == "coop-time" and revision.created_by == editor
    assert SlugRedirect.objects.get().slug == "coop-time"


def test_form_errors_come_from_the_rules(client, editor, article):
    client.force_login(editor)
    series = SeriesFactory(planned_parts=2)
    data = article_form(series=series.pk, series_part="3")
    response = client.post(pages(article)["add"], data)
    assert response.status_code == 200
    assert "planned in 2 parts" in response.content.decode()
    data = article_form(
        title=article.title,
        slug=article.slug,
        category=article.category_id,
        **rows("related_links", {"target": article.pk, "position": "0"}),
    )
    response = client.post(pages(article)["change"], data)
    assert response.status_code == 200
    assert "cannot be related to itself" in response.content.decode()
    assert not article.revisions.exists()


def test_publish_and_unpublish_actions(client, editor, article):
    client.force_login(editor)
    changelist = pages(article)["changelist"]
    client.post(changelist, {"action": "unpublish_selected", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Status.UNPUBLISHED
    client.post(changelist, {"action": "publish_selected", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.revisions.count() == 2


# --- preview -----------------------------------------------------------------------------


def test_preview_answers_the_sanitised_body(client, editor):
    client.force_login(editor)
    url = reverse("admin:articles_article_preview")
    response = client.post(
        url,
        {
            "body_source": "**굵게** <script>alert(1)</script><img src=x onerror=alert(1)> "
            "[x](javascript:alert(1))",
            "language": "ko",
        },
    )
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>굵게</strong>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_preview_refuses_get(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:articles_article_preview")).status_code == 405


def test_preview_needs_the_csrf_token(editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(reverse("admin:articles_article_preview"), {"body_source": "x"})
    assert response.status_code == 403


# --- revisions ---------------------------------------------------------------------------


def edited(article: Article, **fields) -> Article:
    article = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    return article_save(article=article, user=None)


def test_revisions_page_lists_and_compares(client, editor, article):
    edited(article, title="<b>두 번째</b> 제목", body_source="첫 본문\n\n더한 문단")
    edited(article, body_source="바뀐 본문")
    client.force_login(editor)
    first, second = article.revisions.order_by("pk")
    url = pages(article)["revisions"]
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{first.pk}"' in page and f'value="{second.pk}"' in page
    # Default: the newest revision against the current version.
    assert '<del><span class="visually-hidden">removed: </span>더한 문단</del>' in page
    response = client.get(url, {"a": first.pk, "b": second.pk})
    page = response.content.decode()
    assert "&lt;b&gt;두 번째&lt;/b&gt; 제목" in page and "<b>두 번째</b>" not in page
    assert '<ins><span class="visually-hidden">added: </span>더한 문단</ins>' in page
    assert client.get(url, {"a": "nope", "b": "current"}).status_code == 404


def test_restore_asks_on_get_and_restores_on_post(client, editor, article):
    edited(article, title="두 번째 제목")
    revision = article.revisions.get()
    client.force_login(editor)
    url = reverse("admin:articles_article_restore", args=[article.pk, revision.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert "Yes, restore this version" in response.content.decode()
    article.refresh_from_db()
    assert article.title == "두 번째 제목" and article.revisions.count() == 1  # nothing changed

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == pages(article)["change"]
    article.refresh_from_db()
    assert article.title == "협동조합의 시간"
    assert article.revisions.count() == 2
    assert article.revisions.order_by("-pk").first().created_by == editor


def test_restore_of_another_articles_revision_is_404(client, editor, article):
    other = article_save(
        article=Article(title="다른 글", slug="other", category=CategoryFactory()), user=None
    )
    other = edited(other, title="다른 글 2")
    client.force_login(editor)
    url = reverse("admin:articles_article_restore", args=[article.pk, other.revisions.get().pk])
    assert client.post(url).status_code == 404


def test_viewers_see_revisions_but_cannot_restore(client, article):
    from django.contrib.auth.models import Permission

    viewer = get_user_model().objects.create_user("reader", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    edited(article, title="두 번째 제목")
    client.force_login(viewer)
    assert client.get(pages(article)["revisions"]).status_code == 200
    url = reverse("admin:articles_article_restore", args=[article.pk, article.revisions.get().pk])
    assert client.post(url).status_code == 403
    assert client.post(reverse("admin:articles_article_preview")).status_code == 403


# --- images ------------------------------------------------------------------------------


def test_image_admin_refuses_a_disguised_file_and_missing_alt_text(client, editor):
    client.force_login(editor)
    url = reverse("admin:articles_image_add")
    response = client.post(url, {"file": upload(b"<?php echo 1; ?>"), "alt_text": "사진"})
    assert response.status_code == 200 and "file" in response.context["adminform"].form.errors
    gif = upload(picture_bytes(50, 50, "GIF"), "photo.jpg")
    response = client.post(url, {"file": gif, "alt_text": "사진"})
    assert response.status_code == 200 and "not a JPEG, PNG or WebP" in response.content.decode()
    response = client.post(url, {"file": upload(picture_bytes(50, 50)), "alt_text": ""})
    assert response.status_code == 200 and "Describe the picture" in response.content.decode()
    assert not Image.objects.exists()


@pytest.mark.usefixtures("public_media")
def test_image_admin_stores_and_makes_renditions(client, editor):
    client.force_login(editor)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("admin:articles_image_add"),
            {
                "file": upload(picture_bytes(600, 400)),
                "alt_text": "",
                "is_decorative": "on",
                "caption": "<b>캡션</b>",
            },
        )
    assert response.status_code == 302
    image = Image.objects.get()
    assert image.is_decorative and image.renditions.count() == 4
    page = client.get(reverse("admin:articles_image_changelist")).content.decode()
    assert "&lt;b&gt;캡션&lt;/b&gt;" in page
    lookup = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "lead_image", "term": ""},
    )
    assert lookup.status_code == 200 and lookup.json()["results"][0]["id"] == str(image.pk)


def test_scheduled_articles_show_their_time_in_the_list(client, editor):
    later = timezone.now() + datetime.timedelta(days=2)
    article_save(
        article=Article(
            title="예약",
            slug="later",
            category=CategoryFactory(),
            status=Status.PUBLISHED,
            published_at=later,
        ),
        user=None,
    )
    client.force_login(editor)
    page = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert f"Scheduled ({timezone.localtime(later):%Y-%m-%d %H:%M})" in page
