"""The retry planner: a pure function of a policy, a decline, the history and the clock (no database)."""

from retries.planner.engine import MIN_GAP, Planner, Prepared, jitter_fraction, plan, prepare, window_zone
from retries.planner.law import india_issued, recharge_verdict
from retries.planner.policy import (
    DEFAULT_MAX_REATTEMPTS_30_DAYS,
    MAX_DECLINES_24_HOURS,
    Backoff,
    CategoryRule,
    NetworkLimits,
    PolicySnapshot,
    SendWindow,
)
from retries.planner.types import (
    Decline,
    History,
    NextStep,
    PastAttempt,
    PlanContext,
    Reason,
    ReasonCode,
    Stop,
    StopKind,
    reasons_as_json,
)
from retries.planner.window import in_window, next_open, next_pay_day

__all__ = [
    "DEFAULT_MAX_REATTEMPTS_30_DAYS",
    "MAX_DECLINES_24_HOURS",
    "MIN_GAP",
    "Backoff",
    "CategoryRule",
    "Decline",
    "History",
    "NetworkLimits",
    "NextStep",
    "PastAttempt",
    "PlanContext",
    "Planner",
    "PolicySnapshot",
    "Prepared",
    "Reason",
    "ReasonCode",
    "SendWindow",
    "Stop",
    "StopKind",
    "in_window",
    "india_issued",
    "jitter_fraction",
    "next_open",
    "next_pay_day",
    "plan",
    "prepare",
    "reasons_as_json",
    "recharge_verdict",
    "window_zone",
]
