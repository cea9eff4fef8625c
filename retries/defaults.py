"""The policy every organization starts with (data migration, new organizations, and the
planner's fallback for an organization without a policy row).

Choices, with their grounds (declines-and-networks.md §5, payer-messaging-and-portal.md §4.3):
- 6 attempts over at most 14 days, re-charge and email in turn: Stripe's Smart Retries default is
  8 tries in 2 weeks, and retries recover more than emails alone (Churn Buster).
- 1 day first, doubling, at most 4 days apart; up to 10% jitter so a batch of failures does not
  retry in one burst.
- 09:00-20:00 in the payer's local time, every day.
- Recovery links live 72 hours.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from recovery.enums import Category
from retries.enums import Channel, Schedule, WindowDays, ZoneSource

DEFAULT_POLICY_NAME = "Standard"

DEFAULT_POLICY: dict[str, Any] = {
    "max_attempts": 6,
    "first_delay": timedelta(days=1),
    "backoff_multiplier": Decimal("2.00"),
    "max_delay": timedelta(days=4),
    "jitter_percent": 10,
    "give_up_after_days": 14,
    "window_start": time(9, 0),
    "window_end": time(20, 0),
    "window_days": WindowDays.EVERY_DAY,
    "time_zone_source": ZoneSource.PAYER,
    "channels": [Channel.AUTO_CHARGE.value, Channel.EMAIL.value],
    "link_lifetime": timedelta(hours=72),
    "allow_auto_charge": True,
}

# Per category (issue 11): funds on pay days in the morning; network and authentication failures
# in minutes; UPI pending never retried; hard and invalid-card declines, and fraud, never re-charged.
DEFAULT_OVERRIDES: dict[Category, dict[str, Any]] = {
    Category.FUNDS: {"schedule": Schedule.PAY_DAYS, "pay_days": [1, 15], "pay_day_time": time(9, 0)},
    Category.NETWORK: {
        "first_delay": timedelta(minutes=15),
        "backoff_multiplier": Decimal("2.00"),
        "max_delay": timedelta(hours=4),
    },
    Category.AUTH_TIMEOUT: {
        "first_delay": timedelta(minutes=30),
        "backoff_multiplier": Decimal("2.00"),
        "max_delay": timedelta(hours=6),
    },
    Category.UPI_PENDING: {"schedule": Schedule.WAIT_FOR_FINAL_STATUS, "allow_auto_charge": False},
    Category.CARD_INVALID: {"allow_auto_charge": False},
    Category.DO_NOT_RETRY: {"allow_auto_charge": False},
    Category.FRAUD_RISK: {"allow_auto_charge": False},
}
