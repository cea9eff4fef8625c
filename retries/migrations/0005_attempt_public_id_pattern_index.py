from django.db import migrations


def drop_pattern_index(apps, schema_editor):
    """PostgreSQL gets a second, `varchar_pattern_ops` index on each unique text column, for LIKE
    queries. An attempt's public id is only ever looked up whole, and ingest writes an attempt with
    most failures: the index is pure write cost (as for transactions and failure events)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("retries", "recoveryattempt")
    field = model._meta.get_field("public_id")
    name = schema_editor._create_index_name(model._meta.db_table, [field.column], suffix="_like")
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("retries", "0004_attempt_execution"),
    ]

    operations = [
        migrations.RunPython(drop_pattern_index, migrations.RunPython.noop),
    ]
