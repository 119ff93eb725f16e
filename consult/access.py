"""Access records: every staff access to a citizen's data leaves one (PIPA safety-measure
standard, art. 8: who, when, what, whose, from where; kept at least two years).

The desk's views call `access_record` where a staff member reaches personal data: the case
page, a file download, the CSV export, the privacy export and erasure. A record holds the
case reference, never the citizen's name or address, so the anonymisation keeps it; it is
never changed (see AccessRecord) and is purged after CONSULT_ACCESS_RECORD_DAYS.
"""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.http import HttpRequest

from coopcenter.core.clientip import client_ip

from .models import AccessAction, AccessRecord

# The PostgreSQL trigger of migration 0011 lets a DELETE through only in a transaction that
# set this; nothing else does, so a stray queryset.delete() or an admin action cannot erase
# the trail.
PURGE_SETTING = "consult.access_record_purge"


def access_record(
    *,
    request: HttpRequest,
    action: AccessAction,
    references: Iterable[str] = (),
    detail: str = "",
) -> list[AccessRecord]:
    """Record that `request.user` reached the data of these cases. One row per case
    reference, in one INSERT; with no reference (an export of a filtered list, an inquiry
    not yet opened as a case), one row whose `detail` says what was reached."""
    user: AbstractBaseUser = request.user
    base = {
        "user_id": user.pk,
        "username": user.get_username(),
        "action": action,
        "client_address": client_ip(request),
        "detail": detail[:200],
    }
    rows = [AccessRecord(case_reference=ref, **base) for ref in dict.fromkeys(references)]
    return AccessRecord.objects.bulk_create(rows or [AccessRecord(**base)])


def access_records_purge(*, now=None) -> int:
    """Delete the records past their retention period. Returns how many went."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
        deleted, _ = AccessRecord.objects.expired(now=now).delete()
    return deleted
