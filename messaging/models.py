from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.enums import PayerLanguage
from messaging.enums import Channel, LinkStatus, NotificationStatus, OptOutSource, Template
from tinko.ids import PublicIdField
from tinko.tenancy import ModeOwned


class RecoveryLink(ModeOwned):
    """A payer's way back to pay a failed transaction: a row, so it can expire, be revoked and be used
    once; its public id travels in a signed token (messaging.tokens), never on its own. Its
    organization and mode are its transaction's."""

    public_id = PublicIdField(prefix="rlk")
    transaction = models.ForeignKey("recovery.Transaction", on_delete=models.CASCADE, related_name="recovery_links")
    # The retry engine's attempt that issued the link; a plain number until attempts are rows.
    attempt_number = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=LinkStatus.choices, default=LinkStatus.ACTIVE)
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True, help_text="First time the page behind it was shown.")
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=LinkStatus.values), name="messaging_link_status_valid"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="messaging_link_expires_after"),
            models.CheckConstraint(
                condition=~Q(status=LinkStatus.USED) | Q(used_at__isnull=False), name="messaging_link_used_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status=LinkStatus.REVOKED) | Q(revoked_at__isnull=False),
                name="messaging_link_revoked_has_time",
            ),
            models.CheckConstraint(
                condition=Q(attempt_number__isnull=True) | Q(attempt_number__gt=0),
                name="messaging_link_attempt_positive",
            ),
            # One link per attempt: an attempt run twice hands out the same link.
            models.UniqueConstraint(
                fields=["transaction", "attempt_number"],
                condition=Q(attempt_number__isnull=False),
                name="messaging_link_one_per_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.status})"

    def is_past_expiry(self, *, now: datetime) -> bool:
        return self.expires_at <= now


class NotificationLog(ModeOwned):
    """One message to a payer on one channel: what was sent (or why not), to whom (masked), and what
    the provider answered. Unique per transaction, attempt and channel, which makes sends idempotent."""

    public_id = PublicIdField(prefix="ntf")
    transaction = models.ForeignKey("recovery.Transaction", on_delete=models.CASCADE, related_name="notifications")
    link = models.ForeignKey(
        RecoveryLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    attempt_number = models.PositiveIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recipient_masked = models.CharField(max_length=120, blank=True, help_text="e.g. a***@e***.com; never the address.")
    template = models.CharField(max_length=32, choices=Template.choices)
    language = models.CharField(max_length=8, choices=PayerLanguage.choices)
    status = models.CharField(max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    provider_message_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=1000, blank=True, help_text="Why the send failed, or why it was not sent.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values), name="messaging_notification_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="messaging_notification_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(language__in=PayerLanguage.values), name="messaging_notification_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(template__in=Template.values), name="messaging_notification_template_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="messaging_notification_sent_has_time",
            ),
            # The backstop that makes a task run twice send once.
            models.UniqueConstraint(
                fields=["transaction", "attempt_number", "channel"],
                condition=Q(attempt_number__isnull=False),
                name="messaging_notification_once_per_attempt",
            ),
        ]
        indexes = [models.Index(fields=["organization", "livemode", "-created_at"], name="messaging_notif_org_created")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.channel} {self.status}"


class ReminderOptOut(ModeOwned):
    """The payer asked for no more reminders about this transaction (stop link or one-click unsubscribe)."""

    transaction = models.OneToOneField(
        "recovery.Transaction", on_delete=models.CASCADE, related_name="reminder_opt_out"
    )
    notification = models.ForeignKey(
        NotificationLog,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The message whose stop link was used.",
    )
    source = models.CharField(max_length=16, choices=OptOutSource.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(source__in=OptOutSource.values), name="messaging_optout_source_valid"),
        ]

    def __str__(self) -> str:
        return f"Reminders stopped for transaction {self.transaction_id}"
