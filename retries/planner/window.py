"""Local-time arithmetic: the send window and pay days, in a zone, safe across DST changes.

Every candidate is built as a local wall-clock time, converted to UTC, and converted back to check
that it really is inside the window: a start that falls in a DST gap (02:30 on a spring-forward
night) comes back as another hour, and is then moved to the next day that has it.

The candidates of a search depend only on its first local day, the window or pay days, and the
zone: each search's are worked out once and remembered (a few hundred days at most), and every
call still picks among them against its own moment.
"""

from __future__ import annotations

import calendar
import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from retries.planner.policy import SendWindow

# The longest run of days a window can be closed: a weekend, a DST gap, a margin.
_SEARCH_DAYS = 10
# Pay days are searched this far ahead: every month has the 1st … 28th.
_PAY_DAY_SEARCH_DAYS = 62
# Searches remembered: one per first day, window or pay days, and zone in use.
_REMEMBERED_SEARCHES = 512
# A pay day's morning: from the policy's pay-day time, this long. A re-charge that may not go
# before a moment inside it (a decline's cooldown ends at 09:06) goes then, not a fortnight later.
PAY_DAY_MORNING = timedelta(hours=3)


def in_window(moment: datetime, window: SendWindow, zone: ZoneInfo) -> bool:
    """Whether `moment` (aware) falls inside the window in `zone`'s local time."""
    return _local_in_window(moment.astimezone(zone), window)


def _local_in_window(local: datetime, window: SendWindow) -> bool:
    if window.weekdays_only and local.weekday() >= calendar.SATURDAY:
        return False
    return window.start <= local.time() < window.end


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_open(moment: datetime, window: SendWindow, zone: ZoneInfo) -> datetime:
    """`moment` if it is inside the window, else the window's next opening after it (UTC)."""
    local = moment.astimezone(zone)
    if _local_in_window(local, window):
        return moment
    for candidate in _openings(local.date(), window, zone):
        if candidate > moment:
            return candidate
    raise ValueError(f"The send window {window.start}-{window.end} never opens in {zone.key}.")


@functools.lru_cache(maxsize=_REMEMBERED_SEARCHES)
def _openings(first_day: date, window: SendWindow, zone: ZoneInfo) -> tuple[datetime, ...]:
    """The window's openings from `first_day` on that really are inside it, in order."""
    candidates = (_local(first_day + timedelta(days=offset), window.start, zone) for offset in range(_SEARCH_DAYS))
    return tuple(candidate for candidate in candidates if in_window(candidate, window, zone))


def next_pay_day(earliest: datetime, pay_days: tuple[int, ...], at: time, zone: ZoneInfo) -> datetime:
    """The first pay day's morning, at local time `at`, no earlier than `earliest` (UTC); or
    `earliest` itself when it falls inside a pay day's morning (`PAY_DAY_MORNING` from `at`).

    A pay day past the month's end (the 31st in April) is that month's last day.
    """
    for candidate in _pay_days(earliest.astimezone(zone).date(), pay_days, at, zone):
        if candidate >= earliest:
            return candidate
        if earliest < candidate + PAY_DAY_MORNING:
            return earliest
    raise ValueError(f"No pay day among {pay_days} in the next {_PAY_DAY_SEARCH_DAYS} days.")


@functools.lru_cache(maxsize=_REMEMBERED_SEARCHES)
def _pay_days(first_day: date, pay_days: tuple[int, ...], at: time, zone: ZoneInfo) -> tuple[datetime, ...]:
    """Every pay day at local time `at` in the search from `first_day`, in order."""
    candidates: list[datetime] = []
    for offset in range(_PAY_DAY_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        month_length = calendar.monthrange(day.year, day.month)[1]
        if day.day in {min(pay_day, month_length) for pay_day in pay_days}:
            candidates.append(_local(day, at, zone))
    return tuple(candidates)
