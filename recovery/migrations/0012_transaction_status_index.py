# The console's transaction list filtered by status (its most used filter): the newest of one
# status without walking the organization's other transactions, even when none matches.

import importlib

from django.db import migrations, models

AddIndexWithoutLocking = importlib.import_module("recovery.migrations.0009_transaction_search_indexes").AddIndexWithoutLocking


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("recovery", "0011_analytics_attribution_refunds"),
    ]

    operations = [
        AddIndexWithoutLocking(
            model_name="transaction",
            index=models.Index(
                fields=["organization", "livemode", "status", "-created_at", "-public_id"],
                name="recovery_txn_org_status",
            ),
        ),
    ]
