"""Article images: what an upload must be, the renditions made from it, and the helpers the
pages use to show them.

Uploads
    `validate_image_upload(upload)` accepts real JPEG, PNG and WebP files only (Pillow opens
    and verifies them; the name does not count), at most `ARTICLES_IMAGE_MAX_BYTES` bytes and
    `ARTICLES_IMAGE_MAX_PIXELS` pixels (read from the header: an image over it is never
    decoded; Pillow's own decompression-bomb limit is set to the same number).
    `image_save(image=, user=)` stores the original under a random name in the private
    default storage (never served) and queues the renditions once the transaction commits;
    `image_delete(image=)` removes the files too.

Renditions
    `renditions_make(image_id)` (run by the Celery task `articles.tasks.make_renditions`)
    writes one WebP and one JPEG per width of `ARTICLES_RENDITION_WIDTHS` into the public
    storage, served at /media/public/: never wider than the original (a narrower original
    gives its own width instead), EXIF orientation applied, metadata dropped, each under a
    new random name (so the files can be cached for a year). It is idempotent: what exists is
    kept.

For templates (prefetch `lead_image__renditions` to keep list pages at a fixed number of
queries; the helpers read `image.renditions.all()`)
    `renditions_for(image) -> {"webp": [Rendition, ...], "jpeg": [...]}`, narrowest first;
    `image_srcset(image, "webp") -> "url 480w, url 960w, ..."`;
    `fallback_rendition(image) -> Rendition | None`: the JPEG for `<img src>` (960 wide or
    the widest below), with its `width` and `height` for the tag;
    `largest_rendition(image, format="jpeg")`: for share metadata (og:image).
    An image whose renditions are not made yet has none: show no picture rather than the
    original.
"""

import io
import logging
import math
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from articles.cache import articles_cache
from articles.models import Image, Rendition, public_storage

logger = logging.getLogger(__name__)

# Pillow's format name → the extension the stored original gets.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# The width an <img src> fallback aims at.
FALLBACK_WIDTH = 960
JPEG_QUALITY = 82
WEBP_QUALITY = 80
EXTENSIONS = {Rendition.Format.WEBP: "webp", Rendition.Format.JPEG: "jpg"}
ORIENTATION_TAG = 0x0112


# --- uploads -----------------------------------------------------------------------------


