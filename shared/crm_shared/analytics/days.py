"""Calendar helpers for daily and monthly analytics (UTC days, UTC months)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone


def day_of(at: datetime) -> date:
    """The UTC calendar day of an aware datetime."""
    return at.astimezone(timezone.utc).date()


def day_start(day: date) -> datetime:
    """00:00 UTC of `day`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included (empty when first > last)."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def month_key(at: datetime) -> str:
    """``YYYY-MM`` of the UTC month `at` falls in."""
    at = at.astimezone(timezone.utc)
    return f"{at.year:04d}-{at.month:02d}"


def month_start(year: int, month: int) -> datetime:
    """00:00 UTC on the first day of a month (month may overflow by one year)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=timezone.utc)


def month_ends(cohort: str, now: datetime) -> list[datetime]:
    """The instants closing month 0, 1, 2 … of a ``YYYY-MM`` cohort up to `now`.

    Month k closes at the start of the following month; the month containing
    `now` closes at `now` (its figures are "as of now")."""
    year, month = (int(p) for p in cohort.split("-"))
    ends: list[datetime] = []
    k = 1
    while True:
        end = month_start(year, month + k)
        if end >= now:
            ends.append(now)
            return ends
        ends.append(end)
        k += 1
