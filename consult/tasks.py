"""Thin Celery tasks over the intake services; every one is safe to run twice."""

from celery import shared_task

from . import access, followups, services


@shared_task(ignore_result=True)
def open_waiting_submissions() -> int:
    """Queued by the first inquiry since the last run (services.submission_receive), and
    run by beat as the safety net for a run that could not be queued (broker down)."""
    return services.intake_run()


@shared_task(ignore_result=True)
def expire_seat_offers() -> int:
    """Run by beat: offers of a freed course seat past their deadline expire and the seat
    goes to the next on the waiting list. Safe to run twice, or twice at once."""
    from . import education

    return education.offers_expire()


# --- follow-ups (consult.followups), run by beat; each one is safe to run twice ---------
#
# A run that fails (the database restarting, say) is retried a few times, then left to the
# next scheduled run, which picks up whatever is still due.

FOLLOW_UP_RETRIES = 3
FOLLOW_UP_RETRY_DELAY = 60


def _run(task, service) -> int:
    try:
        return service().mails
    except Exception as exc:
        raise task.retry(exc=exc, countdown=FOLLOW_UP_RETRY_DELAY) from exc


@shared_task(bind=True, ignore_result=True, max_retries=FOLLOW_UP_RETRIES)
def send_triage_reminders(self) -> int:
    return _run(self, followups.triage_reminders_send)


@shared_task(bind=True, ignore_result=True, max_retries=FOLLOW_UP_RETRIES)
def run_waiting_followups(self) -> int:
    return _run(self, followups.waiting_followups_run)


@shared_task(bind=True, ignore_result=True, max_retries=FOLLOW_UP_RETRIES)
def send_session_reminders(self) -> int:
    return _run(self, followups.session_reminders_send)


@shared_task(bind=True, ignore_result=True, max_retries=FOLLOW_UP_RETRIES)
def send_surveys(self) -> int:
    return _run(self, followups.surveys_send)


# --- retention (consult.privacy), run by beat every night -------------------------------

ANONYMISE_RETRIES = 3
ANONYMISE_RETRY_DELAY = 600


@shared_task(bind=True, ignore_result=True, max_retries=ANONYMISE_RETRIES)
def anonymise_expired_cases(self) -> int:
    """Anonymise the cases whose retention period is over. Safe to run twice, or twice at
    once: each batch locks its cases and skips those already done. A case that fails is
    logged and left for the next night; a run that fails as a whole (the database away) is
    retried a few times."""
    from . import privacy

    try:
        return len(privacy.expired_cases_anonymise().anonymised)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=ANONYMISE_RETRY_DELAY) from exc


@shared_task(bind=True, ignore_result=True, max_retries=ANONYMISE_RETRIES)
def purge_access_records(self) -> int:
    """Delete the staff access records older than CONSULT_ACCESS_RECORD_DAYS. Safe to run
    twice: a second run finds nothing to delete."""
    try:
        return access.access_records_purge()
    except Exception as exc:
        raise self.retry(exc=exc, countdown=ANONYMISE_RETRY_DELAY) from exc
