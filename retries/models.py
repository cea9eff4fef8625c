from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from recovery.enums import Category
from retries.defaults import DEFAULT_POLICY
from retries.enums import (
    FINISHED_ATTEMPT_STATUSES,
    PAYER_CHANNELS,
    AttemptStatus,
    Channel,
    Schedule,
    WindowDays,
    ZoneSource,
)
from retries.planner import Backoff, CategoryRule, NetworkLimits, PastAttempt, PolicySnapshot, SendWindow
from tinko.ids import PublicIdField
from tinko.tenancy import ModeOwned, OrgOwned, ingest_organization_key

# Bounds that keep a policy sane (and its plans short): a merchant may choose within them.
MAX_ATTEMPTS = 20
MIN_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(days=30)
MAX_MULTIPLIER = Decimal("10")
MAX_JITTER_PERCENT = 50
MAX_GIVE_UP_DAYS = 60
MIN_WINDOW = timedelta(hours=1)
MIN_LINK_LIFETIME = timedelta(hours=1)
MAX_LINK_LIFETIME = timedelta(days=30)
# Categories a policy may never re-charge automatically (the payer is asked instead), and the one
# it may never retry at all (a new attempt could debit twice).
NO_RECHARGE_CATEGORIES = (Category.CARD_INVALID, Category.DO_NOT_RETRY, Category.FRAUD_RISK)


def _multiplier_bounds(field: str) -> Q:
    return Q(**{f"{field}__gte": Decimal("1")}) & Q(**{f"{field}__lte": MAX_MULTIPLIER})


def _delay_bounds(field: str) -> Q:
    return Q(**{f"{field}__gte": MIN_DELAY}) & Q(**{f"{field}__lte": MAX_DELAY})


def default_channels() -> list[str]:
    return list(DEFAULT_POLICY["channels"])


