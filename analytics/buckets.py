"""The fixed buckets a rollup row counts recoveries in, and the median read back from them. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from analytics.enums import Credit

# Recoveries are counted by the attempts that had acted before the money came (0 = before any);
# the last bucket holds that many or more.
ATTEMPT_BUCKETS = 7
ATTEMPT_LAST = ATTEMPT_BUCKETS - 1

# Upper bounds of the time-to-recover histogram (time from the first failure to the payment). The
# cohorts' "after 1, 3, 7, 14, 30 days" are bounds, so those shares are exact; the last bucket is
# everything beyond 60 days.
TTR_BOUNDS: tuple[tuple[str, timedelta], ...] = (
    ("15m", timedelta(minutes=15)),
    ("1h", timedelta(hours=1)),
    ("4h", timedelta(hours=4)),
    ("12h", timedelta(hours=12)),
    ("1d", timedelta(days=1)),
    ("2d", timedelta(days=2)),
    ("3d", timedelta(days=3)),
    ("5d", timedelta(days=5)),
    ("7d", timedelta(days=7)),
    ("10d", timedelta(days=10)),
    ("14d", timedelta(days=14)),
    ("21d", timedelta(days=21)),
    ("30d", timedelta(days=30)),
    ("60d", timedelta(days=60)),
)
COHORT_DAYS = (1, 3, 7, 14, 30)

STATUS_MEASURES = ("failed", "recovered", "in_progress", "abandoned", "cancelled", "refunded")


def credit_field(credit: Credit, measure: str) -> str:
    return f"credit_{credit.value}_{measure}"


def attempt_field(bucket: int, measure: str) -> str:
    return f"recovered_after_{bucket}_{measure}"


def ttr_field(index: int) -> str:
    """The histogram bucket `index` (0 … len(TTR_BOUNDS)); the last one has no upper bound."""
    return f"ttr_le_{TTR_BOUNDS[index][0]}" if index < len(TTR_BOUNDS) else f"ttr_gt_{TTR_BOUNDS[-1][0]}"


# Every counter of a rollup row, in a fixed order: the columns of the table and of rebuilds.
COUNTERS: tuple[str, ...] = (
    *(f"{status}_{measure}" for status in STATUS_MEASURES for measure in ("count", "amount")),
    *(credit_field(credit, measure) for credit in Credit for measure in ("count", "amount")),
    *(attempt_field(bucket, measure) for bucket in range(ATTEMPT_BUCKETS) for measure in ("count", "amount")),
    *(ttr_field(index) for index in range(len(TTR_BOUNDS) + 1)),
)


def ttr_bucket(elapsed: timedelta) -> int:
    """The histogram bucket of a time to recover (a payment dated before the failure counts as 0)."""
    for index, (_, bound) in enumerate(TTR_BOUNDS):
        if elapsed <= bound:
            return index
    return len(TTR_BOUNDS)


def share_within_days(histogram: Sequence[int], days: int) -> int:
    """Recoveries within `days` days of the failure: the buckets up to that bound (one of COHORT_DAYS)."""
    last = next(index for index, (_, bound) in enumerate(TTR_BOUNDS) if bound == timedelta(days=days))
    return sum(histogram[: last + 1])


def median_seconds(histogram: Sequence[int]) -> int | None:
    """The median time to recover, interpolated linearly inside the bucket that holds it; None when
    nothing was recovered. Past the last bound it is that bound (the histogram knows no more)."""
    total = sum(histogram)
    if total == 0:
        return None
    rank = total / 2
    seen = 0
    lower = 0.0
    for index, count in enumerate(histogram):
        if index == len(TTR_BOUNDS):
            return int(lower)
        upper = TTR_BOUNDS[index][1].total_seconds()
        if count and seen + count >= rank:
            return round(lower + (rank - seen) / count * (upper - lower))
        seen += count
        lower = upper
    return int(lower)
