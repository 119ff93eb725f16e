"""The files the site publishes on purpose (articles' image renditions), served from the public
storage at /media/public/<path>. Nothing else can be reached: the private uploads live in
another root, a path that leaves the public root is a 404, and only image files are served.
The names are random and never reused, so the files are cached for a year."""

from pathlib import PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from articles.models import public_storage

CONTENT_TYPES = {
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def public_media(request: HttpRequest, path: str) -> FileResponse:
    parts = PurePosixPath(path).parts
    if (
        not parts
        or path.startswith("/")
        or "\\" in path
        or "\x00" in path
        or any(part in ("..", ".") or part.startswith(".") for part in parts)
    ):
        raise Http404
    content_type = CONTENT_TYPES.get(PurePosixPath(path).suffix.lower())
    if content_type is None:
        raise Http404
    storage = public_storage()
    try:
        if not storage.exists(path):
            raise Http404
        handle = storage.open(path, "rb")
    except (SuspiciousFileOperation, OSError, ValueError) as exc:  # outside the root, a folder
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = CACHE_CONTROL
    return response