class RetryPolicy(OrgOwned):
    """How an organization retries failed payments: attempts, timing, send window and channels.

    An organization has several, named, and exactly one default (the one the planner uses).
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="retry_policies")
    public_id = PublicIdField(prefix="rpol")
    name = models.CharField(max_length=80)
    is_default = models.BooleanField(default=False)
    max_attempts = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY["max_attempts"],
        help_text=f"Attempts in all (re-charges and messages), 1-{MAX_ATTEMPTS}.",
    )
    first_delay = models.DurationField(
        default=DEFAULT_POLICY["first_delay"],
        help_text="Before the first attempt, e.g. `1 00:00:00` (a day) or `00:15:00` (15 minutes).",
    )
    backoff_multiplier = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_POLICY["backoff_multiplier"],
        help_text="Each delay is the one before times this (1 keeps it constant).",
    )
    max_delay = models.DurationField(
        default=DEFAULT_POLICY["max_delay"], help_text="The longest delay between attempts."
    )
    jitter_percent = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY["jitter_percent"],
        help_text="Each delay is up to this much longer (0-50 %), so failures do not retry all at once.",
    )
    give_up_after_days = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY["give_up_after_days"], help_text="Counted from the first failure."
    )
    window_start = models.TimeField(default=DEFAULT_POLICY["window_start"], help_text="Local time, e.g. 09:00.")
    window_end = models.TimeField(
        default=DEFAULT_POLICY["window_end"], help_text="Local time; attempts start before it."
    )
    window_days = models.CharField(max_length=16, choices=WindowDays.choices, default=DEFAULT_POLICY["window_days"])
    time_zone_source = models.CharField(
        max_length=16,
        choices=ZoneSource.choices,
        default=DEFAULT_POLICY["time_zone_source"],
        help_text="Whose local time the send window is in.",
    )
    channels = models.JSONField(
        default=default_channels,
        help_text='Used in turn, attempt after attempt, e.g. ["auto_charge", "email"].',
    )
    link_lifetime = models.DurationField(
        default=DEFAULT_POLICY["link_lifetime"], help_text="How long a recovery link stays valid, e.g. `3 00:00:00`."
    )
    allow_auto_charge = models.BooleanField(
        default=DEFAULT_POLICY["allow_auto_charge"],
        help_text="Off: Tinko never re-charges a saved payment method, it only asks the payer.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "retry policies"
        ordering = ("organization", "-is_default", "name")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="retries_policy_name_unique"),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(is_default=True), name="retries_policy_one_default"
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__gte=1) & Q(max_attempts__lte=MAX_ATTEMPTS), name="retries_policy_attempts"
            ),
            models.CheckConstraint(
                condition=_delay_bounds("first_delay") & _delay_bounds("max_delay"), name="retries_policy_delays"
            ),
            models.CheckConstraint(
                condition=Q(max_delay__gte=models.F("first_delay")), name="retries_policy_max_delay_not_below_first"
            ),
            models.CheckConstraint(
                condition=_multiplier_bounds("backoff_multiplier"), name="retries_policy_multiplier"
            ),
            models.CheckConstraint(condition=Q(jitter_percent__lte=MAX_JITTER_PERCENT), name="retries_policy_jitter"),
            models.CheckConstraint(
                condition=Q(give_up_after_days__gte=1) & Q(give_up_after_days__lte=MAX_GIVE_UP_DAYS),
                name="retries_policy_give_up",
            ),
            models.CheckConstraint(condition=Q(window_start__lt=models.F("window_end")), name="retries_policy_window"),
            models.CheckConstraint(condition=Q(window_days__in=WindowDays.values), name="retries_policy_window_days"),
            models.CheckConstraint(condition=Q(time_zone_source__in=ZoneSource.values), name="retries_policy_zone"),
            models.CheckConstraint(
                condition=Q(link_lifetime__gte=MIN_LINK_LIFETIME) & Q(link_lifetime__lte=MAX_LINK_LIFETIME),
                name="retries_policy_link_lifetime",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (default)" if self.is_default else self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not 1 <= (self.max_attempts or 0) <= MAX_ATTEMPTS:
            errors["max_attempts"] = f"Between 1 and {MAX_ATTEMPTS}."
        _check_backoff(errors, self.first_delay, self.backoff_multiplier, self.max_delay)
        if self.jitter_percent is not None and self.jitter_percent > MAX_JITTER_PERCENT:
            errors["jitter_percent"] = f"At most {MAX_JITTER_PERCENT} %."
        if not 1 <= (self.give_up_after_days or 0) <= MAX_GIVE_UP_DAYS:
            errors["give_up_after_days"] = f"Between 1 and {MAX_GIVE_UP_DAYS} days."
        elif self.first_delay is not None and self.first_delay >= timedelta(days=self.give_up_after_days):
            errors["first_delay"] = "The first attempt would come after the give-up time."
        start, end = self.window_start, self.window_end
        if start is not None and end is not None and _minutes(end) - _minutes(start) < MIN_WINDOW.total_seconds() / 60:
            errors["window_end"] = "The send window must end at least an hour after it starts, on the same day."
        if not isinstance(self.channels, list) or not self.channels:
            errors["channels"] = f"A list drawn from {', '.join(Channel.values)}."
        elif not all(isinstance(item, str) and item in Channel.values for item in self.channels):
            errors["channels"] = f"Only {', '.join(Channel.values)}."
        elif len(set(self.channels)) != len(self.channels):
            errors["channels"] = "Each channel once."
        elif not self.allow_auto_charge and not any(item in PAYER_CHANNELS for item in self.channels):
            errors["channels"] = "With automatic re-charge off, at least one channel must reach the payer."
        if self.link_lifetime is not None and not MIN_LINK_LIFETIME <= self.link_lifetime <= MAX_LINK_LIFETIME:
            errors["link_lifetime"] = "Between an hour and 30 days."
        if errors:
            raise ValidationError(errors)

    def snapshot(self, *, overrides: list[RetryPolicyOverride] | None = None) -> PolicySnapshot:
        """The policy as the planner reads it (its overrides fetched unless given)."""
        rows = list(self.overrides.all()) if overrides is None else overrides
        backoff = Backoff(first_delay=self.first_delay, multiplier=self.backoff_multiplier, max_delay=self.max_delay)
        return PolicySnapshot(
            name=self.name,
            max_attempts=self.max_attempts,
            backoff=backoff,
            jitter_percent=self.jitter_percent,
            give_up_after=timedelta(days=self.give_up_after_days),
            window=SendWindow(
                start=self.window_start,
                end=self.window_end,
                weekdays_only=self.window_days == WindowDays.WEEKDAYS,
                zone_source=ZoneSource(self.time_zone_source),
            ),
            channels=tuple(Channel(item) for item in self.channels),
            link_lifetime=self.link_lifetime,
            allow_auto_charge=self.allow_auto_charge,
            overrides=tuple(sorted((row.rule(backoff) for row in rows), key=lambda rule: rule.category)),
            limits=NetworkLimits(max_reattempts_30_days=settings.RETRY_MAX_REATTEMPTS_30_DAYS),
        )


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _check_backoff(
    errors: dict[str, str], first_delay: timedelta | None, multiplier: Decimal | None, max_delay: timedelta | None
) -> None:
    for name, delay in (("first_delay", first_delay), ("max_delay", max_delay)):
        if delay is not None and not MIN_DELAY <= delay <= MAX_DELAY:
            errors[name] = "Between a minute and 30 days."
    if multiplier is not None and not Decimal("1") <= multiplier <= MAX_MULTIPLIER:
        errors["backoff_multiplier"] = f"Between 1 and {MAX_MULTIPLIER}."
    if first_delay is not None and max_delay is not None and max_delay < first_delay and "max_delay" not in errors:
        errors["max_delay"] = "At least the first delay."


class RetryPolicyOverride(OrgOwned):
    """How one decline category departs from its policy (empty fields follow the policy)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(RetryPolicy, on_delete=models.CASCADE, related_name="overrides")
    category = models.CharField(max_length=16, choices=Category.choices)
    schedule = models.CharField(max_length=24, choices=Schedule.choices, default=Schedule.BACKOFF)
    allow_auto_charge = models.BooleanField(
        default=True, help_text="Off: never re-charge this category, ask the payer for another method."
    )
    max_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    first_delay = models.DurationField(null=True, blank=True, help_text="e.g. `00:15:00` for 15 minutes.")
    backoff_multiplier = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    max_delay = models.DurationField(null=True, blank=True)
    pay_days = models.JSONField(
        default=list, blank=True, help_text="Pay-day schedule: days of the month, e.g. [1, 15] (31 = the last day)."
    )
    pay_day_time = models.TimeField(
        default=time(9, 0),
        help_text="Pay-day schedule: local time of the re-charge (moved into the send window if outside it).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("policy", "category")
        constraints = [
            models.UniqueConstraint(fields=["policy", "category"], name="retries_override_category_unique"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="retries_override_category"),
            models.CheckConstraint(condition=Q(schedule__in=Schedule.values), name="retries_override_schedule"),
            # A pending UPI payment may already be debited: it is never retried, and nothing else waits.
            models.CheckConstraint(
                condition=Q(category=Category.UPI_PENDING, schedule=Schedule.WAIT_FOR_FINAL_STATUS)
                | (~Q(category=Category.UPI_PENDING) & ~Q(schedule=Schedule.WAIT_FOR_FINAL_STATUS)),
                name="retries_override_upi_pending_waits",
            ),
            models.CheckConstraint(
                condition=~Q(category__in=NO_RECHARGE_CATEGORIES) | Q(allow_auto_charge=False),
                name="retries_override_never_recharge",
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | (Q(max_attempts__gte=1) & Q(max_attempts__lte=MAX_ATTEMPTS)),
                name="retries_override_attempts",
            ),
            models.CheckConstraint(
                condition=(Q(first_delay__isnull=True) | _delay_bounds("first_delay"))
                & (Q(max_delay__isnull=True) | _delay_bounds("max_delay")),
                name="retries_override_delays",
            ),
            models.CheckConstraint(
                condition=Q(backoff_multiplier__isnull=True) | _multiplier_bounds("backoff_multiplier"),
                name="retries_override_multiplier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.get_schedule_display()}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.category == Category.UPI_PENDING and self.schedule != Schedule.WAIT_FOR_FINAL_STATUS:
            errors["schedule"] = "A pending UPI payment is never retried: wait for its final status."
        elif self.category != Category.UPI_PENDING and self.schedule == Schedule.WAIT_FOR_FINAL_STATUS:
            errors["schedule"] = "Only a pending UPI payment waits for its final status."
        if self.category in NO_RECHARGE_CATEGORIES and self.allow_auto_charge:
            errors["allow_auto_charge"] = f"A {self.category} decline is never re-charged automatically."
        if self.max_attempts is not None and not 1 <= self.max_attempts <= MAX_ATTEMPTS:
            errors["max_attempts"] = f"Between 1 and {MAX_ATTEMPTS}."
        _check_backoff(errors, self.first_delay, self.backoff_multiplier, self.max_delay)
        days = self.pay_days
        if not isinstance(days, list) or not all(isinstance(day, int) and 1 <= day <= 31 for day in days):
            errors["pay_days"] = "Days of the month, from 1 to 31."
        elif len(set(days)) != len(days):
            errors["pay_days"] = "Each day once."
        elif self.schedule == Schedule.PAY_DAYS and not days:
            errors["pay_days"] = "Choose at least one pay day."
        if errors:
            raise ValidationError(errors)

    def rule(self, policy_backoff: Backoff) -> CategoryRule:
        """This override for the planner, its empty fields filled from the policy."""
        backoff = None
        if self.first_delay is not None or self.backoff_multiplier is not None or self.max_delay is not None:
            first_delay = self.first_delay or policy_backoff.first_delay
            backoff = Backoff(
                first_delay=first_delay,
                multiplier=self.backoff_multiplier or policy_backoff.multiplier,
                max_delay=max(self.max_delay or policy_backoff.max_delay, first_delay),
            )
        return CategoryRule(
            category=Category(self.category),
            schedule=Schedule(self.schedule),
            allow_auto_charge=self.allow_auto_charge,
            max_attempts=self.max_attempts,
            backoff=backoff,
            pay_days=tuple(sorted(self.pay_days or ())),
            pay_day_time=self.pay_day_time,
        )


class RecoveryAttempt(ModeOwned):
    """One planned try at recovering a transaction: a re-charge or a message to the payer, with
    the planner's reasons. Claimed by the dispatcher with a conditional update on `status`; a
    re-charge is claimed again by the worker that calls the gateway, by writing `idempotency_key`
    (retries.execution)."""

    # Written in the ingest transaction, so keyed like the ingest tables. Read by transaction, by
    # public id, or through the dispatcher's due index; never by organization alone.
    organization = ingest_organization_key()
    public_id = PublicIdField(prefix="att")
    # No index of its own: (transaction, number) below serves the foreign key.
    transaction = models.ForeignKey(
        "recovery.Transaction", on_delete=models.CASCADE, related_name="attempts", db_index=False
    )
    number = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    scheduled_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.SCHEDULED)
    gateway_payment_id = models.CharField(max_length=255, blank=True, help_text="The gateway's id of a re-charge.")
    idempotency_key = models.CharField(
        max_length=255,
        blank=True,
        help_text="Sent with the re-charge; written just before the gateway is called, so while it is set "
        "only the gateway can say whether the charge happened.",
    )
    reasons = models.JSONField(default=list, blank=True, help_text='The planner\'s [{"code": …, "text": …}].')
    error = models.CharField(max_length=500, blank=True, help_text="Why it failed or was skipped.")
    tries = models.PositiveSmallIntegerField(
        default=0, help_text="Times a worker took it up; a passing error sends it back a few times at most."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transaction", "number"], name="retries_attempt_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="retries_attempt_number_positive"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="retries_attempt_channel"),
            models.CheckConstraint(condition=Q(status__in=AttemptStatus.values), name="retries_attempt_status"),
            # Only a re-charge is charged; only a message is sent.
            models.CheckConstraint(
                condition=~Q(status=AttemptStatus.CHARGED) | Q(channel=Channel.AUTO_CHARGE),
                name="retries_attempt_charged_is_recharge",
            ),
            models.CheckConstraint(
                condition=~Q(status=AttemptStatus.SENT) | ~Q(channel=Channel.AUTO_CHARGE),
                name="retries_attempt_sent_is_message",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[AttemptStatus.IN_PROGRESS, AttemptStatus.CHARGED, AttemptStatus.SENT])
                | Q(started_at__isnull=False),
                name="retries_attempt_started",
            ),
            models.CheckConstraint(
                condition=Q(status__in=sorted(FINISHED_ATTEMPT_STATUSES), finished_at__isnull=False)
                | (~Q(status__in=sorted(FINISHED_ATTEMPT_STATUSES)) & Q(finished_at__isnull=True)),
                name="retries_attempt_finished",
            ),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True)
                | Q(finished_at__isnull=True)
                | Q(finished_at__gte=models.F("started_at")),
                name="retries_attempt_finished_after_start",
            ),
        ]
        indexes = [
            # The dispatcher's "due" query: WHERE status = 'scheduled' AND scheduled_at <= now
            # ORDER BY scheduled_at. Only scheduled rows are in it, so it stays small.
            models.Index(
                fields=["scheduled_at"], condition=Q(status=AttemptStatus.SCHEDULED), name="retries_attempt_due"
            ),
            # The sweeper's "stuck" query: in_progress and untouched since a cutoff; only running rows.
            models.Index(
                fields=["updated_at"], condition=Q(status=AttemptStatus.IN_PROGRESS), name="retries_attempt_running"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} #{self.number} {self.channel} {self.status}"

    def past(self) -> PastAttempt:
        """This attempt as the planner's history reads it."""
        return PastAttempt(
            number=self.number, channel=Channel(self.channel), at=self.scheduled_at, status=AttemptStatus(self.status)
        )
