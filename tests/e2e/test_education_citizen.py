"""A citizen whose inquiry was routed to education opens their private link on a phone,
enrols in a session of the founding course, then gives the place back; every page passes
axe-core's WCAG 2.1 AA check in Korean and English."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from consult.models import CourseSession, Enrolment
from coopcenter.outbox.models import OutgoingMail
from tests.consult.factories import CourseSessionFactory, education_case
from tests.e2e.support import MOBILE, assert_accessible
from tests.e2e.test_consult_citizen import assert_fits, consult_desk  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_citizen_enrols_from_the_tracking_link(new_page, consult_desk, language):  # noqa: F811
    session = CourseSessionFactory(capacity=30)
    later = CourseSessionFactory(
        course=session.course, mode="online", place="", online_url="https://meet.example.org/b"
    )
    case, token = education_case(language=language, email="hana@example.org")
    with translation.override(language):
        path = reverse("consult:track", kwargs={"reference": case.reference, "token": token})
    browser_page = new_page(MOBILE)
    page = browser_page.page
    browser_page.goto(path)
    block = page.locator("#education")
    assert block.locator("form.education-enrol-form").count() == 2
    assert_accessible(page)
    assert_fits(page, MOBILE)

    block.locator(f'form:has(input[value="{session.pk}"]) button[type=submit]').click()
    page.wait_for_url(re.compile(r"#education$"))
    page.locator(".messages .alert-success").wait_for()
    enrolment = Enrolment.objects.get(case=case)
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert CourseSession.objects.get(pk=session.pk).seats_taken == 1
    assert OutgoingMail.objects.filter(template="education_enrolment_confirmed").exists()
    # The place is listed; only the other session still has an Enrol button.
    assert page.locator("#education .education-enrolment-confirmed").count() == 1
    assert page.locator("#education form.education-enrol-form").count() == 1
    assert page.locator(f'#education input[value="{later.pk}"]').count() == 1
    assert_accessible(page)
    assert_fits(page, MOBILE)

    # Giving the place back: a confirmation page, then the POST.
    page.locator(".education-enrolment-confirmed .education-actions a").click()
    page.wait_for_url(re.compile(r"/education/\d+/cancel/$"))
    assert_accessible(page)
    page.locator(".consult-close-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"#education$"))
    page.locator(".messages .alert-success").wait_for()
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.CANCELLED
    assert CourseSession.objects.get(pk=session.pk).seats_taken == 0
    browser_page.assert_clean()
