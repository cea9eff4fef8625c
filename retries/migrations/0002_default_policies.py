"""Give every existing organization Tinko's default retry policy (retries/defaults.py); new ones
get it from organization_create."""

from django.db import migrations


def create_default_policies(apps, schema_editor):
    from retries.defaults import DEFAULT_OVERRIDES, DEFAULT_POLICY, DEFAULT_POLICY_NAME

    Organization = apps.get_model("accounts", "Organization")
    RetryPolicy = apps.get_model("retries", "RetryPolicy")
    RetryPolicyOverride = apps.get_model("retries", "RetryPolicyOverride")
    with_default = RetryPolicy.objects.filter(is_default=True).values("organization_id")
    for organization in Organization.objects.exclude(pk__in=with_default).iterator():
        policy = RetryPolicy.objects.create(
            organization=organization, name=DEFAULT_POLICY_NAME, is_default=True, **DEFAULT_POLICY
        )
        RetryPolicyOverride.objects.bulk_create(
            RetryPolicyOverride(organization=organization, policy=policy, category=category, **values)
            for category, values in DEFAULT_OVERRIDES.items()
        )


class Migration(migrations.Migration):
    dependencies = [("retries", "0001_initial")]

    operations = [migrations.RunPython(create_default_policies, migrations.RunPython.noop)]
