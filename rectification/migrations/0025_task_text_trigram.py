"""Trigram indexes for the task search (rectification.search.task_text_q), PostgreSQL only.

`icontains` on PostgreSQL is `UPPER(col::text) LIKE UPPER('%…%')`; a GIN index over the same
expressions with gin_trgm_ops serves it (BitmapOr over the three columns) instead of reading
every task of the scope. pg_trgm is a trusted extension (PostgreSQL 13+): the database's
owner may create it. Not in the model's Meta: SQLite has no such index, and the expressions
must match Django's SQL exactly.
"""

from django.db import migrations

INDEXES = {
    "task_text_trgm": (
        "rectification_task",
        "UPPER(code::text) gin_trgm_ops, UPPER(name::text) gin_trgm_ops,"
        " UPPER(address::text) gin_trgm_ops",
    ),
    "problem_text_trgm": (
        "inspections_problem",
        "UPPER(code::text) gin_trgm_ops, UPPER(title::text) gin_trgm_ops",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, columns) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0017_choices_after_petition_merge"),
        ("rectification", "0024_saved_filter"),
    ]

    operations = [migrations.RunPython(create, drop)]
