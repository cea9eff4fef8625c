# The console's search by the payer's email or phone.

from django.db import migrations, models


class AddIndexWithoutLocking(migrations.AddIndex):
    """On PostgreSQL the index is built CONCURRENTLY: the transactions table keeps taking failures
    (a plain CREATE INDEX would block every insert while it reads a large table)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("recovery", "0008_merge_controls_and_retry_source"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="transaction",
            index=models.Index(
                condition=models.Q(("customer_email", ""), _negated=True),
                fields=["organization", "livemode", "customer_email"],
                name="recovery_txn_org_email",
            ),
        ),
        AddIndexWithoutLocking(
            model_name="transaction",
            index=models.Index(
                condition=models.Q(("customer_phone", ""), _negated=True),
                fields=["organization", "livemode", "customer_phone"],
                name="recovery_txn_org_phone",
            ),
        ),
    ]
