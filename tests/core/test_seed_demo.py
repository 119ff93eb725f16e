from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from consult import demo as consult_demo
from coopcenter.core.demo import DEMO_STAFF

# The articles demo stores its lead images: in a folder of the test's own.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def seed() -> str:
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_prints_logins_that_open_the_admin(client):
    output = seed()
    for login in DEMO_STAFF:
        assert login.username in output and login.password in output
        client.logout()
        assert client.login(username=login.username, password=login.password)
        assert client.get("/admin/").status_code == 200


def test_seed_is_idempotent():
    seed()
    seed()
    # The site's own demo logins plus the case desk's extra counselors, each once.
    expected = len(DEMO_STAFF) + len(consult_demo.EXTRA_COUNSELORS)
    assert get_user_model().objects.filter(is_staff=True).count() == expected


def test_seed_refuses_without_debug():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())
    assert not get_user_model().objects.exists()


def test_counselor_is_staff_but_not_superuser():
    seed()
    counselor = get_user_model().objects.get(username="counselor")
    assert counselor.is_staff and not counselor.is_superuser
    assert counselor.has_perm("outbox.view_outgoingmail")
    assert not counselor.has_perm("outbox.change_outgoingmail")