def validate_image_upload(upload: UploadedFile) -> str:
    """The upload's real format ("JPEG", "PNG", "WEBP"), or a ValidationError saying what is
    wrong with it."""
    if upload.size > settings.ARTICLES_IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; an image may be at most %(max)s."),
            code="size",
            params={
                "size": filesizeformat(upload.size),
                "max": filesizeformat(settings.ARTICLES_IMAGE_MAX_BYTES),
            },
        )
    refused = ValidationError(
        _("This is not a JPEG, PNG or WebP image (or the file is damaged)."), code="format"
    )
    try:
        upload.seek(0)
        with PILImage.open(upload) as picture:
            image_format = picture.format
            width, height = picture.size
            if image_format not in ACCEPTED_FORMATS:
                raise refused
            # Read from the header: nothing is decoded before this check.
            if too_many_pixels(width, height):
                raise ValidationError(
                    _("The picture is %(width)d by %(height)d pixels; that is too large."),
                    code="pixels",
                    params={"width": width, "height": height},
                )
            picture.verify()
    except ValidationError:
        raise
    except PILImage.DecompressionBombError as exc:
        # Over twice the limit, Pillow refuses at open, before the size can be read here.
        raise ValidationError(
            _("The picture has too many pixels; at most %(max)s megapixels are accepted."),
            code="pixels",
            params={"max": settings.ARTICLES_IMAGE_MAX_PIXELS // 1_000_000},
        ) from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise refused from exc
    finally:
        upload.seek(0)
    if width < 1 or height < 1:
        raise refused
    return image_format


def random_name(extension: str) -> str:
    return f"{secrets.token_urlsafe(18)}.{extension}"


@transaction.atomic
def image_save(*, image: Image, user=None, file_changed: bool | None = None) -> Image:
    """Save an image (its text, or a new file checked by `validate_image_upload`). A new file
    gets a random storage name, loses the renditions of the old one and gets new ones once
    the transaction commits."""
    if file_changed is None:
        file_changed = image.pk is None or not image.file._committed
    old_files: list[tuple[str, str]] = []
    if file_changed:
        image_format = validate_image_upload(image.file)
        image.storage_name = random_name(ACCEPTED_FORMATS[image_format])
        image.renditions_failed = False
        if image.pk is not None:
            previous = Image.objects.filter(pk=image.pk).values_list("file", flat=True).first()
            if previous:
                old_files.append(("default", previous))
            for rendition in Rendition.objects.filter(image_id=image.pk):
                old_files.append(("public", rendition.file.name))
            Rendition.objects.filter(image_id=image.pk).delete()
    image.save()
    if file_changed:
        from articles.tasks import make_renditions
        from coopcenter.core.tasks import enqueue_on_commit

        transaction.on_commit(lambda: _delete_files(old_files))
        enqueue_on_commit(make_renditions, image.pk)
    articles_cache.touch_on_commit()
    return image


@transaction.atomic
def image_delete(*, image: Image) -> None:
    """Delete the image with its original and its renditions (the files once the deletion
    has committed). An image still used as a lead image is protected by the database."""
    files = [("default", image.file.name)] if image.file else []
    files += [("public", name) for name in image.renditions.values_list("file", flat=True)]
    image.delete()
    transaction.on_commit(lambda: _delete_files(files))
    articles_cache.touch_on_commit()


def _delete_files(files: Iterable[tuple[str, str]]) -> None:
    from django.core.files.storage import storages

    for storage_name, name in files:
        try:
            storages[storage_name].delete(name)
        except OSError:  # already gone, or a disk problem that leaves only a stray file
            logger.warning("Could not delete %s file %s", storage_name, name)


# --- renditions --------------------------------------------------------------------------


def rendition_widths(original_width: int) -> list[int]:
    """The widths made for an original this wide: the configured ones, never upscaled (an
    original narrower than a width gives its own width instead)."""
    return sorted({min(width, original_width) for width in settings.ARTICLES_RENDITION_WIDTHS})


def _encode(picture: PILImage.Image, image_format: str) -> bytes:
    out = io.BytesIO()
    if image_format == Rendition.Format.JPEG:
        if picture.mode != "RGB":
            flat = PILImage.new("RGB", picture.size, (255, 255, 255))
            flat.paste(picture, mask=picture.getchannel("A") if "A" in picture.getbands() else None)
            picture = flat
        picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        if picture.mode not in ("RGB", "RGBA"):
            picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
        picture.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def _load_original(image: Image, *, widest: int, displayed_width: int) -> PILImage.Image:
    with image.file.open("rb") as handle:
        picture = PILImage.open(handle)
        if picture.format == "JPEG" and widest < displayed_width:
            # Decoded at the smallest of JPEG's scales (1/2, 1/4, 1/8) still at least as
            # large as the widest rendition: a fraction of the memory and time of the whole.
            scale = widest / displayed_width
            width, height = picture.size
            picture.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))
        picture.load()
    picture = ImageOps.exif_transpose(picture)
    if picture.mode in ("P", "LA", "PA"):
        picture = picture.convert("RGBA")
    elif picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGB")
    # Nothing of the original's metadata (EXIF, GPS, comments, profiles) travels on.
    picture.info = {}
    return picture


class ImageTooLarge(Exception):
    """An original with more pixels than ARTICLES_IMAGE_MAX_PIXELS: never decoded."""


def too_many_pixels(width: int, height: int) -> bool:
    return width * height > settings.ARTICLES_IMAGE_MAX_PIXELS


