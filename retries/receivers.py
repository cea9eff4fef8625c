"""What the retry engine hears from other apps' rows: a gateway account connected or disconnected
changes whether a re-charge can be planned, however the change was made (service, admin, purge)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from payments.models import GatewayAccount
from retries.scheduling import gateway_accounts_changed


@receiver(post_save, sender=GatewayAccount, dispatch_uid="retries.gateway_account_saved")
@receiver(post_delete, sender=GatewayAccount, dispatch_uid="retries.gateway_account_deleted")
def gateway_account_changed(sender: type[GatewayAccount], **kwargs: Any) -> None:
    gateway_accounts_changed()
