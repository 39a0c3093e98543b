"""Columnar batches: how a plugin reads data and builds output tables.

A column is a plain Python ``list`` (floats, ints, strs, bools; timestamps as int
nanoseconds), as componentize-py hands them over, so reading a batch creates no object per
row. String columns from a scan come dictionary-encoded: see :class:`Dict`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict as TDict, Iterable, List, Optional, Sequence

from .errors import InvalidData
from .info import ValueType

if TYPE_CHECKING:  # pragma: no cover
    from .scan import ScanDictionary

#: Column kinds as the contract's `column-data` names them; ``dict`` holds strings.
KINDS = ("f64", "s64", "string", "bool", "timestamp", "dict")


def kind_type(kind: str) -> ValueType:
    """The value type of a column kind (a ``dict`` column holds strings)."""
    return ValueType.STRING if kind == "dict" else ValueType(kind)


class Dict:
    """A string column as ``codes`` into ``values``: row ``i`` is ``values[codes[i]]``.

    In a scan, ``values`` is the scan's dictionary for the column so far (the same list object
    in every batch, growing as batches add values), so a code means the same string in every
    batch: keep per-id state in a list indexed by code and sized by ``len(values)``.
    """

    __slots__ = ("values", "codes")

    def __init__(self, values: List[str], codes: List[int]):
        #: The dictionary: code ``c`` is ``values[c]``.
        self.values = values
        #: One code per row.
        self.codes = codes

    def __len__(self) -> int:
        return len(self.codes)

    def strings(self) -> List[str]:
        """The rows as strings (shared ``str`` objects, no copies)."""
        values = self.values
        return [values[c] for c in self.codes]

    def __eq__(self, other: object) -> bool:
        # Equal when the rows hold the same strings, whatever their codes.
        return isinstance(other, Dict) and self.strings() == other.strings()

    def __repr__(self) -> str:
        return f"Dict(values={self.values!r}, codes={self.codes!r})"


def check_codes(name: str, codes: Sequence[int], size: int, unsigned: bool = False) -> None:
    """Refuses a code outside ``0..size``: one C-level pass for the maximum, and one for the
    minimum unless the codes are ``unsigned`` (a host's u32s), since a negative code would
    index from the end of a Python list."""
    if codes and (max(codes) >= size or (not unsigned and min(codes) < 0)):
        bad = next(c for c in codes if c >= size or c < 0)
        row = codes.index(bad)
        raise InvalidData(f"column `{name}`: code {bad} at row {row} is past a dictionary of {size} values")


class Column:
    """One named column: its kind (see :data:`KINDS`), its values, and validity.

    ``validity`` is ``None`` when every row holds a value, else one bool per row, ``False``
    where the row is null (the value there is then meaningless).
    """

    __slots__ = ("name", "kind", "data", "validity")

    def __init__(self, name: str, kind: str, data: Any, validity: Optional[List[bool]] = None):
        self.name = name
        self.kind = kind
        self.data = data
        self.validity = validity

    @property
    def type(self) -> ValueType:
        """The column's value type."""
        return kind_type(self.kind)

    def __len__(self) -> int:
        return len(self.data)

    def has_nulls(self) -> bool:
        """Whether any row is null."""
        return self.validity is not None and False in self.validity

    def values(self) -> list:
        """The rows as Python values, ``None`` where null (strings looked up for a dict)."""
        data = self.data.strings() if self.kind == "dict" else self.data
        if self.validity is None:
            return list(data)
        return [v if ok else None for v, ok in zip(data, self.validity)]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Column) and self.name == other.name and self.type == other.type and (
            self.values() == other.values()
        )

    def __repr__(self) -> str:
        return f"Column({self.name!r}, {self.kind!r}, {self.values()!r})"


def _split_nulls(values: Iterable[Any], fill: Any, validity: Optional[List[bool]]):
    """``values`` as a list with ``None`` replaced by ``fill``, and the validity it implies.

    An explicit ``validity`` wins; a list without ``None`` gets ``None`` (no nulls) at the
    cost of one C-level scan.
    """
    values = values if isinstance(values, list) else list(values)
    if validity is not None:
        return values, list(validity)
    if None not in values:
        return values, None
    return [fill if v is None else v for v in values], [v is not None for v in values]


