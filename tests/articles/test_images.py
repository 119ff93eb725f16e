"""Article images: what an upload must be, the renditions the task makes (widths, formats,
sizes, orientation, no metadata, never upscaled), the helpers for templates, and the view that
serves the public files."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image as PILImage

from articles import images
from articles.models import Image, Rendition
from articles.tasks import make_renditions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "public_media")]


@pytest.fixture
def public_media(tmp_path):
    """The public storage writes into a folder of the test's own."""
    storage = storages["public"]
    saved = storage._location

    def forget():
        for name in ("base_location", "location"):
            storage.__dict__.pop(name, None)

    storage._location = str(tmp_path / "public")
    forget()
    yield tmp_path / "public"
    storage._location = saved
    forget()


def picture_bytes(width: int, height: int, image_format: str = "JPEG", **save) -> bytes:
    picture = PILImage.new("RGB", (width, height), (200, 120, 40))
    # A stripe on the left, so that orientation can be seen.
    picture.paste((20, 20, 20), (0, 0, max(1, width // 10), height))
    out = io.BytesIO()
    picture.save(out, image_format, **save)
    return out.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def uploaded_image(content: bytes, name: str = "조합원 회의.jpg", **fields) -> Image:
    image = Image(
        file=upload(content, name), alt_text=fields.pop("alt_text", "조합원 회의"), **fields
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        return images.image_save(image=image, user=None)


# --- validation --------------------------------------------------------------------------


def test_a_real_jpeg_png_and_webp_are_accepted():
    assert images.validate_image_upload(upload(picture_bytes(20, 10))) == "JPEG"
    assert images.validate_image_upload(upload(picture_bytes(20, 10, "PNG"), "a.png")) == "PNG"
    assert images.validate_image_upload(upload(picture_bytes(20, 10, "WEBP"), "a.webp")) == "WEBP"


@pytest.mark.parametrize(
    "content",
    [
        b"<?php system($_GET['c']); ?>",
        b"<html><script>alert(1)</script></html>",
        b"\xff\xd8\xff\xe0 not really a jpeg",
        b"",
    ],
    ids=["php", "html", "fake-magic", "empty"],
)
def test_a_disguised_file_is_refused(content):
    with pytest.raises(ValidationError) as error:
        images.validate_image_upload(upload(content, "photo.jpg"))
    assert error.value.code == "format"


def test_other_image_formats_are_refused():
    with pytest.raises(ValidationError) as error:
        images.validate_image_upload(upload(picture_bytes(20, 10, "GIF"), "a.jpg"))
    assert error.value.code == "format"


def test_size_and_pixel_limits_come_from_settings(settings):
    settings.ARTICLES_IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        images.validate_image_upload(upload(picture_bytes(200, 200)))
    assert error.value.code == "size"
    settings.ARTICLES_IMAGE_MAX_BYTES = 10_000_000
    settings.ARTICLES_IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError) as error:
        images.validate_image_upload(upload(picture_bytes(101, 100)))
    assert error.value.code == "pixels"


def test_image_save_refuses_a_disguised_file_and_stores_nothing(private_media):
    with pytest.raises(ValidationError):
        images.image_save(image=Image(file=upload(b"GIF89a<script>"), alt_text="x"), user=None)
    assert not Image.objects.exists()
    assert not list(private_media.rglob("*.*"))


def test_alt_text_is_required_unless_decorative_in_the_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.create(file="x.jpg", width=1, height=1, alt_text="")
    Image.objects.create(file="y.jpg", width=1, height=1, alt_text="", is_decorative=True)


# --- storing and renditions --------------------------------------------------------------


def test_the_original_is_private_under_a_random_name(private_media, public_media):
    image = uploaded_image(picture_bytes(1600, 900))
    assert "조합원" not in image.file.name and image.file.name.endswith(".jpg")
    assert image.storage_name in image.file.name
    assert (private_media / image.file.name).exists()
    assert not list(public_media.rglob(image.storage_name))
    assert (image.width, image.height) == (1600, 900)


def test_renditions_in_three_widths_and_two_formats_with_their_sizes(public_media):
    image = uploaded_image(picture_bytes(2000, 1000))
    made = {(r.format, r.width, r.height) for r in image.renditions.all()}
    assert made == {
        (image_format, width, width // 2)
        for image_format in ("webp", "jpeg")
        for width in (480, 960, 1440)
    }
    for rendition in image.renditions.all():
        path = public_media / rendition.file.name
        with PILImage.open(path) as picture:
            assert picture.size == (rendition.width, rendition.height)
            assert picture.format == {"webp": "WEBP", "jpeg": "JPEG"}[rendition.format]
            assert not picture.getexif()
        assert rendition.file.url.startswith("/media/public/articles/")
        assert image.storage_name.split(".")[0] not in rendition.file.name


def test_no_rendition_is_wider_than_the_original():
    image = uploaded_image(picture_bytes(600, 300))
    widths = sorted({r.width for r in image.renditions.all()})
    assert widths == [480, 600]
    tiny = uploaded_image(picture_bytes(120, 90, "PNG"), name="tiny.png")
    assert {(r.width, r.height) for r in tiny.renditions.all()} == {(120, 90)}


def test_exif_orientation_is_applied_and_metadata_dropped(public_media):
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "Camera maker"
    image = uploaded_image(picture_bytes(400, 200, exif=exif.tobytes()))
    rendition = image.renditions.get(format="jpeg")
    assert (rendition.width, rendition.height) == (200, 400)
    with PILImage.open(public_media / rendition.file.name) as picture:
        assert picture.size == (200, 400)
        assert not picture.getexif()
        assert "exif" not in picture.info


def test_png_with_transparency_becomes_a_flat_jpeg():
    picture = PILImage.new("RGBA", (500, 500), (0, 0, 0, 0))
    out = io.BytesIO()
    picture.save(out, "PNG")
    image = uploaded_image(out.getvalue(), name="a.png")
    assert image.renditions.count() == 4  # 480 and 500, in two formats


def test_making_renditions_twice_makes_nothing_more():
    image = uploaded_image(picture_bytes(1000, 500))
    names = set(image.renditions.values_list("file", flat=True))
    assert images.renditions_make(image.pk) == 0
    assert make_renditions.delay(image.pk) is not None
    assert set(image.renditions.values_list("file", flat=True)) == names
    assert images.renditions_make(999_999) == 0  # deleted meanwhile


def test_renditions_are_queued_on_commit_only():
    image = Image(file=upload(picture_bytes(800, 400)), alt_text="회의")
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        images.image_save(image=image, user=None)
    assert not Rendition.objects.exists()
    for callback in callbacks:
        callback()
    assert Rendition.objects.filter(image=image).count() == 4


def test_a_new_file_replaces_the_renditions(public_media, private_media):
    image = uploaded_image(picture_bytes(1000, 500))
    old_files = [public_media / name for name in image.renditions.values_list("file", flat=True)]
    old_original = private_media / image.file.name
    image.file = upload(picture_bytes(500, 500), "new.jpg")
    with TestCase.captureOnCommitCallbacks(execute=True):
        images.image_save(image=image, user=None, file_changed=True)
    assert {(r.width, r.height) for r in image.renditions.all()} == {(480, 480), (500, 500)}
    assert not any(path.exists() for path in old_files)
    assert not old_original.exists()


def test_deleting_an_image_removes_its_files(public_media, private_media):
    image = uploaded_image(picture_bytes(500, 500))
    files = [public_media / n for n in image.renditions.values_list("file", flat=True)]
    files.append(private_media / image.file.name)
    with TestCase.captureOnCommitCallbacks(execute=True):
        images.image_delete(image=image)
    assert not any(path.exists() for path in files)


# --- helpers for templates ---------------------------------------------------------------


def test_helpers_give_srcset_and_fallback(django_assert_num_queries):
    uploaded_image(picture_bytes(2000, 1000))
    image = Image.objects.prefetch_related("renditions").get()
    with django_assert_num_queries(0):
        grouped = images.renditions_for(image)
        assert [r.width for r in grouped["webp"]] == [480, 960, 1440]
        srcset = images.image_srcset(image, "webp")
        fallback = images.fallback_rendition(image)
        largest = images.largest_rendition(image)
    assert srcset.count("w, ") == 2 and srcset.endswith(" 1440w")
    assert srcset.startswith("/media/public/articles/") and ".webp 480w" in srcset
    assert (fallback.format, fallback.width, fallback.height) == ("jpeg", 960, 480)
    assert largest.width == 1440


def test_helpers_without_renditions():
    image = uploaded_image(picture_bytes(100, 100))
    Rendition.objects.all().delete()
    assert images.fallback_rendition(image) is None
    assert images.image_srcset(image, "jpeg") == ""
    assert images.renditions_for(None) == {"webp": [], "jpeg": []}


# --- the public files --------------------------------------------------------------------


def test_a_rendition_is_served_with_a_long_cache(client):
    image = uploaded_image(picture_bytes(600, 300))
    for rendition in image.renditions.all():
        response = client.get(rendition.file.url)
        assert response.status_code == 200
        assert (
            response["Content-Type"]
            == {"webp": "image/webp", "jpeg": "image/jpeg"}[rendition.format]
        )
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content)[:4] in (
            b"RIFF",
            b"\xff\xd8\xff\xe0",
            b"\xff\xd8\xff\xdb",
            b"\xff\xd8\xff\xc0",
            b"\xff\xd8\xff\xc2",
        )
    assert client.head(rendition.file.url).status_code == 200
    assert client.post(rendition.file.url).status_code == 405


def test_the_private_original_and_other_paths_are_404(client, public_media, tmp_path):
    image = uploaded_image(picture_bytes(600, 300))
    (public_media / "notes.txt").write_text("secret")
    (tmp_path / "outside.jpg").write_bytes(picture_bytes(10, 10))
    paths = [
        image.file.name,  # the original: private storage, not public
        "notes.txt",
        "articles/missing.jpg",
        "articles",
        "../outside.jpg",
        "articles/../../outside.jpg",
        "%2e%2e/outside.jpg",
        "..%2Foutside.jpg",
        "articles/..%5C..%5Coutside.jpg",
        "/etc/passwd",
        "%2Fetc/passwd",
        ".hidden.jpg",
    ]
    for path in paths:
        response = client.get(f"/media/public/{path}")
        assert response.status_code == 404, path
    assert client.get(f"/media/{image.file.name}").status_code == 404


# --- pixel limits: nothing larger than the renditions need is decoded ---------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG that says it is width x height (its data is a few bytes): what Pillow reads
    when it opens a file, before any decoding."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def no_decoding(monkeypatch):
    from PIL import ImageFile

    def refuse(self):
        raise AssertionError(f"a {self.size} picture was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_the_limit_is_25_megapixels_and_pillow_knows_it(settings):
    assert settings.ARTICLES_IMAGE_MAX_PIXELS == 25_000_000
    assert PILImage.MAX_IMAGE_PIXELS == settings.ARTICLES_IMAGE_MAX_PIXELS


@pytest.mark.parametrize(("width", "height"), [(8000, 5000), (12000, 10000)])
def test_a_40_megapixel_png_is_refused_at_upload_undecoded(no_decoding, width, height):
    import tracemalloc

    from django.utils import translation

    from articles.admin_forms import ImageAdminForm

    data = png_header(width, height)
    tracemalloc.start()
    with translation.override("en"):
        form = ImageAdminForm(
            {"alt_text": "큰 사진", "caption": "", "credit": ""},
            {"file": upload(data, "큰 사진.png", "image/png")},
        )
        assert not form.is_valid()
        message = " ".join(form.errors["file"])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "pixels" in message and "too" in message
    assert peak < 10 * 1024 * 1024


def test_the_task_given_a_huge_original_marks_it_and_decodes_nothing(no_decoding, monkeypatch):
    image = Image(file=upload(png_header(8000, 5000), "old.png", "image/png"), alt_text="옛 사진")
    # An original from before the limit: stored without today's check.
    monkeypatch.setattr(images, "validate_image_upload", lambda upload: "PNG")
    with TestCase.captureOnCommitCallbacks(execute=True):
        image = images.image_save(image=image, user=None)
    image.refresh_from_db()
    assert image.renditions_failed
    assert not image.renditions.exists()
    # Run again (a beat re-queue, a retry): the same answer, no exception, no retry.
    assert make_renditions(image.pk) == 0
    image.file = upload(picture_bytes(600, 300), "new.jpg")
    monkeypatch.undo()
    with TestCase.captureOnCommitCallbacks(execute=True):
        images.image_save(image=image, user=None)
    image.refresh_from_db()
    assert not image.renditions_failed
    assert image.renditions.count() == 4


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(monkeypatch):
    from PIL import JpegImagePlugin

    decoded = []
    real_load = JpegImagePlugin.JpegImageFile.load

    def spy(self):
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    image = uploaded_image(picture_bytes(4000, 3000))
    assert {(r.width, r.height) for r in image.renditions.all()} == {
        (480, 360),
        (960, 720),
        (1440, 1080),
    }
    # Half the width still covers the widest rendition: a quarter of the pixels decoded.
    assert (2000, 1500) in decoded
    assert (4000, 3000) not in decoded
