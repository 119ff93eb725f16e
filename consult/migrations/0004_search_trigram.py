"""Trigram indexes for the desk's search on PostgreSQL.

Counselors search cases by part of a name or an e-mail address: Django's icontains and
iexact compare UPPER(column), which a pg_trgm GIN index on that same expression serves
(substring and equality alike); with 100,000 cases a scan costs a counselor 100 ms or more
per search. SQLite (the laptop default) scans instead.
"""

from django.db import migrations

COLUMNS = ("name", "email")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS consult_case_{column}_trgm ON consult_case "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS consult_case_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("consult", "0003_case_anonymised_at")]

    operations = [migrations.RunPython(create, drop)]
