"""The database itself refuses what the registry must never hold."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from registry.models import Cooperative, CooperativeChange, District
from tests.registry.factories import CertificationFactory, CooperativeFactory

pytestmark = pytest.mark.django_db


def test_the_migration_loads_the_25_seoul_districts():
    assert District.objects.count() == 25
    gangnam = District.objects.get(code="11680")
    assert (gangnam.name_ko, gangnam.name_en) == ("강남구", "Gangnam-gu")
    with translation.override("en"):
        assert str(gangnam) == "Gangnam-gu"
    with translation.override("ko"):
        assert str(gangnam) == "강남구"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("members", -1),
        ("capital_krw", -1),
        ("industry", "K"),
        ("legal_type", "bank"),
        ("status", "sleeping"),
    ],
)
def test_database_constraints_refuse_invalid_values(field, value):
    cooperative = CooperativeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Cooperative.objects.filter(pk=cooperative.pk).update(**{field: value})


def test_zero_members_and_zero_capital_are_allowed():
    cooperative = CooperativeFactory(members=0, capital_krw=0)
    cooperative.refresh_from_db()
    assert (cooperative.members, cooperative.capital_krw) == (0, 0)


def test_capital_is_whole_won_beyond_32_bits():
    cooperative = CooperativeFactory(capital_krw=12_345_678_901)
    cooperative.refresh_from_db()
    assert cooperative.capital_krw == 12_345_678_901
    assert isinstance(cooperative.capital_krw, int)


def test_registration_number_is_unique_when_present():
    CooperativeFactory(registration_no="2013-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        CooperativeFactory(registration_no="2013-1")


def test_many_co_ops_may_lack_a_registration_number():
    CooperativeFactory(registration_no="")
    CooperativeFactory(registration_no="")
    assert Cooperative.objects.filter(registration_no="").count() == 2


def test_finance_is_not_offered_as_an_industry():
    assert "K" not in dict(Cooperative._meta.get_field("industry").choices)


def test_contact_details_are_public_only_with_consent():
    cooperative = CooperativeFactory(phone="02-0000-1234", email="coop@example.org")
    assert cooperative.public_contact == {}
    cooperative.contact_consent = True
    assert cooperative.public_contact == {"phone": "02-0000-1234", "email": "coop@example.org"}


def test_history_entries_cannot_be_rewritten():
    change = CooperativeChange.objects.create(
        cooperative=CooperativeFactory(), field="members", old_value="5", new_value="7"
    )
    change.new_value = "70"
    with pytest.raises(ValueError, match="append-only"):
        change.save()


def test_a_certification_cannot_expire_before_it_starts():
    certification = CertificationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(certification).objects.filter(pk=certification.pk).update(expires_on="2000-01-01")


def test_listed_and_operating_querysets():
    operating = CooperativeFactory()
    dissolved = CooperativeFactory(status="dissolved")
    assert set(Cooperative.objects.listed()) == {operating, dissolved}
    assert list(Cooperative.objects.operating()) == [operating]
