"""The demo registry reproduces the figures of Seoul's 2013 release, exactly and every time."""

import datetime
import random
from io import StringIO

import pytest
from django.db.models import Avg, Count, Min, Sum

from registry import demo
from registry.cache import registry_version
from registry.models import (
    FORBIDDEN_INDUSTRIES,
    Certification,
    Cooperative,
    District,
    LegalType,
    Status,
)
from tests.registry.factories import CooperativeFactory

pytestmark = pytest.mark.django_db

N = 885


@pytest.fixture
def seeded() -> Cooperative:
    demo.seed()
    return Cooperative.objects.filter(source=demo.DEMO_SOURCE)


def counts(queryset, field: str) -> dict[str, int]:
    return dict(queryset.values_list(field).annotate(n=Count("id")).order_by())


def test_the_top_five_districts_are_the_release_s(seeded) -> None:
    by_district = sorted(counts(seeded, "district_id").items(), key=lambda kv: (-kv[1], kv[0]))
    assert by_district[:5] == [
        ("11680", 96),  # Gangnam-gu
        ("11650", 69),  # Seocho-gu
        ("11440", 64),  # Mapo-gu
        ("11560", 58),  # Yeongdeungpo-gu
        ("11110", 57),  # Jongno-gu
    ]
    rest = by_district[5:]
    assert len(rest) == 20 and sum(n for _code, n in rest) == 541
    assert all(n < 57 for _code, n in rest)
    assert len({n for _code, n in rest}) > 10  # varied, not an even spread


