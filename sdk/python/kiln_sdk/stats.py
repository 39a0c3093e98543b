"""Small numeric building blocks plugins keep needing, matching the Rust SDK's results."""

from typing import List, Optional


def median(values: List[float]) -> Optional[float]:
    """The median of ``values`` (an even count gives the mean of the two middle values);
    ``None`` when empty. Does not modify ``values``.

    The value is the Rust SDK's ``stats::median`` bit for bit: the middle values of the sorted
    list, and ``(lower + upper) / 2`` for an even count.
    """
    n = len(values)
    if n == 0:
        return None
    ordered = sorted(values)
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2.0
