"""Batches, dictionary columns and scans."""

import pytest

from kiln_sdk import Batch, Column, InvalidData
from kiln_sdk.scan import DictDelta, Scan, read_all


def test_typed_getters_refuse_the_wrong_type():
    batch = Batch().with_f64("x", [1.0, 2.0]).with_str("s", ["a", "b"])
    assert batch.f64("x") == [1.0, 2.0]
    with pytest.raises(InvalidData, match="is f64, not s64"):
        batch.s64("x")
    for getter in (batch.f64, batch.bool, batch.timestamp):
        with pytest.raises(InvalidData):
            getter("s")
    with pytest.raises(InvalidData):
        batch.dict("x")
    with pytest.raises(InvalidData, match="no column `y`"):
        batch.str("y")


def test_integer_columns_widen_to_f64_once():
    batch = Batch().with_s64("n", [1, 2])
    assert batch.f64("n") == [1.0, 2.0] and all(isinstance(v, float) for v in batch.f64("n"))
    assert batch.f64("n") is batch.f64("n")
    assert batch.s64("n") == [1, 2]


def test_none_makes_nulls_and_rows_without_nulls_combines_them():
    batch = Batch().with_f64("x", [1.0, None, 3.0]).with_str("s", [None, "b", "c"]).with_bool("ok", [True] * 3)
    assert batch.f64("x") == [1.0, 0.0, 3.0]
    assert batch.validity("x") == [True, False, True]
    assert not batch.is_valid("s", 0) and batch.is_valid("ok", 0)
    assert batch.rows_without_nulls(["x", "s"]) == [False, False, True]
    assert batch.rows_without_nulls(["ok"]) is None
    assert batch.to_pydict()["x"] == [1.0, None, 3.0]


def test_ragged_and_duplicate_columns_are_refused():
    with pytest.raises(ValueError):
        Batch().with_f64("a", [1.0]).with_f64("b", [])
    with pytest.raises(ValueError):
        Batch().with_f64("a", [1.0]).with_s64("a", [1])
    with pytest.raises(ValueError):
        Batch().with_f64("a", [1.0, 2.0], validity=[True])


def test_an_output_code_past_its_dictionary_is_refused():
    Batch().with_dict("x", ["a", "b"], [0, 1, 1])
    with pytest.raises(InvalidData, match="code 2 at row 1"):
        Batch().with_dict("x", ["a", "b"], [0, 2])


def test_string_and_dict_columns_read_alike():
    batch = Batch().with_str("plain", ["b", "a", "b"]).with_dict("coded", ["a", "b"], [1, 0, 1])
    assert batch.str("plain") == batch.str("coded") == ["b", "a", "b"]
    assert batch.dict("plain").codes == [0, 1, 0]
    assert batch.dict("coded").codes == [1, 0, 1]
    assert batch.column("plain").values() == batch.column("coded").values()
    assert Batch().with_str("s", ["b", "a"]) == Batch().with_dict("s", ["a", "b"], [1, 0])


def test_slice_and_project():
    batch = Batch().with_f64("x", [1.0, None, 3.0]).with_dict("s", ["a", "b"], [0, 1, 0])
    part = batch.slice(1, 3)
    assert part.num_rows == 2 and part.to_pydict() == {"x": [None, 3.0], "s": ["b", "a"]}
    assert batch.project(["s"]).column_names == ["s"]
    with pytest.raises(InvalidData):
        batch.project(["nope"])


class Batches:
    """A batch source over a list, recording whether it was closed."""

    def __init__(self, batches):
        self.batches = list(batches)
        self.closed = False

    def next_batch(self):
        return self.batches.pop(0) if self.batches else None

    def close(self):
        self.closed = True


def delta(base, values, codes):
    return Batch([Column("id", "dict", DictDelta(base, values, codes))])


def test_codes_hold_across_dictionary_and_plain_batches():
    source = Batches([delta(0, ["E1", "E2"], [0, 1]), delta(2, ["E3"], [2, 0]), Batch().with_str("id", ["E3", "E9", "E1"])])
    scan = Scan(source)
    codes, strs = [], []
    for batch in scan:
        codes += batch.dict("id").codes
        strs += batch.str("id")
        assert len(batch.dict("id").values) >= max(batch.dict("id").codes) + 1
    assert codes == [0, 1, 2, 0, 2, 3, 0]
    assert strs == ["E1", "E2", "E3", "E1", "E3", "E9", "E1"]
    assert scan.dictionary("id") == ["E1", "E2", "E3", "E9"]
    assert scan.dictionary("other") == []
    assert source.closed


def test_a_dictionary_batch_must_continue_the_scans_dictionary():
    # Plain strings encoded by dict() took codes 0 and 1: a batch numbering from 0 again is malformed.
    scan = Scan(Batches([Batch().with_str("id", ["b", "a"]), delta(0, [], [])]))
    first = next(scan)
    assert first.dict("id").codes == [0, 1]
    with pytest.raises(InvalidData, match="starts at code 0"):
        next(scan)


def test_a_malformed_dictionary_batch_is_invalid_data():
    scan = Scan(Batches([delta(0, ["a"], [0]), delta(5, ["b"], [0])]))
    next(scan)
    with pytest.raises(InvalidData):
        next(scan)
    with pytest.raises(InvalidData, match="past a dictionary of 1"):
        next(Scan(Batches([delta(0, ["a"], [0, 1])])))


def test_read_all_joins_coded_and_plain_batches_by_code():
    nulls = Batch([Column("id", "string", ["c", ""], [True, False]), Column("x", "f64", [3.0, 4.0])])
    source = Batches([
        Batch([Column("id", "dict", DictDelta(0, ["a", "b"], [0, 1])), Column("x", "f64", [1.0, 2.0])]),
        nulls,
    ])
    all_ = read_all(Scan(source))
    assert all_.dict("id").codes == [0, 1, 2, 3]
    assert all_.to_pydict() == {"id": ["a", "b", "c", None], "x": [1.0, 2.0, 3.0, 4.0]}


def test_a_scan_left_early_releases_its_source():
    source = Batches([delta(0, ["a"], [0]), delta(1, ["b"], [1])])
    scan = Scan(source)
    for _ in scan:
        break
    assert not source.closed
    del scan  # CPython frees it now: the host's scan resource goes with it
    assert source.closed
