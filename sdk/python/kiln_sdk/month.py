"""Calendar months as the data set writes them (``YYYY-MM``), as integers that sort and
subtract: ``year * 12 + (month - 1)``, so the same month a year earlier is ``m - 12``.

The same functions as the Rust SDK's ``kiln_sdk::month``, with the same errors.
"""

from .errors import InvalidData

_DIGITS = frozenset("0123456789")


def parse(text: str) -> int:
    """Parses ``YYYY-MM``; :class:`InvalidData` for anything else."""
    # ASCII digits only (str.isdigit would take other scripts' digits too).
    if len(text) != 7 or text[4] != "-" or not _DIGITS.issuperset(text[:4] + text[5:]):
        raise InvalidData(f"month `{text}` is not YYYY-MM")
    month = int(text[5:])
    if not 1 <= month <= 12:
        raise InvalidData(f"month `{text}` is not YYYY-MM")
    return int(text[:4]) * 12 + month - 1


def format(month: int) -> str:
    """Formats a month from :func:`parse` back as ``YYYY-MM``."""
    year, m = divmod(month, 12)
    return f"{year % 10000:04d}-{m + 1:02d}"