class Batch:
    """Columns of equal length: a slice of a dataset, or an output table.

    Read a scan's batch with the typed getters (:meth:`f64`, :meth:`s64`, :meth:`str`,
    :meth:`dict`, ...); build an output table by chaining ``with_*`` calls::

        Batch().with_str("enterprise_id", ids).with_f64("kwh", totals)
    """

    def __init__(self, columns: Optional[List[Column]] = None):
        self._columns: List[Column] = []
        self._index: TDict[str, int] = {}
        self._rows = 0
        # Worked out on first use, by column index: an s64 column widened to floats, a plain
        # string column's codes in the scan's dictionary.
        self._widened: TDict[int, List[float]] = {}
        self._encoded: TDict[int, Dict] = {}
        # The scan's dictionaries, which plain string columns encode into (None outside a scan).
        self._dictionaries: Optional[TDict[str, "ScanDictionary"]] = None
        for column in columns or []:
            self._push(column)

    # -- reading ---------------------------------------------------------------------------

    @property
    def num_rows(self) -> int:
        """The number of rows."""
        return self._rows

    def __len__(self) -> int:
        return self._rows

    @property
    def columns(self) -> List[Column]:
        """The columns, in order."""
        return self._columns

    @property
    def column_names(self) -> List[str]:
        """The columns' names, in order."""
        return [c.name for c in self._columns]

    def column(self, name: str) -> Column:
        """The column called ``name``; :class:`InvalidData` if there is none."""
        return self._columns[self._at(name)]

    def _at(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise InvalidData(f"no column `{name}` in batch") from None

    def _typed(self, name: str, *kinds: str) -> Column:
        column = self.column(name)
        if column.kind not in kinds:
            raise InvalidData(f"column `{name}` is {column.type.value}, not {kinds[0]}")
        return column

    def f64(self, name: str) -> List[float]:
        """The values of an f64 column. An s64 column is widened to floats (once, on first
        use), since CSV files type whole numbers as integers."""
        at = self._at(name)
        column = self._columns[at]
        if column.kind == "f64":
            return column.data
        if column.kind == "s64":
            widened = self._widened.get(at)
            if widened is None:
                widened = self._widened[at] = list(map(float, column.data))
            return widened
        raise InvalidData(f"column `{name}` is {column.type.value}, not f64")

    def s64(self, name: str) -> List[int]:
        """The values of an s64 column."""
        return self._typed(name, "s64").data

    def bool(self, name: str) -> List[bool]:
        """The values of a bool column."""
        return self._typed(name, "bool").data

    def timestamp(self, name: str) -> List[int]:
        """The values of a timestamp column, in nanoseconds since the Unix epoch."""
        return self._typed(name, "timestamp").data

    def str(self, name: str) -> List[str]:
        """The rows of a string column as ``str``, whether it came plain or dictionary-encoded."""
        column = self._typed(name, "string", "dict")
        return column.data.strings() if column.kind == "dict" else column.data

    def dict(self, name: str) -> Dict:
        """A string column as codes into the scan's dictionary (see :class:`Dict`).

        Columns the host sends dictionary-encoded cost nothing here; a plain one (past the
        host's dictionary bound) is encoded into the same scan dictionary on first call, so
        ``dict()`` always works and a code never changes meaning within a scan.
        """
        at = self._at(name)
        column = self._columns[at]
        if column.kind == "dict":
            return column.data
        if column.kind != "string":
            raise InvalidData(f"column `{name}` is {column.type.value}, not string")
        encoded = self._encoded.get(at)
        if encoded is None:
            from .scan import ScanDictionary  # here: scan.py imports this module

            # Outside a scan, a dictionary of this batch alone.
            dictionaries = self._dictionaries if self._dictionaries is not None else {}
            dictionary = dictionaries.get(name)
            if dictionary is None:
                dictionary = dictionaries[name] = ScanDictionary(name)
            encoded = self._encoded[at] = dictionary.encode(column.data)
        return encoded

    def validity(self, name: str) -> Optional[List[bool]]:
        """Column ``name``'s validity: ``None`` without nulls, else ``False`` at each null row."""
        return self.column(name).validity

    def is_valid(self, name: str, row: int) -> bool:
        """Whether row ``row`` of column ``name`` holds a value."""
        validity = self.column(name).validity
        return validity is None or validity[row]

    def rows_without_nulls(self, names: Sequence[str]) -> Optional[List[bool]]:
        """Which rows hold a value in every one of ``names``; ``None`` when none has nulls."""
        usable: Optional[List[bool]] = None
        for name in names:
            validity = self.column(name).validity
            if validity is None:
                continue
            usable = list(validity) if usable is None else [a and b for a, b in zip(usable, validity)]
        return usable

    def to_pydict(self) -> TDict[str, list]:
        """Every column as a list of Python values, ``None`` where null."""
        return {c.name: c.values() for c in self._columns}

    # -- building --------------------------------------------------------------------------

    def _push(self, column: Column) -> None:
        if column.name in self._index:
            raise ValueError(f"column `{column.name}` appears twice")
        if column.kind not in KINDS:
            raise ValueError(f"column `{column.name}`: unknown kind {column.kind!r}")
        rows = len(column.data)
        if self._columns and rows != self._rows:
            raise ValueError(f"column `{column.name}` has {rows} rows but the batch has {self._rows}")
        if column.validity is not None and len(column.validity) != rows:
            raise ValueError(f"column `{column.name}` has {len(column.validity)} validity flags for {rows} rows")
        self._rows = rows
        self._index[column.name] = len(self._columns)
        self._columns.append(column)

    def with_column(self, column: Column) -> "Batch":
        """Appends a column. ``ValueError`` if its length differs from the batch's."""
        self._push(column)
        return self

    def with_f64(self, name: str, values: Iterable[Optional[float]], validity: Optional[List[bool]] = None) -> "Batch":
        """Appends an f64 column; ``None`` entries (or ``validity``) make nulls."""
        values, validity = _split_nulls(values, 0.0, validity)
        return self.with_column(Column(name, "f64", values, validity))

    def with_s64(self, name: str, values: Iterable[Optional[int]], validity: Optional[List[bool]] = None) -> "Batch":
        """Appends an s64 column; ``None`` entries (or ``validity``) make nulls."""
        values, validity = _split_nulls(values, 0, validity)
        return self.with_column(Column(name, "s64", values, validity))

    def with_str(self, name: str, values: Iterable[Optional[str]], validity: Optional[List[bool]] = None) -> "Batch":
        """Appends a string column; ``None`` entries (or ``validity``) make nulls."""
        values, validity = _split_nulls(values, "", validity)
        return self.with_column(Column(name, "string", values, validity))

    def with_dict(
        self, name: str, values: Sequence[str], codes: Iterable[int], validity: Optional[List[bool]] = None
    ) -> "Batch":
        """Appends a string column as ``codes`` into ``values``: each distinct string is sent
        once, so an output repeating ids row after row carries each id once (the host expands
        it). ``values`` may be a scan's dictionary. ``InvalidData`` on a code past ``values``.
        """
        values = values if isinstance(values, list) else list(values)
        codes = codes if isinstance(codes, list) else list(codes)
        check_codes(name, codes, len(values))
        return self.with_column(Column(name, "dict", Dict(values, codes), None if validity is None else list(validity)))

    def with_bool(self, name: str, values: Iterable[Optional[bool]], validity: Optional[List[bool]] = None) -> "Batch":
        """Appends a bool column; ``None`` entries (or ``validity``) make nulls."""
        values, validity = _split_nulls(values, False, validity)
        return self.with_column(Column(name, "bool", values, validity))

    def with_timestamp(
        self, name: str, values: Iterable[Optional[int]], validity: Optional[List[bool]] = None
    ) -> "Batch":
        """Appends a timestamp column (int nanoseconds); ``None`` entries make nulls."""
        values, validity = _split_nulls(values, 0, validity)
        return self.with_column(Column(name, "timestamp", values, validity))

    # -- slicing ---------------------------------------------------------------------------

    def project(self, names: Sequence[str]) -> "Batch":
        """Only ``names``, in that order; :class:`InvalidData` for a missing one."""
        return Batch([self.column(n) for n in names])

    def slice(self, start: int, end: int) -> "Batch":
        """Rows ``start:end`` as a new batch (dictionary columns share their dictionary)."""
        columns = []
        for c in self._columns:
            data = Dict(c.data.values, c.data.codes[start:end]) if c.kind == "dict" else c.data[start:end]
            columns.append(Column(c.name, c.kind, data, None if c.validity is None else c.validity[start:end]))
        return Batch(columns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Batch) and self._rows == other._rows and self._columns == other._columns

    def __repr__(self) -> str:
        return f"Batch({self.num_rows} rows: {', '.join(f'{c.name} {c.type.value}' for c in self._columns)})"