def _displayed_width(image: Image) -> int:
    """The original's width as shown, after its EXIF orientation, read from the header
    alone (Pillow opens lazily): an original over the pixel limit raises ImageTooLarge
    before anything is decoded."""
    try:
        with image.file.open("rb") as handle, PILImage.open(handle) as picture:
            width, height = picture.size
            if too_many_pixels(width, height):
                raise ImageTooLarge(f"{width} x {height} pixels")
            orientation = picture.getexif().get(ORIENTATION_TAG, 1)
    except PILImage.DecompressionBombError as exc:  # over twice the limit: Pillow's own refusal
        raise ImageTooLarge(str(exc)) from exc
    return height if orientation in (5, 6, 7, 8) else width


def renditions_make(image_id: int) -> int:
    """Make the missing renditions of an image; the number made. Safe to run twice, or twice
    at once (the database keeps one rendition per width and format)."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None or not image.file:
        return 0
    existing = set(Rendition.objects.filter(image=image).values_list("width", "format"))
    try:
        displayed_width = _displayed_width(image)
    except ImageTooLarge as exc:
        # Uploads are checked, so this is an original from before the limit was lowered:
        # marked for the editors (the admin says so), not retried, never decoded.
        logger.warning("Image %s is too large for renditions (%s); none made", image.pk, exc)
        Image.objects.filter(pk=image.pk).update(renditions_failed=True)
        return 0
    wanted = [
        (width, image_format)
        for width in rendition_widths(displayed_width)
        for image_format in (Rendition.Format.WEBP, Rendition.Format.JPEG)
        if (width, image_format) not in existing
    ]
    if not wanted:
        return 0
    widest = max(width for width, _format in wanted)
    picture = _load_original(image, widest=widest, displayed_width=displayed_width)
    storage = public_storage()
    made = 0
    for width, image_format in wanted:
        height = max(1, round(picture.height * width / picture.width))
        resized = (
            picture
            if width == picture.width
            else picture.resize((width, height), PILImage.Resampling.LANCZOS)
        )
        name = storage.save(
            f"articles/{random_name(EXTENSIONS[image_format])}",
            ContentFile(_encode(resized, image_format)),
        )
        try:
            with transaction.atomic():
                Rendition.objects.create(
                    image=image, width=width, height=height, format=image_format, file=name
                )
        except IntegrityError:  # another run made it meanwhile
            storage.delete(name)
            continue
        made += 1
    if made:
        articles_cache.touch_on_commit()
    return made


# --- for templates -----------------------------------------------------------------------


def renditions_for(image: Image | None) -> dict[str, list[Rendition]]:
    """The image's renditions by format ("webp", "jpeg"), narrowest first."""
    grouped: dict[str, list[Rendition]] = {f.value: [] for f in Rendition.Format}
    if image is None:
        return grouped
    for rendition in image.renditions.all():
        grouped.setdefault(rendition.format, []).append(rendition)
    for renditions in grouped.values():
        renditions.sort(key=lambda r: r.width)
    return grouped


def srcset(renditions: Iterable[Rendition]) -> str:
    return ", ".join(f"{r.file.url} {r.width}w" for r in renditions)


def image_srcset(image: Image | None, image_format: str) -> str:
    """The `srcset` value of one format ("webp" or "jpeg"); empty when there is none."""
    return srcset(renditions_for(image).get(image_format, []))


def fallback_rendition(image: Image | None) -> Rendition | None:
    """The JPEG for `<img src>`: FALLBACK_WIDTH wide, else the widest below it, else the
    narrowest; None while no rendition exists."""
    jpegs = renditions_for(image)[Rendition.Format.JPEG]
    if not jpegs:
        return None
    below = [r for r in jpegs if r.width <= FALLBACK_WIDTH]
    return below[-1] if below else jpegs[0]


def largest_rendition(image: Image | None, image_format: str = "jpeg") -> Rendition | None:
    renditions = renditions_for(image).get(image_format, [])
    return renditions[-1] if renditions else None
