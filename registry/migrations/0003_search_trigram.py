"""Trigram indexes for the directory search on PostgreSQL.

The search is a case-insensitive substring match (Korean words such as "두레" sit inside
names), which a B-tree cannot serve; pg_trgm GIN indexes on the same UPPER(...) expressions
Django's icontains produces can. SQLite (the laptop default) scans instead.
"""

from django.db import migrations

COLUMNS = ("name", "main_business", "registration_no")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS registry_coop_{column}_trgm ON registry_cooperative "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS registry_coop_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_districts")]

    operations = [migrations.RunPython(create, drop)]
