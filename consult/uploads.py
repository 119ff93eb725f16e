"""What citizens and counselors may attach, checked by content as well as by name.

A file is accepted only when its extension is on the list and its first bytes (or, for the
zip-based formats, its table of contents) say it really is that kind of file: a renamed
program or a web page called `report.pdf` is refused.
"""

import struct
import time
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
# The attribute an upload that passed validate_upload carries its kind in.
_CHECKED = "_consult_checked_kind"


def request_max_bytes() -> int:
    """The largest body of a form that carries files (the inquiry, a reply): every file at
    its largest, and the text. Larger requests are refused before they are read."""
    return settings.CONSULT_MAX_FILES * settings.CONSULT_MAX_FILE_BYTES + TEXT_MARGIN_BYTES


# Bounds of a zip-based document's table of contents (.docx, .xlsx, .hwpx). Real documents
# have tens to a few hundred entries; a file of 118,000 empty entries once took a worker
# seconds just to be listed. The index's size is read from the archive's end record (its
# last bytes) before anything parses it, so a file over these costs one small read.
ZIP_MAX_ENTRIES = 5_000
ZIP_MAX_DIRECTORY_BYTES = 1024 * 1024
# What the entries say they unpack to, in all and per byte of the file: nothing here
# unpacks them, but a bomb is no document, and the desk's software would unpack it.
ZIP_MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
ZIP_MAX_RATIO = 200
# CPU seconds the listing of one file may take (a backstop: the bounds above keep it to
# milliseconds).
ZIP_TIME_BUDGET = 0.5

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


class ZipRefused(Exception):
    """A zip-based file beyond the bounds: too many entries, too large an index or content."""


def _read_at(upload: UploadedFile, offset: int, size: int) -> bytes:
    upload.seek(offset)
    return upload.read(size)


def _zip_directory(upload: UploadedFile) -> tuple[int, int] | None:
    """The number of entries and the size of the central directory, from the end record
    (zip64's when the classic one overflows); None when the file has no end record."""
    length = upload.size
    tail_start = max(length - (_EOCD.size + 0xFFFF), 0)
    tail = _read_at(upload, tail_start, length - tail_start)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None
    # signature, disk numbers, entries on this disk and in all, index size and offset, comment
    _sig, _disk, _first, _here, entries, directory, offset, _comment = _EOCD.unpack_from(tail, at)
    if entries != 0xFFFF and 0xFFFFFFFF not in (directory, offset):
        return entries, directory
    locator_at = tail_start + at - _ZIP64_LOCATOR.size
    if locator_at < 0:
        return None
    locator = _read_at(upload, locator_at, _ZIP64_LOCATOR.size)
    if len(locator) < _ZIP64_LOCATOR.size or not locator.startswith(b"PK\x06\x07"):
        return None
    record = _read_at(upload, _ZIP64_LOCATOR.unpack(locator)[2], _ZIP64_EOCD.size)
    if len(record) < _ZIP64_EOCD.size or not record.startswith(b"PK\x06\x06"):
        return None
    entries, directory = _ZIP64_EOCD.unpack(record)[7:9]
    return entries, directory


def _zip_names(upload: UploadedFile) -> list[str]:
    """The entries' names of a zip-based file, within the bounds above (ZipRefused beyond);
    [] when it is no readable zip."""
    started = time.process_time()
    try:
        directory = _zip_directory(upload)
        if directory is None:
            return []
        entries, directory_bytes = directory
        if entries > ZIP_MAX_ENTRIES or directory_bytes > ZIP_MAX_DIRECTORY_BYTES:
            raise ZipRefused
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
        unpacked = sum(info.file_size for info in infos)
        if (
            len(infos) > ZIP_MAX_ENTRIES
            or unpacked > ZIP_MAX_UNCOMPRESSED_BYTES
            or unpacked > ZIP_MAX_RATIO * max(upload.size, 1)
            or time.process_time() - started > ZIP_TIME_BUDGET
        ):
            raise ZipRefused
        return [info.filename for info in infos]
    except (zipfile.BadZipFile, OSError, ValueError, struct.error):
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
    checked = getattr(upload, _CHECKED, None)
    if checked is not None:
        return checked
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
    try:
        looks_right = _looks_like(extension, upload, head)
    except ZipRefused as exc:
        raise ValidationError(
            _(
                "“%(name)s” is built of too many parts, or unpacks to too much, to be a "
                "document we can check. Please save it again, or send it as a PDF."
            ),
            code="zip",
            params={"name": name},
        ) from exc
    if not looks_right:
        raise ValidationError(
            _("“%(name)s” does not look like a .%(ext)s file. Is it damaged, or renamed?"),
            code="content",
            params={"name": name, "ext": extension},
        )
    # The form checks a file and consult.services checks it again before storing it: the
    # second time is answered from here, so the content is inspected once per upload.
    setattr(upload, _CHECKED, KINDS[extension])
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
