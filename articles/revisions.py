"""Comparing two versions of an article (revisions, or the article as saved now) for the
editors' revisions page: one readable line-by-line difference per field that changed."""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Author, Category, Image, Series, Status, Tag

# The fields compared, in the order of the page, with their labels.
FIELDS = [
    ("title", _("title")),
    ("slug", _("slug")),
    ("language", _("language")),
    ("status", _("status")),
    ("published_at", _("publication time")),
    ("category_id", _("category")),
    ("series_id", _("series")),
    ("series_part", _("part")),
    ("translation_id", _("translation")),
    ("lead_image_id", _("lead image")),
    ("authors", _("authors")),
    ("interviewees", _("interviewees")),
    ("tags", _("tags")),
    ("related", _("related articles")),
    ("excerpt", _("excerpt")),
    ("editor_note", _("editor's note")),
    ("body_source", _("body")),
]


@dataclass
class Line:
    kind: str  # "same", "removed", "added"
    text: str


@dataclass
class FieldChange:
    name: str
    label: str
    lines: list[Line] = field(default_factory=list)


class _Names:
    """Readable names for the ids kept in revisions (one query per kind of thing)."""

    def __init__(self, versions: list[dict]) -> None:
        def ids(key: str) -> set[int]:
            found: set[int] = set()
            for data in versions:
                value = data.get(key)
                if isinstance(value, list):
                    found.update(v for v in value if isinstance(v, int))
                elif isinstance(value, int):
                    found.add(value)
            return found

        self.names = {
            "category_id": {
                c.pk: str(c) for c in Category.objects.filter(pk__in=ids("category_id"))
            },
            "series_id": {s.pk: str(s) for s in Series.objects.filter(pk__in=ids("series_id"))},
            "lead_image_id": {
                i.pk: str(i) for i in Image.objects.filter(pk__in=ids("lead_image_id"))
            },
            "authors": {a.pk: str(a) for a in Author.objects.filter(pk__in=ids("authors"))},
            "tags": {t.pk: str(t) for t in Tag.objects.filter(pk__in=ids("tags"))},
            "articles": {
                a.pk: a.title
                for a in Article.objects.filter(pk__in=ids("related") | ids("translation_id")).only(
                    "pk", "title"
                )
            },
        }

    def name(self, kind: str, pk) -> str:
        if pk is None:
            return "—"
        return self.names[kind].get(pk, _("(deleted, #%(id)s)") % {"id": pk})


def _lines(name: str, value, names: _Names) -> list[str]:
    """A field's value as the lines compared."""
    if value in (None, "", []):
        return []
    if name in ("category_id", "series_id", "lead_image_id"):
        return [names.name(name, value)]
    if name == "translation_id":
        return [names.name("articles", value)]
    if name in ("authors", "tags"):
        return [names.name(name, pk) for pk in value]
    if name == "related":
        return [names.name("articles", pk) for pk in value]
    if name == "interviewees":
        return [
            f"{person.get('name', '')} ({person['role']})"
            if person.get("role")
            else person.get("name", "")
            for person in value
        ]
    if name == "status":
        return [str(Status(value).label) if value in Status.values else str(value)]
    if name == "published_at":
        when = parse_datetime(value)
        return [date_format(localtime(when), "DATETIME_FORMAT") if when else str(value)]
    return str(value).splitlines() or [""]


def _diff(before: list[str], after: list[str]) -> list[Line]:
    lines: list[Line] = []
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(Line("same", text) for text in before[i1:i2])
        else:
            lines.extend(Line("removed", text) for text in before[i1:i2])
            lines.extend(Line("added", text) for text in after[j1:j2])
    return lines


def versions_compare(before: dict, after: dict) -> list[FieldChange]:
    """The fields that differ between two versions (revision data, or
    `services.article_snapshot(article)`), each with its lines marked same, removed or
    added."""
    names = _Names([before, after])
    changes = []
    for name, label in FIELDS:
        old = _lines(name, before.get(name), names)
        new = _lines(name, after.get(name), names)
        if old != new:
            changes.append(FieldChange(name=name, label=str(label), lines=_diff(old, new)))
    return changes
