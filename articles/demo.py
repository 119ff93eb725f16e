"""Demo articles: the center's writing on Basic Society policy and the social and solidarity
economy, in Korean and English, with generated lead images.

`seed()` publishes the six pieces of `articles.demo_content` in both languages (twelve
articles): the two-part series on Basic Society and the SSE, two interviews with young
practitioners, and the two-part interview on co-op education. Everything goes through the
editorial services, as an editor's work would: `articles.images` stores each lead image and
has its renditions made (by the Celery task, which runs at once on a laptop), and
`articles.services.article_save` renders and sanitises the Markdown body, derives the reading
time, links the translations both ways and keeps the related articles in order.

The lead images are drawn here with Pillow: an abstract composition per piece (overlapping
circles, steps, a mosaic, ripples, a field of dots, a network), 1600 by 900, the same picture
for both languages, each with alt text in its own language that says what it shows.

`seed()` is idempotent: categories, tags, authors and series are created when missing and
never changed, and an article is created only when no article has its slug, so running it
twice adds nothing (and an editor's changes to the demo content survive a second run).
"""

import io
import math
import random
from collections.abc import Callable
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from PIL import Image as PILImage
from PIL import ImageDraw

from articles.demo_content import AUTHORS, CATEGORIES, CREDIT, PIECES, SERIES, TAGS, Art, Piece
from articles.images import image_save
from articles.models import Article, Author, Category, Image, Series, Status, Tag
from articles.services import IntervieweeData, article_save

LANGUAGES = ("ko", "en")
# The English version of a piece is published this long after the Korean one.
TRANSLATION_DELAY = timedelta(days=2)

# --- the lead images ---------------------------------------------------------------------

WIDTH, HEIGHT = 1600, 900
SUPERSAMPLE = 2  # drawn twice as large, then reduced: smooth edges without antialiasing
RGBA = tuple[int, int, int, int]
Painter = Callable[[ImageDraw.ImageDraw], None]


def _rgb(value: str, alpha: int = 255) -> RGBA:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha)


def _layer(canvas: PILImage.Image, paint: Painter) -> None:
    """Paint on a transparent layer and blend it in, so that translucent shapes mix."""
    layer = PILImage.new("RGBA", canvas.size, (0, 0, 0, 0))
    paint(ImageDraw.Draw(layer))
    canvas.alpha_composite(layer)


def _overlap(canvas: PILImage.Image, colours, rng: random.Random, w: int, h: int) -> None:
    """Two translucent circles overlapping in the middle, a few small dots near the edges."""
    r = h * 0.36
    for cx, colour in ((w * 0.40, colours[0]), (w * 0.60, colours[1])):

        def circle(d, cx=cx, colour=colour):
            d.ellipse((cx - r, h / 2 - r, cx + r, h / 2 + r), fill=_rgb(colour, 190))

        _layer(canvas, circle)

    def dots(d):
        for _ in range(9):
            x = rng.choice((rng.uniform(0.04, 0.18), rng.uniform(0.82, 0.96))) * w
            y = rng.uniform(0.1, 0.9) * h
            s = rng.uniform(0.012, 0.025) * h
            d.ellipse((x - s, y - s, x + s, y + s), fill=_rgb(colours[2]))

    _layer(canvas, dots)


def _steps(canvas: PILImage.Image, colours, rng: random.Random, w: int, h: int) -> None:
    """Rounded bands stacked like steps rising to the right, a white circle on the top one."""
    band, step = h * 0.13, w * 0.16

    def paint(d):
        for i, colour in enumerate(colours):
            top = h - band * (i + 1) - h * 0.08
            left = w * 0.08 + step * i * 0.5
            right = w * 0.08 + step * (i + 2.2)
            d.rounded_rectangle(
                (left, top, right, top + band * 0.86), radius=band * 0.2, fill=_rgb(colour)
            )
        top = h - band * len(colours) - h * 0.08
        x = w * 0.08 + step * ((len(colours) - 1) * 0.5 + 1.1)
        s = band * 0.32
        d.ellipse((x - s, top - 2 * s - band * 0.05, x + s, top - band * 0.05), fill="white")

    _layer(canvas, paint)


