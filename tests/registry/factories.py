import datetime

import factory

from registry.models import (
    Certification,
    Cooperative,
    District,
    LegalType,
    MemberType,
    Status,
)


def district(code: str = "11680") -> District:
    """One of the 25 districts the data migration loaded (default Gangnam-gu)."""
    return District.objects.get(code=code)


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    name = factory.Sequence(lambda n: f"새날{n}협동조합")
    legal_type = LegalType.GENERAL
    member_type = MemberType.PRODUCER
    registration_no = factory.Sequence(lambda n: f"2013-{n:05d}")
    registration_date = factory.Sequence(
        lambda n: datetime.date(2013, 1, 1) + datetime.timedelta(days=n % 300)
    )
    status = Status.OPERATING
    industry = "G"
    main_business = "생활용품 공동구매"
    address = factory.Sequence(lambda n: f"서울특별시 강남구 테헤란로 {n + 1}")
    district = factory.LazyFunction(district)
    members = 12
    members_as_of = datetime.date(2013, 11, 30)
    capital_krw = 15_000_000
    capital_as_of = datetime.date(2013, 11, 30)
    source = "test"
    data_as_of = datetime.date(2013, 11, 30)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    cooperative = factory.SubFactory(CooperativeFactory)
    kind = Certification.Kind.SOCIAL_ENTERPRISE
    certified_on = datetime.date(2014, 3, 1)
