"""The editors' article form in a real browser: the preview pane follows the typing with the
sanitised body, under the site's CSP; and axe-core's check of the form and the revisions
page."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from articles.models import Article, Status
from articles.services import article_save
from coopcenter.core import demo
from tests.articles.factories import CategoryFactory
from tests.e2e.support import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("private_media")]

PASSWORD = "pw-2026-editor"


@pytest.fixture
def editor(live_server):
    demo.seed()
    user = get_user_model().objects.create_user("writer", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=demo.EDITORS))
    return user


def log_in(browser_page, next_path: str):
    page = browser_page.page
    browser_page.goto(f"/admin/login/?next={next_path}")
    page.locator("#id_username").fill("writer")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == next_path)


def test_the_preview_follows_the_body(new_page, editor):
    category = CategoryFactory()
    article = article_save(
        article=Article(
            title="협동조합의 시간",
            slug="coop-time",
            body_source="첫 본문",
            category=category,
            status=Status.PUBLISHED,
            published_at=datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC),
        ),
        user=None,
    )
    browser_page = new_page()
    page = browser_page.page
    path = f"/admin/articles/article/{article.pk}/change/"
    log_in(browser_page, path)

    preview = page.locator("#article-preview-body")
    preview.locator("p", has_text="첫 본문").wait_for()
    page.locator("#id_body_source").fill(
        '## 소제목\n\n**굵게** <img src=x alt="" onerror="document.title=\'hacked\'">'
    )
    preview.locator("h2", has_text="소제목").wait_for()
    assert preview.locator("strong").inner_text() == "굵게"
    assert "onerror" not in preview.inner_html()
    assert page.title() != "hacked"
    browser_page.assert_clean()
    assert_accessible(page)

    article_save(article=Article.objects.get(pk=article.pk), user=None)
    browser_page.goto(f"/admin/articles/article/{article.pk}/revisions/")
    assert_accessible(page)