def _mosaic(canvas: PILImage.Image, colours, rng: random.Random, w: int, h: int) -> None:
    """A grid of rounded tiles of slightly different sizes, a few cells left empty."""
    cols, rows = 12, 7
    cell = min(w / (cols + 1), h / (rows + 1))
    ox, oy = (w - cell * cols) / 2, (h - cell * rows) / 2

    def paint(d):
        for c in range(cols):
            for r in range(rows):
                if rng.random() < 0.12:
                    continue
                pad = cell * rng.uniform(0.08, 0.22)
                x, y = ox + c * cell, oy + r * cell
                d.rounded_rectangle(
                    (x + pad, y + pad, x + cell - pad, y + cell - pad),
                    radius=cell * 0.18,
                    fill=_rgb(rng.choice(colours)),
                )

    _layer(canvas, paint)


def _arcs(canvas: PILImage.Image, colours, rng: random.Random, w: int, h: int) -> None:
    """Concentric bands rippling out from the bottom left corner."""
    cx, cy, width = w * 0.02, h * 0.98, h * 0.075

    def paint(d):
        radius, i = h * 1.6, 0
        while radius > width:
            colour = _rgb(colours[i % len(colours)])
            d.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=colour)
            radius, i = radius - width, i + 1

    _layer(canvas, paint)


def _dots(canvas: PILImage.Image, colours, rng: random.Random, w: int, h: int) -> None:
    """Hundreds of small dots, sparse on the left and denser towards the right."""

    def paint(d):
        for _ in range(420):
            x = (rng.random() ** 0.4) * 0.92 + 0.04
            y = rng.uniform(0.06, 0.94)
            s = rng.uniform(0.006, 0.016) * h
            d.ellipse((x * w - s, y * h - s, x * w + s, y * h + s), fill=_rgb(rng.choice(colours)))

    _layer(canvas, paint)


def _network(canvas: PILImage.Image, colours, rng: random.Random, w: int, h: int) -> None:
    """Twelve circles, each joined by thin lines to its three nearest neighbours."""
    points: list[tuple[float, float]] = []
    while len(points) < 12:
        p = (rng.uniform(0.1, 0.9) * w, rng.uniform(0.14, 0.86) * h)
        if all(math.dist(p, q) > h * 0.22 for q in points):
            points.append(p)

    def paint(d):
        for p in points:
            for q in sorted(points, key=lambda q: math.dist(p, q))[1:4]:
                d.line((p, q), fill=_rgb(colours[0], 200), width=int(h * 0.006))
        for i, (x, y) in enumerate(points):
            s = h * rng.uniform(0.04, 0.07)
            d.ellipse((x - s, y - s, x + s, y + s), fill=_rgb(colours[i % len(colours)]))

    _layer(canvas, paint)


MOTIFS = {
    "overlap": _overlap,
    "steps": _steps,
    "mosaic": _mosaic,
    "arcs": _arcs,
    "dots": _dots,
    "network": _network,
}


def draw(art: Art, size: tuple[int, int] = (WIDTH, HEIGHT)) -> PILImage.Image:
    """The piece's lead image (RGB), the same on every machine (a fixed seed per piece)."""
    rng = random.Random(art.seed)  # noqa: S311 (a drawing, not a secret)
    w, h = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
    canvas = PILImage.new("RGBA", (w, h), _rgb(art.palette[0]))
    MOTIFS[art.motif](canvas, art.palette[1:], rng, w, h)
    return canvas.convert("RGB").resize(size, PILImage.Resampling.LANCZOS)


def png_bytes(art: Art, size: tuple[int, int] = (WIDTH, HEIGHT)) -> bytes:
    buffer = io.BytesIO()
    draw(art, size).save(buffer, format="PNG")
    return buffer.getvalue()


def _lead_image(piece: Piece, language: str, picture: bytes) -> Image:
    """Store the picture with what the page says about it; the renditions are made by the
    task queued once the transaction commits."""
    text = piece.text(language)
    image = Image(
        file=ContentFile(picture, name=f"{piece.key}.png"),
        alt_text=text.alt,
        caption=text.caption,
        credit=CREDIT[language],
    )
    return image_save(image=image, user=None)


# --- the vocabulary ------------------------------------------------------------------------