def test_members_are_the_release_s(seeded) -> None:
    assert seeded.count() == N
    small = seeded.filter(members__lt=10).count()
    assert small == 638 and round(100 * small / N, 1) == 72.1
    assert seeded.aggregate(mean=Avg("members"))["mean"] == 15
    assert seeded.aggregate(total=Sum("members"))["total"] == 13_275
    assert seeded.filter(members__gte=100).count() == 12
    assert seeded.aggregate(least=Min("members"))["least"] >= 5  # the founders
    values = sorted(seeded.values_list("members", flat=True))
    assert values[N // 2] in (7, 8)  # the median
    assert seeded.filter(members__gte=10, members__lt=30).count() > 100
    assert seeded.filter(members__gte=30, members__lt=100).count() > 20


def test_share_capital_is_the_release_s(seeded) -> None:
    small = seeded.filter(capital_krw__lt=10_000_000).count()
    assert small == 596 and round(100 * small / N, 1) == 67.3
    assert seeded.aggregate(mean=Avg("capital_krw"))["mean"] == 19_175_000
    assert seeded.aggregate(total=Sum("capital_krw"))["total"] == 16_969_875_000
    assert seeded.aggregate(least=Min("capital_krw"))["least"] > 0
    assert seeded.filter(capital_krw__gte=100_000_000).count() >= 10
    amounts = list(seeded.values_list("capital_krw", flat=True))
    assert sum(amount % 100_000 != 0 for amount in amounts) <= 1  # round amounts


def test_member_types_and_industries_are_the_release_s(seeded) -> None:
    assert counts(seeded, "member_type") == {
        "producer": 466,
        "multi_stakeholder": 261,
        "worker": 89,
        "consumer": 69,
    }
    industries = counts(seeded, "industry")
    assert (industries["G"], industries["P"], industries["J"]) == (242, 143, 73)
    assert not set(industries) & set(FORBIDDEN_INDUSTRIES)
    others = {k: v for k, v in industries.items() if k not in "GPJ"}
    assert sum(others.values()) == 427 and max(others.values()) < 73 and len(others) >= 8


def test_registrations_follow_the_2013_growth(seeded) -> None:
    dates = seeded.values_list("registration_date", flat=True)
    assert min(dates) >= datetime.date(2012, 12, 1)
    assert max(dates) <= datetime.date(2013, 11, 30)
    assert seeded.filter(registration_date__lte=datetime.date(2013, 7, 31)).count() == 500
    assert 0 < seeded.filter(registration_date__lt=datetime.date(2013, 1, 1)).count() < 30
    assert all(day.weekday() < 5 for day in dates)


def test_names_numbers_and_addresses_are_generated_and_unique(seeded) -> None:
    rows = list(seeded.select_related("district"))
    assert len({c.name for c in rows}) == N
    assert len({c.registration_no for c in rows}) == N
    assert {c.district_id for c in rows} <= set(District.objects.values_list("code", flat=True))
    for coop in rows:
        assert coop.name.endswith(demo.LEGAL_TYPE_SUFFIX[coop.legal_type])
        assert coop.address.startswith(f"서울특별시 {coop.district.name_ko} ")
        assert coop.main_business
        assert coop.members_as_of == coop.capital_as_of == coop.data_as_of == demo.AS_OF
    assert sorted(int(c.source_record_id) for c in rows) == list(range(1, N + 1))
    assert any("두레" in c.name for c in rows)  # the directory's example search finds some


def test_legal_types_and_their_registration_numbers(seeded) -> None:
    assert counts(seeded, "legal_type") == {"general": 840, "social": 35, "federation": 10}
    prefixes = {"general": "서울-", "social": "사협인가-", "federation": "연합회-"}
    for legal_type, number in seeded.values_list("legal_type", "registration_no"):
        assert number.startswith(prefixes[legal_type])
    assert seeded.filter(legal_type=LegalType.SOCIAL, name__endswith="사회적협동조합").count() == 35


def test_a_few_co_ops_are_closed_but_every_one_is_counted(seeded) -> None:
    assert seeded.operating().count() == 879
    closed = seeded.exclude(status=Status.OPERATING)
    assert counts(closed, "status") == {"not_operating": 3, "dissolved": 3}
    for coop in closed:
        assert coop.registration_date < coop.status_date <= demo.AS_OF and coop.status_reason
    assert not seeded.operating().exclude(status_date=None).exists()
    assert Cooperative.objects.listed().count() == N


def test_certifications_and_published_contacts(seeded) -> None:
    certifications = Certification.objects.filter(cooperative__source=demo.DEMO_SOURCE)
    assert counts(certifications, "kind") == {
        "pre_social_enterprise": 18,
        "village_enterprise": 14,
        "social_enterprise": 8,
    }
    for cert in certifications.select_related("cooperative"):
        assert cert.cooperative.registration_date < cert.certified_on <= demo.AS_OF
        if cert.kind == Certification.Kind.PRE_SOCIAL_ENTERPRISE:
            assert cert.expires_on > cert.certified_on
    consented = seeded.filter(contact_consent=True)
    assert consented.count() == 30
    for coop in consented:
        assert coop.email.endswith("@example.org") and coop.phone.startswith("02-0000-")
        assert coop.contact_consent_at is not None
    hidden = seeded.filter(contact_consent=False)
    assert not hidden.exclude(phone="", email="", website="").exists()


def test_seed_is_idempotent_and_keeps_other_co_ops() -> None:
    own = CooperativeFactory(source="서울시 공공데이터")
    out = StringIO()
    assert demo.seed(stdout=out) == N
    assert demo.seed(stdout=out) == 0
    assert out.getvalue().splitlines() == [f"{N} demo co-ops", f"{N} demo co-ops already present"]
    names = set(Cooperative.objects.filter(source=demo.DEMO_SOURCE).values_list("name", flat=True))
    # Rows of an interrupted seed are replaced by the whole set.
    Cooperative.objects.filter(source=demo.DEMO_SOURCE, source_record_id__in=["1", "2"]).delete()
    assert demo.seed() == N
    demo_rows = Cooperative.objects.filter(source=demo.DEMO_SOURCE)
    assert demo_rows.count() == N
    assert set(demo_rows.values_list("name", flat=True)) == names  # the same co-ops
    assert Certification.objects.filter(cooperative__source=demo.DEMO_SOURCE).count() == 40
    assert Cooperative.objects.filter(pk=own.pk).exists()


def test_seed_invalidates_the_cached_figures(django_capture_on_commit_callbacks) -> None:
    before = registry_version()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    assert registry_version() != before


def test_the_generator_makes_valid_co_ops_at_other_sizes() -> None:
    districts = list(District.objects.all())
    coops = list(demo.generate_cooperatives(1000, rng=random.Random(7), districts=districts))
    assert len(coops) == 1000
    assert len({c.name for c in coops}) == 1000
    assert len({c.registration_no for c in coops}) == 1000
    assert sum(c.members for c in coops) == 15 * 1000
    assert sum(c.capital_krw for c in coops) == 19_175_000 * 1000
    assert 700 <= sum(c.members < 10 for c in coops) <= 745  # 72.1 %
    assert all(c.industry not in FORBIDDEN_INDUSTRIES for c in coops)
    for coop in random.Random(1).sample(coops, 60):
        coop.full_clean()
    # The same seed gives the same co-ops.
    again = demo.generate_cooperatives(1000, rng=random.Random(7), districts=districts)
    assert [c.name for c in again] == [c.name for c in coops]


def test_apportion_is_exact_at_the_total_and_proportional_elsewhere() -> None:
    weights = list(demo.DISTRICT_COUNTS.items())
    assert demo.apportion(weights, N) == demo.DISTRICT_COUNTS
    halved = demo.apportion(weights, 442)
    assert sum(halved.values()) == 442 and halved["11680"] == 48
