"""Idempotency rows are now written once, complete, in the request's own transaction: the
in-flight claim columns go, and a row without a response (a claim left by the old scheme)
is dropped so that its key can be used again."""

import django.db.models.deletion
from django.db import migrations, models


def drop_unfinished_claims(apps, schema_editor):
    apps.get_model("tinko", "IdempotencyKey").objects.filter(response_status__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("tinko", "0002_idempotencykey"),
    ]

    operations = [
        migrations.RunPython(drop_unfinished_claims, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotencykey", name="lock_token"),
        migrations.RemoveField(model_name="idempotencykey", name="locked_at"),
        migrations.RemoveField(model_name="idempotencykey", name="completed_at"),
        migrations.AlterField(
            model_name="idempotencykey",
            name="response_status",
            field=models.PositiveSmallIntegerField(),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="response_body",
            field=models.BinaryField(),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="organization",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
            ),
        ),
    ]
