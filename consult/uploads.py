"""What citizens and counselors may attach, checked by content as well as by name.

A file is accepted only when its extension is on the list and its first bytes (or, for the
zip-based formats, its table of contents) say it really is that kind of file: a renamed
program or a web page called `report.pdf` is refused.
"""

import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from coopcenter.core.requestlimits import TEXT_MARGIN_BYTES

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # MS Office 97-2003 and HWP 5 containers
HWP_SIGNATURE = b"HWP Document File"


@dataclass(frozen=True)
class Kind:
    extension: str
    content_type: str


KINDS = {
    "pdf": Kind("pdf", "application/pdf"),
    "hwp": Kind("hwp", "application/x-hwp"),
    "hwpx": Kind("hwpx", "application/hwp+zip"),
    "doc": Kind("doc", "application/msword"),
    "docx": Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xls": Kind("xls", "application/vnd.ms-excel"),
    "xlsx": Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "jpg": Kind("jpg", "image/jpeg"),
    "jpeg": Kind("jpg", "image/jpeg"),
    "png": Kind("png", "image/png"),
}
ACCEPT = ",".join(f".{ext}" for ext in KINDS)


def request_max_bytes() -> int:
    """The largest body of a form that carries files (the inquiry, a reply): every file at
    its largest, and the text. Larger requests are refused before they are read."""
    return settings.CONSULT_MAX_FILES * settings.CONSULT_MAX_FILE_BYTES + TEXT_MARGIN_BYTES


def _zip_names(upload: UploadedFile) -> list[str]:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    finally:
        upload.seek(0)


def _contains(upload: UploadedFile, needle: bytes, chunk_size: int = 1024 * 1024) -> bool:
    """Whether the file holds `needle` anywhere (read in chunks that overlap by its length)."""
    upload.seek(0)
    tail = b""
    try:
        while chunk := upload.read(chunk_size):
            if needle in tail + chunk:
                return True
            tail = chunk[-(len(needle) - 1) :]
        return False
    finally:
        upload.seek(0)


def _looks_like(extension: str, upload: UploadedFile, head: bytes) -> bool:
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in ("jpg", "jpeg"):
        return filetype.guess_extension(head) == "jpg"
    if extension == "png":
        return filetype.guess_extension(head) == "png"
    if extension in ("doc", "xls"):
        return head.startswith(OLE_MAGIC)
    if extension == "hwp":
        # HWP 5 is an OLE container whose FileHeader stream starts with this signature. The
        # container may store that stream anywhere (after the pictures of a long document,
        # say), so the whole file is searched, not only its first bytes (10 MB at most).
        return head.startswith(OLE_MAGIC) and (
            HWP_SIGNATURE in head or _contains(upload, HWP_SIGNATURE)
        )
    if extension in ("docx", "xlsx", "hwpx"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_names(upload)
        if extension == "docx":
            return "word/document.xml" in names
        if extension == "xlsx":
            return "xl/workbook.xml" in names
        return "mimetype" in names and any(n.startswith("Contents/") for n in names)
    return False


def validate_upload(upload: UploadedFile) -> Kind:
    """Return the file's kind, or raise a ValidationError that says what is wrong."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in KINDS:
        raise ValidationError(
            _(
                "“%(name)s”: this kind of file is not accepted. Send PDF, HWP, HWPX, Word, "
                "Excel, JPG or PNG files."
            ),
            code="extension",
            params={"name": name},
        )
    if upload.size > settings.CONSULT_MAX_FILE_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; each file may be at most %(max)s."),
            code="size",
            params={
                "name": name,
                "size": filesizeformat(upload.size),
                "max": filesizeformat(settings.CONSULT_MAX_FILE_BYTES),
            },
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": name})
    upload.seek(0)
    head = upload.read(64 * 1024)
    upload.seek(0)
    if not _looks_like(extension, upload, head):
        raise ValidationError(
            _("“%(name)s” does not look like a .%(ext)s file. Is it damaged, or renamed?"),
            code="content",
            params={"name": name, "ext": extension},
        )
    return KINDS[extension]


def validate_uploads(uploads: list[UploadedFile], *, already: int = 0) -> list[UploadedFile]:
    limit = settings.CONSULT_MAX_FILES
    if len(uploads) + already > limit:
        raise ValidationError(
            _("At most %(max)d files per case."), code="count", params={"max": limit}
        )
    errors = []
    for upload in uploads:
        try:
            validate_upload(upload)
        except ValidationError as exc:
            errors.extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    return uploads
