"""A scan: the batches of one dataset, with each string column's dictionary kept for the whole
scan so that its codes mean the same string in every batch."""

from __future__ import annotations

from typing import Dict as TDict, Iterator, List, Optional, Protocol

from .batch import Batch, Column, Dict, check_codes
from .errors import InvalidData


class DictDelta:
    """A dictionary column as a source sends it (the contract's form): the ``values`` this
    batch adds to the scan's dictionary, numbered from ``base``, and ``codes`` into everything
    the scan has sent on the column so far. Only sources and :class:`Scan` see it."""

    __slots__ = ("base", "values", "codes")

    def __init__(self, base: int, values: List[str], codes: List[int]):
        self.base = base
        self.values = values
        self.codes = codes

    def __len__(self) -> int:
        return len(self.codes)


class BatchSource(Protocol):
    """Where a scan's batches come from: the host, or the native test harness."""

    def next_batch(self) -> Optional[Batch]:
        """The next batch (dictionary columns as :class:`DictDelta`), or ``None`` at the end."""

    def close(self) -> None:
        """Releases the source; called once the scan is done."""


class ScanDictionary:
    """One string column's dictionary for a scan: every value seen, in order of first sight."""

    __slots__ = ("name", "values", "_index")

    def __init__(self, name: str):
        self.name = name
        #: Code ``c`` is ``values[c]``; only ever appended to.
        self.values: List[str] = []
        # value → code, built only when a plain column must be encoded (most scans never need it).
        self._index: Optional[TDict[str, int]] = None

    def apply(self, delta: DictDelta) -> Dict:
        """Adds a batch's new values and returns its column as codes into the whole dictionary."""
        if delta.base != len(self.values):
            raise InvalidData(
                f"column `{self.name}`: a dictionary batch starts at code {delta.base}, "
                f"but the scan holds {len(self.values)} values"
            )
        if delta.values:
            if self._index is not None:
                index = self._index
                for code, value in enumerate(delta.values, len(self.values)):
                    index.setdefault(value, code)
            self.values.extend(delta.values)
        check_codes(self.name, delta.codes, len(self.values), unsigned=True)
        return Dict(self.values, delta.codes)

    def encode(self, strings: List[str]) -> Dict:
        """Codes for plain ``strings``, adding values not yet in the dictionary."""
        index = self._index
        if index is None:
            index = self._index = {}
            for code, value in enumerate(self.values):
                index.setdefault(value, code)
        values = self.values
        codes = []
        push = codes.append
        get = index.get
        for s in strings:
            code = get(s)
            if code is None:
                code = index[s] = len(values)
                values.append(s)
            push(code)
        return Dict(values, codes)


class Scan:
    """An iterator over the batches of one dataset (from :meth:`Context.scan`).

    String columns come dictionary-encoded (see :meth:`Batch.dict`) into one dictionary per
    column held here; :meth:`dictionary` gives it, also once the scan is done. The scan
    releases its host resource when exhausted; use it as a context manager (or call
    :meth:`close`) to release it earlier.
    """

    def __init__(self, source: BatchSource):
        self._source: Optional[BatchSource] = source
        self._dictionaries: TDict[str, ScanDictionary] = {}

    def __iter__(self) -> Iterator[Batch]:
        return self

    def __next__(self) -> Batch:
        if self._source is None:
            raise StopIteration
        batch = self._source.next_batch()
        if batch is None:
            self.close()
            raise StopIteration
        return self._resolve(batch)

    def _dictionary(self, name: str) -> ScanDictionary:
        dictionary = self._dictionaries.get(name)
        if dictionary is None:
            dictionary = self._dictionaries[name] = ScanDictionary(name)
        return dictionary

    def _resolve(self, batch: Batch) -> Batch:
        """Applies a source batch's dictionary columns to the scan's dictionaries and links
        its plain string columns to them."""
        for column in batch.columns:
            if column.kind == "dict" and isinstance(column.data, DictDelta):
                column.data = self._dictionary(column.name).apply(column.data)
            elif column.kind == "string":
                self._dictionary(column.name)
        batch._dictionaries = self._dictionaries
        return batch

    def dictionary(self, column: str) -> List[str]:
        """The dictionary of string column ``column`` so far: every value any batch of the scan
        has coded, code ``c`` at index ``c``. Empty before the column has been seen. It is the
        scan's own list: do not modify it."""
        dictionary = self._dictionaries.get(column)
        return dictionary.values if dictionary is not None else []

    def close(self) -> None:
        """Releases the scan's source (the host's scan resource)."""
        source, self._source = self._source, None
        if source is not None:
            source.close()

    def __del__(self) -> None:
        # A scan dropped before its end (a loop left early) releases its host resource now,
        # not whenever the component's resource table is swept.
        try:
            self.close()
        except Exception:  # pragma: no cover - nothing to do about it in a finalizer
            pass

    def __enter__(self) -> "Scan":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_all(scan: Scan) -> Batch:
    """Every batch of ``scan`` joined into one; string columns come out as one dictionary
    column with the scan's codes."""
    names: Optional[List[str]] = None
    parts: TDict[str, list] = {}
    validity: TDict[str, Optional[List[bool]]] = {}
    kinds: TDict[str, str] = {}
    rows = 0
    for batch in scan:
        if names is None:
            names = batch.column_names
            for c in batch.columns:
                kinds[c.name] = "dict" if c.kind in ("dict", "string") else c.kind
                parts[c.name] = []
                validity[c.name] = None
        for c in batch.columns:
            kind = kinds[c.name]
            if kind == "dict":
                parts[c.name].extend(batch.dict(c.name).codes)
            elif c.kind != kind:
                raise InvalidData(f"column `{c.name}` changed type between batches")
            else:
                parts[c.name].extend(c.data)
            have = validity[c.name]
            if c.validity is not None or have is not None:
                if have is None:
                    have = validity[c.name] = [True] * rows
                have.extend(c.validity if c.validity is not None else [True] * len(c))
        rows += batch.num_rows
    columns = []
    for name in names or []:
        data = parts[name]
        if kinds[name] == "dict":
            data = Dict(scan.dictionary(name), data)
        columns.append(Column(name, kinds[name], data, validity[name]))
    return Batch(columns)
