"""How the planner words times, durations and amounts in its reasons."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_CHANNEL_NAMES = {"auto_charge": "re-charge"}
_METHOD_NAMES = {"upi": "UPI"}


def channel_name(channel: str) -> str:
    """`re-charge`, `email`."""
    return _CHANNEL_NAMES.get(channel, channel)


def method_name(method: str) -> str:
    """`UPI`, `card`, `netbanking`."""
    return _METHOD_NAMES.get(method, method)


# Plans made together name the same few moments (a send window's next opening, a pay day).
@functools.lru_cache(maxsize=1024)
def moment(at: datetime, zone: ZoneInfo) -> str:
    """`at` as a person in `zone` reads it: `Mon 2 Dec 09:00 Asia/Kolkata`."""
    local = at.astimezone(zone)
    return f"{_day(local.date())} {local.hour:02d}:{local.minute:02d} {zone.key}"


@functools.lru_cache(maxsize=1024)
def _day(day: date) -> str:
    """`Mon 2 Dec`: strftime's names are slow to look up, and plans name the same few days."""
    return f"{day:%a} {day.day} {day:%b}"


@functools.lru_cache(maxsize=1024)
def clock(at: datetime, zone: ZoneInfo) -> str:
    """`09:00 Asia/Kolkata`."""
    local = at.astimezone(zone)
    return f"{local.hour:02d}:{local.minute:02d} {zone.key}"


def duration(span: timedelta) -> str:
    """`15 minutes`, `1 hour 30 minutes`, `2 days 4 hours` (the two largest units)."""
    seconds = int(span.total_seconds())
    parts: list[str] = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts[:2]) or "under a minute"


def hours(span: timedelta) -> str:
    """`26 h`, `36 h 5 min`."""
    whole, rest = divmod(int(span.total_seconds()), 3600)
    minutes = rest // 60
    return f"{whole} h {minutes} min" if minutes else f"{whole} h"


def ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def rupees(paise: int) -> str:
    """Whole rupees grouped the Indian way: 1500000 → `₹15,000`, 10000000 → `₹1,00,000`."""
    digits = str(paise // 100)
    head, tail = digits[:-3], digits[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return "₹" + ",".join([*groups, tail])
