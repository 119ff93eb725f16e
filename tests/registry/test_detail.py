"""A co-op's page: every public field, consented contact only, certifications, history."""

import datetime
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from registry.cache import registry_touch
from registry.models import CooperativeChange, ImportBatch
from registry.services import cooperative_save
from tests.registry.factories import CertificationFactory, CooperativeFactory, district

pytestmark = pytest.mark.django_db


def page(client, cooperative, language="en", **headers):
    prefix = "/en" if language == "en" else ""
    response = client.get(f"{prefix}/registry/{cooperative.pk}/", headers=headers)
    assert response.status_code == 200
    return unescape(response.content.decode())


@pytest.fixture
def full():
    return CooperativeFactory(
        name="마을두레협동조합",
        legal_type="social",
        member_type="multi_stakeholder",
        registration_no="2014-00042",
        registration_date=datetime.date(2014, 3, 5),
        incorporation_date=datetime.date(2014, 3, 20),
        status="dissolved",
        status_date=datetime.date(2020, 6, 30),
        status_reason="총회 해산 의결",
        industry="P",
        ksic_class="85709",
        main_business="마을 교육 프로그램",
        address="서울특별시 마포구 월드컵로 1",
        district=district("11440"),
        members=128,
        members_as_of=datetime.date(2019, 12, 31),
        capital_krw=31_500_000,
        capital_as_of=datetime.date(2019, 11, 30),
        source="서울시 열린데이터광장",
        source_record_id="SEOUL-0042",
        data_as_of=datetime.date(2020, 7, 1),
        phone="02-123-4567",
        email="hello@dure.example",
        website="https://dure.example",
    )


def test_every_public_field_is_shown(client, full):
    html = page(client, full)
    for text in (
        '<h1 lang="ko">마을두레협동조합</h1>',
        "Social co-op",
        "Multi-stakeholder",
        "2014-00042",
        '<time datetime="2014-03-05">March 5, 2014</time>',
        '<time datetime="2014-03-20">March 20, 2014</time>',
        "Dissolved",
        "(since June 30, 2020)",
        "총회 해산 의결",
        "Education",
        "(KSIC section P, class 85709)",
        "마을 교육 프로그램",
        "서울특별시 마포구 월드컵로 1",
        '<a href="/en/registry/?district=11440">Mapo-gu</a>',
        "128 members",
        "(as of Dec. 31, 2019)",
        "31,500,000 won",
        "(as of Nov. 30, 2019)",
        "서울시 열린데이터광장",
        "SEOUL-0042",
        '<time datetime="2020-07-01">July 1, 2020</time>',
        "<title>마을두레협동조합 · Co-op registry · ",
    ):
        assert text in html, text


def test_unknown_values_are_said_so(client):
    cooperative = CooperativeFactory(
        members=None, capital_krw=None, members_as_of=None, capital_as_of=None
    )
    html = page(client, cooperative)
    assert html.count("Not known") == 2
    assert "No certification is recorded for this co-op." in html
    assert "No change has been recorded since this co-op entered the registry." in html


def test_contact_is_hidden_without_consent(client, full):
    html = page(client, full)
    assert "02-123-4567" not in html
    assert "hello@dure.example" not in html
    assert "dure.example" not in html
    assert "Contact</h2>" not in html


def test_contact_is_shown_with_consent(client, full):
    full.contact_consent = True
    full.save()
    html = page(client, full)
    assert "Contact</h2>" in html
    assert '<a href="tel:02-123-4567">02-123-4567</a>' in html
    assert '<a href="mailto:hello@dure.example">hello@dure.example</a>' in html
    assert '<a href="https://dure.example" rel="nofollow noopener">' in html
    assert "Published with the co-op's consent." in html


def test_only_a_web_address_becomes_a_link(client):
    cooperative = CooperativeFactory(contact_consent=True, website="javascript:alert(1)")
    html = page(client, cooperative)
    assert "javascript:alert(1)" in html
    assert 'href="javascript:' not in html


def test_certifications_are_listed(client, full):
    CertificationFactory(
        cooperative=full,
        kind="pre_social_enterprise",
        certified_on=datetime.date(2015, 1, 2),
        expires_on=datetime.date(2017, 1, 1),
    )
    CertificationFactory(
        cooperative=full, kind="social_enterprise", certified_on=datetime.date(2017, 1, 2)
    )
    html = page(client, full)
    assert html.index("Pre-social enterprise") < html.index("Social enterprise</span>")
    assert "certified on Jan. 2, 2015" in html
    assert "valid until Jan. 1, 2017" in html
    assert "certified on Jan. 2, 2017" in html


