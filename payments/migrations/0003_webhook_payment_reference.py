# What a webhook's payment is known by, so a transaction's page finds its webhooks.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_organization_payer_language'),
        ('payments', '0002_webhook_inbox_per_endpoint'),
    ]

    operations = [
        migrations.AddField(
            model_name='webhookevent',
            name='payment_reference',
            field=models.CharField(blank=True, db_default='', default='', max_length=255),
        ),
        migrations.AddIndex(
            model_name='webhookevent',
            index=models.Index(condition=models.Q(('payment_reference', ''), _negated=True), fields=['organization', 'payment_reference'], name='payments_webhook_org_reference'),
        ),
    ]
