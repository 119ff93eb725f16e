"""Search over the published articles (`/articles/search/?q=`).

Only `Article.objects.published()` is searched. An article matches a query in two ways:

- full text (PostgreSQL): the title (weight A), the excerpt (B) and the body's plain text (C)
  as one `tsvector` in the "simple" configuration (PostgreSQL has no Korean stemmer), matched
  with `websearch_to_tsquery`, so quotes, `or`, `-word` and any stray `&|!:*` are read the
  way a search box is expected to read them, never as syntax errors;
- by part of a word: every word of the query (of one `or` alternative, without its `-words`)
  is in the title or the excerpt, anywhere, ignoring case; or in the body: anywhere for a word
  in Korean (or any script without case), at the start of one of its words for a Latin word.
  This is what makes Korean work: `협동` finds `협동조합의` and `사회적협동조합`, each one
  token to the full-text parser. (A Latin word is not looked for inside the body's words: the
  body is searched as HTML, whose markup is made of Latin words.)

Order: full-text matches first, by the rank of their title (A) and excerpt (B), those found
in the body alone (C) after them; then the other matches, a match in the title before one in
the excerpt before one in the body; then the newest. SQLite (laptops) answers with the
part-of-a-word search alone, over the title, the excerpt and the body's HTML.

Cost, for PostgreSQL, with 10,000 articles: nothing costly is computed for each row. Each
part of the match is a subquery of ids that one index answers (migration 0002: a GIN index
on the weighted document, pg_trgm GIN indexes on the title, excerpt and body for words of
three characters or more; a shorter word is compared with LIKE row by row, which is quick),
and the rank is computed for full-text matches only, from their title and excerpt: ranking
the whole document would mean parsing every matching body, some 0.3 ms each. A page of
results takes one query (the matches' count comes with the page's rows).

Snippets are made in Python from the body's plain text (tags removed, entities decoded),
never from its HTML: the text is cut around the first match and each piece escaped before
the matches are wrapped in `<mark>`. A results page is cached under `articles_cache` (any
save of an article makes a new version) and never beyond the next scheduled publication.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
    Window,
)
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article
from articles.selectors import article_url

SEARCH_CONFIG = "simple"
RESULTS_PER_PAGE = 10
# Words (or quoted phrases) of a query that are used; the rest is ignored.
MAX_TERMS = 6
SNIPPET_CHARS = 240
# How much of the text before the first match a snippet keeps.
SNIPPET_LEAD_CHARS = 60
# Sentence punctuation trimmed from the ends of a word ("협동조합은?" searches "협동조합은").
# (The full-width comma, exclamation and question marks and curly quotes are escaped.)
EDGE_PUNCTUATION = ".,;:!?'\"()[]{}<>…·、。「」『』《》〈〉“”\uff0c\uff01\uff1f\u2018\u2019"


class PlainBody(Func):
    """The body's plain text in SQL: `body_html` without its tags and with the entities the
    sanitiser writes decoded (`&amp;` last, so `&amp;lt;` stays `&lt;`). Migration 0002
    indexes this exact expression; change both together. Other databases get the HTML."""

    function = ""
    template = (
        "replace(replace(replace(replace(regexp_replace(%(expressions)s, '<[^>]*>', '', 'g'), "
        "'&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), '&amp;', '&')"
    )
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor != "postgresql":
            return compiler.compile(self.source_expressions[0])
        return super().as_sql(compiler, connection, **extra_context)


# --- The query ------------------------------------------------------------------------


def clean_query(raw: str) -> str:
    """The query as it is searched: control characters (NUL included, which PostgreSQL
    refuses in text) removed, runs of spaces made one, the ends trimmed."""
    kept = "".join(
        " " if char.isspace() else char
        for char in raw
        if char.isspace() or unicodedata.category(char) not in {"Cc", "Cs"}
    )
    return " ".join(kept.split())


@dataclass(frozen=True)
class ParsedQuery:
    """A query read the way `websearch_to_tsquery` reads it: alternatives separated by
    `or`, each with the words it requires and the `-words` it excludes; "quoted phrases"
    are single terms."""

    text: str
    groups: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = field(default=())

    @property
    def terms(self) -> tuple[str, ...]:
        """The words to highlight: every required word, longest first."""
        words = {word for required, _excluded in self.groups for word in required}
        return tuple(sorted(words, key=lambda word: (-len(word), word)))

    def __bool__(self) -> bool:
        return bool(self.groups)


_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


def parse_query(raw: str) -> ParsedQuery:
    text = clean_query(raw)
    groups: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    required: list[str] = []
    excluded: list[str] = []
    count = 0

    def close_group() -> None:
        if required:  # a group of exclusions only would match almost everything
            groups.append((tuple(dict.fromkeys(required)), tuple(dict.fromkeys(excluded))))
        required.clear()
        excluded.clear()

    for match in _TOKEN.finditer(text):
        if count >= MAX_TERMS:
            break
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            term, negated = " ".join(phrase.split()), False
        elif word.lower() == "or":
            close_group()
            continue
        else:
            negated = word.startswith("-") and len(word) > 1
            term = word[1:] if negated else word
            term = term.strip(EDGE_PUNCTUATION) or term
        if not term:
            continue
        count += 1
        (excluded if negated else required).append(term)
    close_group()
    return ParsedQuery(text=text, groups=tuple(groups))


# --- The queryset ----------------------------------------------------------------------


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Contains(Func):
    """`field` contains `term`, ignoring case: ILIKE (or LIKE for a term without case) on
    PostgreSQL, served by the pg_trgm indexes of migration 0002 for terms of three
    characters or more; LIKE elsewhere (SQLite's ignores the case of Latin letters)."""

    output_field = BooleanField()

    def __init__(self, field: str, term: str):
        super().__init__(F(field), Value(_like_pattern(term)))
        self.has_case = term.lower() != term.upper()

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        pattern, pattern_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":  # the backslash escapes by default
            # A word without case (Korean) is compared as it is: LIKE reads long text
            # many times faster than ILIKE, which folds the case of every character.
            operator = "ILIKE" if self.has_case else "LIKE"
            return f"({column} {operator} {pattern})", (*column_params, *pattern_params)
        return f"({column} LIKE {pattern} ESCAPE '\\')", (*column_params, *pattern_params)


def _ids(queryset) -> QuerySet:
    return queryset.values("pk")


def _with_document() -> QuerySet:
    return Article.objects.alias(document=search_vector())


def _prefix_query(term: str) -> SearchQuery:
    """Words of the body's text that start with `term` (`협동` → `협동조합의`), as a
    tsquery whose only syntax is the quoting made here."""
    quoted = "'" + term.replace("\\", "\\\\").replace("'", "''") + "':*"
    return SearchQuery(quoted, config=SEARCH_CONFIG, search_type="raw")


def _term_found(term: str, full_text: bool) -> Q:
    """`term` in the article: in its title or excerpt, anywhere; in its body, anywhere for
    a word in Korean (or any non-Latin script), at the start of a word for a Latin one
    (the body's HTML is searched as it is, and Latin words may name its markup).

    Each part is its own subquery of ids, which PostgreSQL answers from one index and keeps
    in a hash: nothing costly (the body's plain text, its tsvector) is computed per row."""
    body_anywhere = not full_text or not term.isascii()
    contained = Contains("title", term) | Contains("excerpt", term)
    if body_anywhere:
        contained |= Contains("body_html", term)
    found = Q(pk__in=_ids(Article.objects.filter(contained)))
    if full_text:
        found |= Q(pk__in=_ids(_with_document().filter(document=_prefix_query(term))))
    return found


def _matches(query: ParsedQuery, full_text: bool) -> Q:
    condition = Q()
    for required, excluded in query.groups:
        group = Q()
        for term in required:
            group &= _term_found(term, full_text)
        for term in excluded:
            group &= ~_term_found(term, full_text)
        condition |= group
    return condition


def _all_in(field: str, query: ParsedQuery) -> Q:
    """Every required word of one of the alternatives is in `field`."""
    condition = Q()
    for required, _excluded in query.groups:
        group = Q()
        for term in required:
            group &= Q(Contains(field, term))
        condition |= group
    return condition


def search_vector() -> SearchVector:
    """The weighted document: title A, excerpt B, body's plain text C (indexed as is)."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("excerpt", weight="B", config=SEARCH_CONFIG)
        + SearchVector(PlainBody("body_html"), weight="C", config=SEARCH_CONFIG)
    )


def heading_vector() -> SearchVector:
    """Title A and excerpt B: what the rank weighs (cheap to compute for each result)."""
    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "excerpt", weight="B", config=SEARCH_CONFIG
    )


def article_search(
    query: ParsedQuery, *, now: datetime | None = None, full_text: bool | None = None
) -> QuerySet:
    """The published articles matching `query`, best first (see the module's docstring).
    `full_text` defaults to whether the database is PostgreSQL; False gives the substring
    search alone, which is what SQLite answers."""
    if full_text is None:
        full_text = connection.vendor == "postgresql"
    articles = Article.objects.published(now=now)
    if not query:
        return articles.none()
    # Where the words are found: the title before the excerpt before the body alone.
    place = Case(
        When(_all_in("title", query), then=Value(3)),
        When(_all_in("excerpt", query), then=Value(2)),
        default=Value(1),
    )
    if not full_text:
        return (
            articles.filter(_matches(query, full_text=False))
            .alias(place=place)
            .order_by("-place", "-published_at", "-pk")
        )
    websearch = SearchQuery(query.text, config=SEARCH_CONFIG, search_type="websearch")
    # The full-text match on the whole document (title, excerpt, body): from its index.
    in_full_text = Q(pk__in=_ids(_with_document().filter(document=websearch)))
    # Its rank weighs the title (A) over the excerpt (B); a match in the body alone (C)
    # ranks after them and before every substring match.
    rank = Case(
        When(in_full_text, then=SearchRank(heading_vector(), websearch)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    full_text_match = Case(When(in_full_text, then=Value(1)), default=Value(0))
    return (
        articles.filter(in_full_text | _matches(query, full_text=True))
        .alias(rank=rank, full_text_match=full_text_match, place=place)
        .order_by("-rank", "-full_text_match", "-place", "-published_at", "-pk")
    )


# --- Text and highlighting -----------------------------------------------------------


class _TextExtractor(HTMLParser):
    """The text of sanitised HTML; block ends become spaces so words never run together."""

    BREAKS = {"p", "br", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
              "tr", "td", "th", "pre", "figcaption", "hr", "dt", "dd"}  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.BREAKS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment, spaces collapsed."""
    extractor = _TextExtractor()
    extractor.feed(markup or "")
    extractor.close()
    return " ".join(html.unescape("".join(extractor.parts)).split())


def _pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    if not terms:
        return None
    return re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)


def highlight(text: str, terms: tuple[str, ...]) -> SafeString:
    """`text` escaped, with every occurrence of a term wrapped in <mark>. The matches are
    found in the plain text and each piece is escaped on its own, so a term can never match
    inside an entity the escaping made (searching `amp` does not break `&amp;`)."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    pieces, position = [], 0
    for match in pattern.finditer(text):
        if match.start() == match.end():
            continue
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above


def snippet(text: str, terms: tuple[str, ...], length: int = SNIPPET_CHARS) -> SafeString:
    """About `length` characters of `text` around the first match, highlighted; the start
    of the text when nothing matches. Cuts fall on spaces and are marked with an ellipsis."""
    pattern = _pattern(terms)
    found = pattern.search(text) if pattern else None
    start = 0
    if found and found.start() > SNIPPET_LEAD_CHARS:
        start = found.start() - SNIPPET_LEAD_CHARS
        space = text.find(" ", start, found.start())
        start = space + 1 if space != -1 else start
    end = start + length
    if end < len(text):
        space = text.rfind(" ", start + length // 2, end)
        end = space if space != -1 else end
    else:
        end = len(text)
    body = highlight(text[start:end], terms)
    return mark_safe(  # noqa: S308 - highlight() escaped the text
        ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")
    )


# --- Results pages -------------------------------------------------------------------


@dataclass
class SearchPage:
    """One page of results, as plain data (it is cached): the attributes the pagination
    partial reads of a Django Page, and the results ready to show."""

    number: int
    num_pages: int
    count: int
    results: list[dict]

    @property
    def paginator(self) -> "SearchPage":
        return self

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * RESULTS_PER_PAGE + 1 if self.count else 0


def page_number(raw: str | None) -> int:
    """The page asked for; anything that is not a page number is the first page."""
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 6:
        return max(int(raw), 1)
    return 1


def _result(article: Article, terms: tuple[str, ...], language: str) -> dict:
    url = article_url(article)
    body = html_to_text(article.body_html)
    pattern = _pattern(terms)
    if pattern and not pattern.search(body) and pattern.search(article.excerpt):
        text = article.excerpt  # the words are in the excerpt, not in the body
    elif pattern and pattern.search(body):
        text = body
    else:
        text = article.excerpt or body
    return {
        "pk": article.pk,
        "url": url,
        "title": highlight(article.title, terms),
        "snippet": snippet(text, terms),
        "language": article.language,
        "category": article.category.name(language),
        "published_at": article.published_at,
    }


def _page_rows(matches: QuerySet, number: int) -> list[Article]:
    """The results of page `number`, each with the count of all matches (`total`): one
    query, since finding the best page means reading every match anyway."""
    offset = (number - 1) * RESULTS_PER_PAGE
    fields = ("title", "slug", "language", "excerpt", "body_html", "published_at", "created_at")
    category = ("category__name_ko", "category__name_en", "category__slug")
    rows = (
        matches.select_related("category")
        .only(*fields, *category)
        .annotate(total=Window(Count("*")))[offset : offset + RESULTS_PER_PAGE]
    )
    return list(rows)


def search_page(query: ParsedQuery, number: int = 1, *, now: datetime | None = None) -> SearchPage:
    """Page `number` of the results of `query` (the last page when past the end). The search
    view caches the rendered page (articles.search_views.results_html)."""
    now = now or timezone.now()
    if not query:
        return SearchPage(number=1, num_pages=1, count=0, results=[])
    matches = article_search(query, now=now)
    rows = _page_rows(matches, number)
    if not rows and number > 1:
        # Past the end: the last page (a second look, for this rare case only).
        number = max(1, -(-matches.count() // RESULTS_PER_PAGE))
        rows = _page_rows(matches, number)
    count = rows[0].total if rows else 0
    language = translation.get_language() or settings.LANGUAGE_CODE
    return SearchPage(
        number=number,
        num_pages=max(1, -(-count // RESULTS_PER_PAGE)),
        count=count,
        results=[_result(article, query.terms, language) for article in rows],
    )
