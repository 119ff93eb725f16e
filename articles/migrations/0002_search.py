"""Indexes for the articles' search on PostgreSQL (see articles/search.py).

- A GIN index on the weighted document (title A, excerpt B, the body's plain text C, in the
  "simple" configuration) serves the full-text match.
- pg_trgm GIN indexes on the title, the excerpt and the body's HTML serve the substring match
  (`column ILIKE '%word%'`) that finds Korean words inside longer ones (`협동` in
  `협동조합의`, `사회적협동조합`). A trigram index helps words of three characters or more;
  shorter ones are checked row by row, which ILIKE does quickly.

The document's expression is exactly the one `articles.search` builds (PostgreSQL uses an
expression index only for the same expression): change both together. SQLite (the laptop
default) has neither and scans.
"""

from django.db import migrations

PLAIN_BODY = (
    "replace(replace(replace(replace(regexp_replace(body_html, '<[^>]*>', '', 'g'), "
    "'&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), '&amp;', '&')"
)

DOCUMENT = (
    "((setweight(to_tsvector('simple'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, COALESCE(excerpt, '')), 'B')) || "
    f"setweight(to_tsvector('simple'::regconfig, COALESCE({PLAIN_BODY}, '')), 'C'))"
)

TRIGRAMS = {
    "articles_title_trgm": "title",
    "articles_excerpt_trgm": "excerpt",
    "articles_body_trgm": "body_html",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS articles_document ON articles_article USING gin ({DOCUMENT})"
    )
    for name, column in TRIGRAMS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON articles_article "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("articles_document", *TRIGRAMS):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