def seed_vocabulary() -> tuple[dict, dict, dict, dict]:
    """Categories, tags, authors and series, created when missing (never changed)."""
    categories = {}
    for position, (slug, (name_ko, name_en, text_ko, text_en)) in enumerate(CATEGORIES.items()):
        categories[slug], _created = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name_ko": name_ko,
                "name_en": name_en,
                "description_ko": text_ko,
                "description_en": text_en,
                "position": position,
            },
        )
    tags = {}
    for name, slug in TAGS.items():
        tag = Tag.objects.filter(Q(slug=slug) | Q(name=name)).first()
        tags[name] = tag or Tag.objects.create(name=name, slug=slug)
    authors = {}
    for author in AUTHORS:
        authors[author.slug], _created = Author.objects.get_or_create(
            slug=author.slug,
            defaults={"name": author.name, "role": author.role, "bio": author.bio},
        )
    series = {}
    for key, item in SERIES.items():
        series[key], _created = Series.objects.get_or_create(
            slug=item.slug,
            defaults={
                "title": item.title,
                "description": item.description,
                "language": item.language,
                "planned_parts": item.planned_parts,
            },
        )
    return categories, tags, authors, series


# --- the articles --------------------------------------------------------------------------


def seed(stdout=None, *, image_size: tuple[int, int] = (WIDTH, HEIGHT)) -> int:
    """Publish the demo articles that are missing; returns how many were created. The
    browser tests draw smaller pictures (`image_size`) to keep their renditions quick."""
    wanted = [(piece, lang) for piece in PIECES for lang in LANGUAGES]
    slugs = [piece.text(lang).slug for piece, lang in wanted]
    existing = {article.slug: article for article in Article.objects.filter(slug__in=slugs)}
    if all(piece.text(lang).slug in existing for piece, lang in wanted):
        _say(stdout, f"{len(wanted)} demo articles already present")
        return 0

    with transaction.atomic():
        categories, tags, authors, series = seed_vocabulary()
        articles: dict[tuple[str, str], Article] = {
            (piece.key, lang): existing[piece.text(lang).slug]
            for piece, lang in wanted
            if piece.text(lang).slug in existing
        }
        created: list[tuple[Piece, str]] = []
        pictures: dict[str, bytes] = {}
        for piece, lang in wanted:
            if (piece.key, lang) in articles:
                continue
            if piece.key not in pictures:
                pictures[piece.key] = png_bytes(piece.art, image_size)
            text = piece.text(lang)
            partner = articles.get((piece.key, "en" if lang == "ko" else "ko"))
            article = Article(
                title=text.title,
                slug=text.slug,
                language=lang,
                excerpt=text.excerpt,
                body_source=text.body,
                editor_note=text.editor_note,
                category=categories[piece.category],
                lead_image=_lead_image(piece, lang, pictures[piece.key]),
                series=series[(piece.series, lang)] if piece.series else None,
                series_part=piece.part,
                translation=partner if partner and partner.translation_id is None else None,
                status=Status.PUBLISHED,
                published_at=piece.published + (TRANSLATION_DELAY if lang == "en" else timedelta()),
            )
            articles[(piece.key, lang)] = article_save(
                article=article,
                user=None,
                tags=[tags[name] for name in text.tags],
                authors=[authors[slug] for slug in piece.authors],
                interviewees=[IntervieweeData(name, role) for name, role in text.interviewees],
                related=_related(piece, lang, articles),
            )
            created.append((piece, lang))

        # Related articles written later than the article itself are added in a second save.
        for piece, lang in created:
            related = _related(piece, lang, articles)
            article = articles[(piece.key, lang)]
            if len(related) > article.related_links.count():
                article_save(article=Article.objects.get(pk=article.pk), user=None, related=related)
    _say(stdout, f"{len(created)} demo articles")
    return len(created)


def _related(piece: Piece, language: str, articles: dict) -> list[Article]:
    """The piece's related pieces in the same language, in the editor's order, as far as
    they exist yet."""
    return [articles[(key, language)] for key in piece.related if (key, language) in articles]


def _say(stdout, line: str) -> None:
    if stdout is not None:
        stdout.write(line + "\n")