def test_history_says_who_or_which_import_changed_what(client, full):
    user = get_user_model().objects.create_user("counselor-kim", password="x")
    batch = ImportBatch.objects.create(source="서울시 열린데이터광장", filename="coops-2020.csv")
    at = timezone.make_aware(datetime.datetime(2020, 7, 2, 10))
    CooperativeChange.objects.create(
        cooperative=full,
        batch=batch,
        changed_at=at,
        field="status",
        old_value="operating",
        new_value="dissolved",
    )
    CooperativeChange.objects.create(
        cooperative=full,
        batch=batch,
        changed_at=at,
        field="district_id",
        old_value="11110",
        new_value="11440",
    )
    CooperativeChange.objects.create(
        cooperative=full,
        changed_by=user,
        changed_at=at + datetime.timedelta(days=1),
        field="members",
        old_value="120",
        new_value="128",
    )
    html = page(client, full)
    history = html[html.index("History of this record") :]
    assert "Import from 서울시 열린데이터광장" in history
    assert "(coops-2020.csv)" in history
    assert '<th scope="row">Status</th>' in history
    assert "<td>Operating</td>" in history and "<td>Dissolved</td>" in history
    assert '<th scope="row">District</th>' in history
    assert "<td>Jongno-gu</td>" in history and "<td>Mapo-gu</td>" in history
    assert '<th scope="row">Members</th>' in history
    assert "<td>120</td>" in history and "<td>128</td>" in history
    # A staff edit says so, without publishing the staff member's login name.
    assert "Center staff" in history
    assert "counselor-kim" not in html
    # Newest first.
    assert history.index("Members") < history.index("Status")
    assert "July 3, 2020" in history


def test_history_of_contact_fields_is_never_shown(client, full):
    for field, old, new in (
        ("phone", "010-9999-8888", "02-123-4567"),
        ("email", "old@dure.example", "hello@dure.example"),
        ("website", "", "https://dure.example"),
        ("contact_consent", "true", "false"),
    ):
        CooperativeChange.objects.create(
            cooperative=full, field=field, old_value=old, new_value=new
        )
    html = page(client, full)
    assert "010-9999-8888" not in html
    assert "dure.example" not in html
    assert "No change has been recorded" in html


def test_history_is_capped_with_a_note(client, full):
    start = timezone.make_aware(datetime.datetime(2020, 1, 1))
    CooperativeChange.objects.bulk_create(
        CooperativeChange(
            cooperative=full,
            changed_at=start + datetime.timedelta(days=n),
            field="members",
            old_value=str(n),
            new_value=str(n + 1),
        )
        for n in range(55)
    )
    html = page(client, full)
    assert html.count('<th scope="row">Members</th>') == 50
    assert "<td>55</td>" in html  # the newest
    assert "<td>4</td>" not in html  # among the oldest five, not shown
    assert "Only the latest 50 changes are shown." in html


def test_unknown_co_op_is_a_404(client):
    assert client.get("/en/registry/999999/").status_code == 404
    assert client.get("/registry/99999999999999999999/").status_code == 404
    assert client.get("/registry/abc/").status_code == 404


def test_links_to_the_list_and_the_statistics_of_its_district(client, full):
    html = page(client, full)
    assert '<a href="/en/registry/?district=11440">All co-ops in Mapo-gu</a>' in html
    assert '<a href="/en/registry/stats/?district=11440">Statistics for Mapo-gu</a>' in html
    assert '<p class="coop-back"><a href="/en/registry/">Back to the co-op list</a></p>' in html


def test_back_link_keeps_the_filters_the_visitor_came_from(client, full):
    came_from = "http://testserver/en/registry/?q=%EB%91%90%EB%A0%88&sort=newest&page=2&x=1"
    html = page(client, full, referer=came_from)
    back = "/en/registry/?q=%EB%91%90%EB%A0%88&sort=newest&page=2"
    assert f'<a href="{back}">Back to the co-op list' in html
    # The cached page is shared: the next visitor, from elsewhere, gets the plain link.
    html = page(client, full, referer="https://elsewhere.example/en/registry/?q=x")
    assert '<a href="/en/registry/">Back to the co-op list' in html


def test_the_korean_page_is_served_at_the_unprefixed_url(client, full):
    html = page(client, full, language="ko")
    assert '<html lang="ko">' in html
    assert "마포구" in html


def test_the_page_is_cached_until_the_registry_changes(
    client, full, django_capture_on_commit_callbacks
):
    assert "128 members" in page(client, full)
    full.members = 140
    with django_capture_on_commit_callbacks(execute=True):
        cooperative_save(cooperative=full)
    html = page(client, full)
    assert "140 members" in html
    assert "<td>128</td>" in html and "<td>140</td>" in html  # and the history has it


# --- Queries -----------------------------------------------------------------------------

# A first request reads the co-op with its district, its certifications, its history and the
# district names (for history entries that moved it); a later one is served from the cache.
DETAIL_QUERIES_COLD = 4
DETAIL_QUERIES_WARM = 0


@pytest.mark.parametrize("rich", [False, True], ids=["bare", "rich"])
def test_the_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, rich):
    cooperative = CooperativeFactory()
    if rich:
        batch = ImportBatch.objects.create(source="import")
        user = get_user_model().objects.create_user("staff", password="x")
        for kind in ("social_enterprise", "village_enterprise", "pre_social_enterprise"):
            CertificationFactory(cooperative=cooperative, kind=kind)
        CooperativeChange.objects.bulk_create(
            CooperativeChange(
                cooperative=cooperative,
                field="members",
                new_value=str(n),
                batch=batch if n % 2 else None,
                changed_by=None if n % 2 else user,
            )
            for n in range(70)
        )
    registry_touch()
    with django_assert_num_queries(DETAIL_QUERIES_COLD):
        page(client, cooperative)
    with django_assert_num_queries(DETAIL_QUERIES_WARM):
        page(client, cooperative)
