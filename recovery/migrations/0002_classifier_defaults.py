"""Load Tinko's global classifier rules from recovery/classifier/defaults.py."""

from django.db import migrations


def load_defaults(apps, schema_editor):
    from recovery.classifier.defaults import DEFAULT_RULES

    ClassifierRule = apps.get_model("recovery", "ClassifierRule")
    rows = []
    for default in DEFAULT_RULES:
        rule = default.to_rule()
        rows.append(
            ClassifierRule(
                organization=None,
                slug=rule.id,
                code_system=rule.code_system,
                gateway=rule.gateway,
                code=rule.code,
                code_pattern=rule.code_pattern,
                message_regex=rule.message_regex,
                category=rule.category,
                retryable=rule.retryable,
                action=rule.action,
                cooldown_seconds=rule.cooldown_seconds,
                alternatives=list(rule.alternatives),
                priority=rule.priority,
                recommendation=rule.recommendation,
                explanation=rule.explanation,
                source=default.source,
            )
        )
    ClassifierRule.objects.bulk_create(rows)


def unload_defaults(apps, schema_editor):
    apps.get_model("recovery", "ClassifierRule").objects.filter(organization__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("recovery", "0001_initial")]

    operations = [migrations.RunPython(load_defaults, unload_defaults)]
