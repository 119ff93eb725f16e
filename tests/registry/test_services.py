"""Writes to the registry leave history rows; the history's value format."""

from datetime import date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from registry.models import Cooperative, CooperativeChange, ImportBatch
from registry.services import (
    TRACKED_FIELDS,
    cooperative_changes,
    cooperative_save,
    cooperative_snapshot,
    history_for,
    history_value,
)
from tests.registry.factories import CooperativeFactory, district

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        (10_000_000, "10000000"),
        (date(2013, 1, 2), "2013-01-02"),
        (datetime(2013, 1, 2, 3, 4), "2013-01-02T03:04:00"),
        ("새날", "새날"),
    ],
)
def test_history_values(value, expected):
    assert history_value(value) == expected


def test_tracked_fields_leave_out_bookkeeping():
    assert "members" in TRACKED_FIELDS and "district_id" in TRACKED_FIELDS
    assert not {"id", "created_at", "updated_at", "contact_consent_at"} & set(TRACKED_FIELDS)


def test_a_new_coop_records_each_field_it_was_given():
    user = get_user_model().objects.create_user("manager")
    coop = Cooperative(name="새날협동조합", district=district(), members=9)
    changes = cooperative_save(cooperative=coop, changed_by=user)
    recorded = {c.field: (c.old_value, c.new_value) for c in changes}
    assert recorded["name"] == ("", "새날협동조합")
    assert recorded["members"] == ("", "9")
    assert recorded["district_id"] == ("", "11680")
    assert "capital_krw" not in recorded  # still empty
    assert CooperativeChange.objects.filter(cooperative=coop, changed_by=user).count() == len(
        changes
    )


def test_an_edit_records_only_what_changed_read_from_the_database():
    coop = CooperativeFactory(members=12, status="operating")
    coop.members = 13  # changed in place, as a form does
    changes = cooperative_save(cooperative=coop)
    assert [(c.field, c.old_value, c.new_value) for c in changes] == [("members", "12", "13")]
    assert changes[0].changed_by is None
    assert cooperative_save(cooperative=coop) == []


def test_anonymous_users_are_not_recorded_as_authors():
    coop = CooperativeFactory(members=1)
    coop.members = 2
    [change] = cooperative_save(cooperative=coop, changed_by=AnonymousUser())
    assert change.changed_by is None


def test_consent_is_stamped_and_cleared():
    coop = CooperativeFactory()
    coop.contact_consent = True
    cooperative_save(cooperative=coop)
    assert coop.contact_consent_at is not None
    coop.contact_consent = False
    cooperative_save(cooperative=coop)
    assert coop.contact_consent_at is None


def test_invalid_coops_are_refused_before_writing():
    coop = CooperativeFactory(members=3)
    coop.industry = "K"
    with pytest.raises(ValidationError):
        cooperative_save(cooperative=coop)
    assert not CooperativeChange.objects.exists()


def test_changes_name_their_import():
    coop = CooperativeFactory(members=3)
    batch = ImportBatch.objects.create(source="서울 2013")
    before = cooperative_snapshot(coop)
    coop.members = 4
    [change] = cooperative_changes(cooperative=coop, before=before, batch=batch)
    assert change.pk is None  # unsaved: the caller bulk-creates them
    change.save()
    assert change.actor == "서울 2013"


def test_history_for_several_coops_in_one_query(django_assert_num_queries):
    first, second = CooperativeFactory.create_batch(2, members=1)
    for coop in (first, second):
        coop.members = 2
        cooperative_save(cooperative=coop)
    with django_assert_num_queries(1):
        rows = history_for([first.pk, second.pk])
        assert {pk: [c.field for c in changes] for pk, changes in rows.items()} == {
            first.pk: ["members"],
            second.pk: ["members"],
        }
