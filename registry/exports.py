"""The open-data exports of the directory: CSV in the import template's shape, and JSON.

Both are streamed row by row from a server-side cursor (`iterator(chunk_size=2000)`), so an
export of 100,000 co-ops never sits in memory, whether the directory's view or the admin's
export action asks for it. Contact details are written only where the co-op consented.
"""

import json
from collections.abc import Iterator
from datetime import date

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from coopcenter.core.csvstream import ROWS_PER_PIECE, csv_attachment
from registry import vocab
from registry.models import Certification, Cooperative
from registry.services import history_value

CHUNK_SIZE = 2000
# Rows joined into one piece of the response: fewer, larger writes to the socket.
CONTACT_FIELDS = frozenset(column.field for column in vocab.CONTACT_COLUMNS)
WORDS = {
    "legal_type": vocab.LEGAL_TYPE_WORDS,
    "member_type": vocab.MEMBER_TYPE_WORDS,
    "status": vocab.STATUS_WORDS,
}


def export_filename(extension: str, *, today: date | None = None) -> str:
    """A dated file name, e.g. seoul-cooperatives-2025-03-31.csv."""
    today = today or timezone.localdate()
    return f"seoul-cooperatives-{today.isoformat()}.{extension}"


def csv_value(cooperative: Cooperative, field: str) -> str:
    """One cell of the export, written so that the importer reads it back unchanged."""
    if field == "district":
        return cooperative.district.name_ko
    if field in CONTACT_FIELDS:
        return getattr(cooperative, field) if cooperative.contact_consent else ""
    value = getattr(cooperative, field)
    if field in WORDS:
        return vocab.korean_word(WORDS[field], value)
    # The industry is written as its KSIC letter, which the importer accepts as it is.
    return history_value(value)


def csv_rows(queryset: QuerySet[Cooperative]) -> Iterator[list[str]]:
    """The header row (the Korean headers of the template), then one row per co-op."""
    yield [column.header_ko for column in vocab.EXPORT_COLUMNS]
    fields = [column.field for column in vocab.EXPORT_COLUMNS]
    for cooperative in queryset.select_related("district").iterator(chunk_size=CHUNK_SIZE):
        yield [csv_value(cooperative, field) for field in fields]


def _no_index(response):
    response["X-Robots-Tag"] = "noindex"
    return response


def export_csv_response(queryset: QuerySet[Cooperative], *, filename: str) -> StreamingHttpResponse:
    """The co-ops of `queryset`, in its order, as a streamed CSV attachment (UTF-8 with BOM)."""
    # Open data: any cache may keep it (the registry's own cache headers apply).
    return _no_index(csv_attachment(csv_rows(queryset), filename=filename, private=False))


# --- JSON ------------------------------------------------------------------------------------


def json_record(cooperative: Cooperative, *, url: str) -> dict:
    district = cooperative.district
    record = {
        "id": cooperative.pk,
        "name": cooperative.name,
        "legal_type": cooperative.legal_type,
        "member_type": cooperative.member_type,
        "registration_no": cooperative.registration_no,
        "registration_date": cooperative.registration_date,
        "incorporation_date": cooperative.incorporation_date,
        "status": cooperative.status,
        "status_date": cooperative.status_date,
        "industry": cooperative.industry,
        "ksic_class": cooperative.ksic_class,
        "main_business": cooperative.main_business,
        "address": cooperative.address,
        "district": {
            "code": district.code,
            "name_ko": district.name_ko,
            "name_en": district.name_en,
        },
        "members": cooperative.members,
        "members_as_of": cooperative.members_as_of,
        "capital_krw": cooperative.capital_krw,
        "capital_as_of": cooperative.capital_as_of,
        "certifications": [
            {"kind": c.kind, "certified_on": c.certified_on, "expires_on": c.expires_on}
            for c in cooperative.certifications.all()
        ],
    }
    if cooperative.contact_consent:
        record["contact"] = cooperative.public_contact
    record.update(
        {
            "source": cooperative.source,
            "source_record_id": cooperative.source_record_id,
            "data_as_of": cooperative.data_as_of,
            "url": url,
        }
    )
    return record


def _dumps(value: object) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def _json_pieces(
    queryset: QuerySet[Cooperative], *, header: dict, detail_url: str
) -> Iterator[bytes]:
    # The header is written first, then the co-ops one by one as they come from the cursor:
    # the document is complete JSON only once the last row is sent, but memory stays flat.
    yield (_dumps(header)[:-1] + ', "cooperatives": [').encode("utf-8")
    rows = queryset.select_related("district").prefetch_related(
        Prefetch("certifications", queryset=Certification.objects.order_by("certified_on", "pk"))
    )
    piece: list[str] = []
    first = True
    for cooperative in rows.iterator(chunk_size=CHUNK_SIZE):
        url = detail_url.replace(URL_PLACEHOLDER, str(cooperative.pk))
        piece.append(("" if first else ",") + _dumps(json_record(cooperative, url=url)))
        first = False
        if len(piece) >= ROWS_PER_PIECE:
            yield "".join(piece).encode("utf-8")
            piece = []
    piece.append("]}")
    yield "".join(piece).encode("utf-8")


# The detail URL is built once with this id and filled per row, rather than reversed 100,000
# times (the URL pattern takes an integer, so the placeholder never collides with a real path).
URL_PLACEHOLDER = "999999999999"


def export_json_response(
    queryset: QuerySet[Cooperative],
    *,
    filename: str,
    header: dict,
    detail_url: str,
) -> StreamingHttpResponse:
    """`header` (as_of, count, filters) and the co-ops of `queryset` as one streamed JSON
    document; `detail_url` is an absolute detail URL whose id is URL_PLACEHOLDER."""
    response = StreamingHttpResponse(
        _json_pieces(queryset, header=header, detail_url=detail_url),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return _no_index(response)
