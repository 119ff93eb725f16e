"""Files sent with an inquiry: real small documents of every accepted kind are kept under
MEDIA_ROOT under a name of ours; renamed programs and web pages, oversized files, unknown
kinds and a sixth file are refused on the form, with a message, and nothing is saved."""

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consult.models import Attachment, Case
from tests.consult.factories import post_committed
from tests.consult.test_views_intake import NEW, valid_data

pytestmark = pytest.mark.django_db


# --- small real files ----------------------------------------------------------------


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    """A valid one-pixel PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpg_bytes() -> bytes:
    # SOI, a JFIF APP0 segment and EOI: what cameras and scanners start their files with.
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
        }
    )


def xlsx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})


def hwpx_bytes() -> bytes:
    return zip_bytes({"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"<hs:sec/>"})


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def small_pdf(name: str = "사업계획서.pdf"):
    return upload(name, pdf_bytes(), "application/pdf")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def post_with(client, *files, prefix: str = "/en"):
    """Post an inquiry with these files; on the English page by default, so that refusals
    can be asserted on their source text."""
    return post_committed(client, prefix + NEW, {**valid_data(), "attachments": list(files)})


# --- accepted ------------------------------------------------------------------------

ACCEPTED = [
    ("정관 초안.pdf", pdf_bytes, "application/pdf"),
    ("사진.png", png_bytes, "image/png"),
    ("사진.JPG", jpg_bytes, "image/jpeg"),
    ("scan.jpeg", jpg_bytes, "image/jpeg"),
    ("사업계획서.docx", docx_bytes, "application/vnd.openxmlformats-officedocument."),
    ("예산.xlsx", xlsx_bytes, "application/vnd.openxmlformats-officedocument."),
    ("회의록.hwpx", hwpx_bytes, "application/hwp+zip"),
]


@pytest.mark.parametrize(("name", "build", "content_type"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_a_real_file_of_each_accepted_kind_is_kept(client, media_root, name, build, content_type):
    data = build()
    response = post_with(client, upload(name, data))
    assert response.status_code == 303, response.context["form"].errors
    attachment = Attachment.objects.get()
    assert attachment.case == Case.objects.get()
    assert attachment.message.author_kind == "citizen"
    assert attachment.original_name == name
    assert attachment.content_type.startswith(content_type)
    assert attachment.size == len(data)
    stored = Path(attachment.file.path)
    assert stored.is_relative_to(media_root)
    assert stored.read_bytes() == data
    # Our name, never theirs: no path tricks, no personal data in file names on disk.
    assert Path(name).stem not in str(stored)
    assert Path(name).stem not in attachment.file.name


def test_five_files_are_kept_with_one_inquiry(client):
    files = [small_pdf(f"{n}.pdf") for n in range(4)] + [upload("a.png", png_bytes())]
    assert post_with(client, *files).status_code == 303
    assert Attachment.objects.count() == 5
    assert len({a.storage_name for a in Attachment.objects.all()}) == 5


def test_a_path_in_the_file_name_goes_nowhere(client, media_root):
    assert post_with(client, small_pdf("../../etc/passwd.pdf")).status_code == 303
    attachment = Attachment.objects.get()
    assert Path(attachment.file.path).is_relative_to(media_root)
    assert "passwd" not in attachment.file.name


# --- refused -------------------------------------------------------------------------


def assert_refused(response, media_root, *fragments):
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("attachments", []))
    for fragment in fragments:
        assert fragment in errors, errors
    body = response.content.decode()
    assert "attachments" in response.context["form"].errors
    assert 'id="id_attachments_error"' in body  # shown beside the field ...
    assert "choose them again" in body  # ... and the citizen knows to pick files anew
    assert Case.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("견적서.pdf", exe_bytes()),
        ("견적서.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("사진.png", pdf_bytes()),
        ("사진.jpg", png_bytes()),
        ("문서.docx", xlsx_bytes()),
        ("문서.docx", b"PK\x03\x04 not really a zip"),
        ("회의록.hwpx", docx_bytes()),
    ],
    ids=[
        "exe-as-pdf",
        "html-as-pdf",
        "pdf-as-png",
        "png-as-jpg",
        "xlsx-as-docx",
        "bad-zip",
        "docx-as-hwpx",
    ],
)
def test_a_renamed_file_is_refused(client, media_root, name, data):
    response = post_with(client, upload(name, data))
    assert_refused(response, media_root, name, "does not look like")


@pytest.mark.parametrize("name", ["setup.exe", "page.html", "archive.zip", "no-extension", "x.svg"])
def test_an_unknown_kind_is_refused(client, media_root, name):
    response = post_with(client, upload(name, pdf_bytes()))
    assert_refused(response, media_root, "this kind of file is not accepted")


def test_a_file_over_the_size_limit_is_refused(client, media_root, settings):
    # The real limit is 10 MB; a small one keeps the test fast and checks the same rule.
    settings.CONSULT_MAX_FILE_BYTES = 2048
    at_limit = pdf_bytes() + b"0" * (2048 - len(pdf_bytes()))
    assert post_with(client, upload("ok.pdf", at_limit)).status_code == 303
    Case.objects.all().delete()
    Attachment.objects.all().delete()
    for path in media_root.rglob("*"):
        if path.is_file():
            path.unlink()
    response = post_with(client, upload("big.pdf", at_limit + b"0"))
    assert_refused(response, media_root, "big.pdf", "2.0")


def test_the_real_limit_is_ten_megabytes(settings):
    assert settings.CONSULT_MAX_FILE_BYTES == 10 * 1024 * 1024


def test_an_empty_file_is_refused(client, media_root):
    response = post_with(client, upload("empty.pdf", b""))
    assert response.status_code == 200
    assert "attachments" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_six_files_are_refused(client, media_root):
    response = post_with(client, *[small_pdf(f"{n}.pdf") for n in range(6)])
    assert_refused(response, media_root, "At most 5 files")


def test_one_bad_file_refuses_the_whole_inquiry(client, media_root):
    response = post_with(client, small_pdf("good.pdf"), upload("bad.pdf", exe_bytes()))
    assert_refused(response, media_root, "bad.pdf")
    assert "good.pdf" not in " ".join(response.context["form"].errors["attachments"])


def test_more_files_than_django_accepts_is_a_400_not_a_500(client, media_root):
    # DATA_UPLOAD_MAX_NUMBER_FILES (10) stops the request before the form sees it.
    response = post_with(client, *[small_pdf(f"{n}.pdf") for n in range(11)])
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_upload_messages_are_shown_in_the_page_language(client, media_root):
    response = post_with(client, upload("setup.exe", exe_bytes()), prefix="/en")
    assert response.status_code == 200
    assert "this kind of file is not accepted" in response.content.decode()
    assert '<html lang="en">' in response.content.decode()
    korean = post_with(client, upload("setup.exe", exe_bytes()), prefix="")
    assert '<html lang="ko">' in korean.content.decode()
    assert "this kind of file is not accepted" not in korean.content.decode()
    assert "setup.exe" in " ".join(korean.context["form"].errors["attachments"])


# --- zip-based files: bounded checks, once per file ----------------------------------


def many_entries_zip(count: int, *, zip64: bool = False) -> bytes:
    """A .xlsx-looking zip of `count` empty stored entries, written directly (zipfile takes
    seconds for so many). Without zip64's end records, a count over 65,535 is written modulo
    65,536, as some writers do (zipfile reads the whole index whatever the count says)."""
    names = [b"xl/workbook.xml"] + [b"%06d" % i for i in range(count - 1)]
    local, central, offset = [], [], 0
    for name in names:
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0)
        # signature, versions, flags, method, time, date, crc, sizes, name length, extra
        # and comment lengths, disk, attributes, the local header's offset
        fields = (20, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0, 0, 0, 0, 0, offset)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", *fields) + name)
        local.append(header + name)
        offset += len(header) + len(name)
    directory = b"".join(central)
    end = b""
    if zip64:
        record_at = offset + len(directory)
        end = struct.pack(
            "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), offset
        ) + struct.pack("<4sLQL", b"PK\x06\x07", 0, record_at, 1)
    count = 0xFFFF if zip64 else count & 0xFFFF
    end += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0)
    return b"".join(local) + directory + end


@pytest.mark.parametrize("zip64", [True, False], ids=["zip64", "count-wrapped"])
def test_five_files_of_118000_empty_entries_are_refused_within_a_second(
    monkeypatch, settings, zip64
):
    from django.core.exceptions import ValidationError

    from consult import uploads

    data = many_entries_zip(118_000, zip64=zip64)
    assert len(data) <= settings.CONSULT_MAX_FILE_BYTES
    listed = []
    real_zipfile = uploads.zipfile.ZipFile
    monkeypatch.setattr(
        uploads.zipfile, "ZipFile", lambda *a, **k: listed.append(1) or real_zipfile(*a, **k)
    )
    files = [upload(f"명부{i}.xlsx", data) for i in range(5)]
    started = time.process_time()
    with pytest.raises(ValidationError) as refused:
        uploads.validate_uploads(files)
    assert time.process_time() - started < 1.0
    assert listed == []  # refused from the end record: no entry was parsed
    assert [error.code for error in refused.value.error_list] == ["zip"] * 5


def test_a_zip64_index_is_bounded_too():
    from django.core.exceptions import ValidationError

    from consult.uploads import validate_upload

    with pytest.raises(ValidationError) as refused:
        validate_upload(upload("명부.xlsx", many_entries_zip(70_000, zip64=True)))
    assert refused.value.code == "zip"
    # The same end records, with few entries, are a document like any other.
    assert validate_upload(upload("표.xlsx", many_entries_zip(10, zip64=True))).extension == "xlsx"


def test_a_zip_bomb_is_refused_by_what_it_unpacks_to(client, media_root):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/fill.bin", b"\0" * (64 * 1024 * 1024))
    response = post_with(client, upload("보고서.docx", buffer.getvalue()))
    assert_refused(response, media_root, "too many parts, or unpacks to too much")


def test_the_refusal_is_said_on_the_form(client, media_root):
    response = post_with(client, upload("명부.xlsx", many_entries_zip(6_000)))
    assert_refused(response, media_root, "“명부.xlsx” is built of too many parts")


def test_each_file_is_inspected_once_per_inquiry(client, monkeypatch):
    from consult import uploads

    inspected = []
    real = uploads._looks_like
    monkeypatch.setattr(
        uploads, "_looks_like", lambda ext, *a: inspected.append(ext) or real(ext, *a)
    )
    response = post_with(client, upload("계획.docx", docx_bytes()), upload("표.xlsx", xlsx_bytes()))
    assert response.status_code == 303
    assert Attachment.objects.count() == 2
    assert sorted(inspected) == ["docx", "xlsx"]


def test_a_document_within_the_bounds_is_accepted():
    from consult.uploads import ZIP_MAX_ENTRIES, validate_upload

    data = many_entries_zip(ZIP_MAX_ENTRIES)
    assert validate_upload(upload("큰 표.xlsx", data)).extension == "xlsx"
