//! Dictionary encoding of a scan's string columns, as contract 0.2.0 sends them: each distinct
//! value once per scan, and a `u32` code per row that means the same string in every batch.
//!
//! Sources that store dictionaries (Parquet's dictionary pages) hand over each batch's own
//! dictionary, which is mapped into the scan's once per distinct dictionary, not per row; plain
//! string columns are hashed row by row. The host holds every scan dictionary of a run within
//! one [`DictBudget`]; a column whose dictionary would pass it goes on as plain strings for the
//! rest of its scan (the guest's SDK then encodes it itself, in the guest's own memory).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{BatchStream, DataError};
use crate::model::{Batch, ColumnData, Dict, Strings};

/// The most bytes one run's scan dictionaries may hold on the host: each value's bytes plus
/// [`ENTRY_OVERHEAD`] for its index entry.
pub const MAX_DICT_BYTES: u64 = 32 << 20;

/// What an index entry costs beside the value's bytes: the boxed key, its code, the table's
/// control byte and slack.
const ENTRY_OVERHEAD: u64 = 48;

/// The dictionary memory one run's scans share, returned as their dictionaries are dropped.
#[derive(Debug, Clone)]
pub struct DictBudget {
    used: Arc<AtomicU64>,
    limit: u64,
}

impl Default for DictBudget {
    fn default() -> Self {
        DictBudget::new(MAX_DICT_BYTES)
    }
}

impl DictBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Self {
        DictBudget { used: Arc::new(AtomicU64::new(0)), limit }
    }

    fn take(&self, bytes: u64) -> bool {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.limit)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: u64) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// Wraps `stream` so its string columns come out as scan-stable dictionary columns, within the
/// default [`DictBudget`]: what a 0.2.0 guest receives, for native runs that should see the same.
pub fn encode_dictionaries(stream: Box<dyn BatchStream>) -> Box<dyn BatchStream> {
    encode_dictionaries_within(stream, DictBudget::default())
}

/// [`encode_dictionaries`] charging `budget`, shared with the run's other scans.
pub fn encode_dictionaries_within(stream: Box<dyn BatchStream>, budget: DictBudget) -> Box<dyn BatchStream> {
    Box::new(Encoder { inner: stream, columns: Vec::new(), budget })
}

struct Encoder {
    inner: Box<dyn BatchStream>,
    /// One per column position (a scan's projection is fixed); `None` until a string arrives.
    columns: Vec<Option<ColumnDict>>,
    budget: DictBudget,
}

impl BatchStream for Encoder {
    fn next_batch(&mut self) -> Result<Option<Batch>, DataError> {
        let Some(mut batch) = self.inner.next_batch()? else {
            return Ok(None);
        };
        if self.columns.len() < batch.columns.len() {
            self.columns.resize_with(batch.columns.len(), || None);
        }
        for (column, slot) in batch.columns.iter_mut().zip(&mut self.columns) {
            if !matches!(column.data, ColumnData::String(_) | ColumnData::Dict(_)) {
                continue;
            }
            let dict = slot.get_or_insert_with(|| ColumnDict::new(self.budget.clone()));
            let data = std::mem::replace(&mut column.data, ColumnData::Bool(Vec::new()));
            column.data =
                dict.encode(data).map_err(|why| DataError::Invalid(format!("column `{}`: {why}", column.name)))?;
        }
        Ok(Some(batch))
    }
}

/// One column's dictionary for the life of its scan.
struct ColumnDict {
    index: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState>,
    /// How many values the scan has sent.
    len: u32,
    /// What `index` holds, charged to `budget`.
    charged: u64,
    budget: DictBudget,
    /// Past the budget: the rest of the scan sends this column plain.
    spent: bool,
    /// The last standalone dictionary a source gave and its values' codes here, reused while
    /// the source repeats it (a Parquet row group's dictionary comes with each of its batches).
    last: Option<(Strings, Vec<u32>)>,
}

impl Drop for ColumnDict {
    fn drop(&mut self) {
        self.budget.give_back(self.charged);
    }
}

impl ColumnDict {
    fn new(budget: DictBudget) -> Self {
        ColumnDict { index: HashMap::default(), len: 0, charged: 0, budget, spent: false, last: None }
    }

    fn encode(&mut self, data: ColumnData) -> Result<ColumnData, String> {
        match data {
            ColumnData::String(s) if self.spent => Ok(ColumnData::String(s)),
            ColumnData::String(s) => Ok(self.encode_strings(s)),
            ColumnData::Dict(d) if d.base != 0 => {
                Err(format!("a source's dictionary starts at code {}, not 0", d.base))
            }
            ColumnData::Dict(d) if self.spent => Ok(ColumnData::String(crate::strings::expand(&d))),
            ColumnData::Dict(d) => self.encode_dict(d),
            other => Ok(other),
        }
    }

    /// The code of `value`, adding it to `added` if new; `None` once the budget is spent.
    fn code(&mut self, value: &[u8], added: &mut Strings) -> Option<u32> {
        if let Some(&code) = self.index.get(value) {
            return Some(code);
        }
        let cost = value.len() as u64 + ENTRY_OVERHEAD;
        if self.len == u32::MAX || !self.budget.take(cost) {
            self.spend();
            return None;
        }
        self.charged += cost;
        let code = self.len;
        self.len += 1;
        self.index.insert(value.into(), code);
        added.bytes.extend_from_slice(value);
        added.offsets.push(added.bytes.len() as u32);
        Some(code)
    }

    fn spend(&mut self) {
        self.spent = true;
        self.index = HashMap::default();
        self.last = None;
        self.budget.give_back(std::mem::take(&mut self.charged));
    }

    fn encode_strings(&mut self, s: Strings) -> ColumnData {
        let base = self.len;
        let mut added = Strings { offsets: vec![0], bytes: Vec::new() };
        let mut codes = Vec::with_capacity(s.len());
        for window in s.offsets.windows(2) {
            let value = &s.bytes[window[0] as usize..window[1] as usize];
            match self.code(value, &mut added) {
                Some(code) => codes.push(code),
                None => return ColumnData::String(s),
            }
        }
        ColumnData::Dict(Dict { base, values: added, codes })
    }

    fn encode_dict(&mut self, d: Dict) -> Result<ColumnData, String> {
        let base = self.len;
        let mut added = Strings { offsets: vec![0], bytes: Vec::new() };
        let reused = self.last.take().filter(|(values, _)| *values == d.values);
        let (values, remap) = match reused {
            Some(last) => last,
            None => {
                let mut remap = Vec::with_capacity(d.values.len());
                for window in d.values.offsets.windows(2) {
                    let value = &d.values.bytes[window[0] as usize..window[1] as usize];
                    match self.code(value, &mut added) {
                        Some(code) => remap.push(code),
                        None => return Ok(ColumnData::String(crate::strings::expand(&d))),
                    }
                }
                (d.values, remap)
            }
        };
        let codes = d
            .codes
            .iter()
            .map(|&c| remap.get(c as usize).copied().ok_or_else(|| format!("code {c} is past its dictionary")))
            .collect::<Result<Vec<u32>, String>>()?;
        self.last = Some((values, remap));
        Ok(ColumnData::Dict(Dict { base, values: added, codes }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{DataSource, MemorySource};
    use crate::model::Column;
    use crate::strings::pack;

    fn strings_source(values: &[&str]) -> MemorySource {
        let column =
            Column { name: "id".into(), data: ColumnData::String(pack(values.iter().copied())), validity: None };
        MemorySource::new().with("t", Batch { rows: values.len() as u32, columns: vec![column] })
    }

    fn dicts(stream: &mut dyn BatchStream) -> Vec<ColumnData> {
        std::iter::from_fn(|| stream.next_batch().expect("batch")).map(|mut b| b.columns.remove(0).data).collect()
    }

    #[test]
    fn codes_mean_the_same_string_in_every_batch_of_a_scan() {
        let source = strings_source(&["a", "b", "a", "c", "b", "a"]);
        let mut stream = encode_dictionaries(source.scan("t", &["id".into()], 2).expect("scan"));
        let batches = dicts(stream.as_mut());
        let expected = [(0, vec!["a", "b"], vec![0, 1]), (2, vec!["c"], vec![0, 2]), (3, vec![], vec![1, 0])];
        assert_eq!(batches.len(), expected.len());
        for (got, (base, values, codes)) in batches.iter().zip(expected) {
            let ColumnData::Dict(d) = got else { panic!("expected a dict column, got {got:?}") };
            assert_eq!(
                (d.base, crate::strings::iter(&d.values).collect::<Vec<_>>(), d.codes.clone()),
                (base, values, codes)
            );
        }
    }

    #[test]
    fn a_repeated_source_dictionary_is_mapped_once_and_codes_stay_stable() {
        let local = Dict { base: 0, values: pack(["x", "y"]), codes: vec![1, 0, 1] };
        let mut column = ColumnDict::new(DictBudget::default());
        let first = column.encode(ColumnData::Dict(local.clone())).expect("encodes");
        let second = column.encode(ColumnData::Dict(local)).expect("encodes");
        assert_eq!(first, ColumnData::Dict(Dict { base: 0, values: pack(["x", "y"]), codes: vec![1, 0, 1] }));
        assert_eq!(second, ColumnData::Dict(Dict { base: 2, values: pack([]), codes: vec![1, 0, 1] }));
    }

    #[test]
    fn a_code_past_its_source_dictionary_is_invalid_data() {
        let mut column = ColumnDict::new(DictBudget::default());
        let bad = Dict { base: 0, values: pack(["x"]), codes: vec![0, 7] };
        assert!(column.encode(ColumnData::Dict(bad)).is_err());
    }

    #[test]
    fn past_the_budget_the_rest_of_the_scan_is_plain_and_the_budget_is_returned() {
        let budget = DictBudget::new(2 * (ENTRY_OVERHEAD + 1));
        let source = strings_source(&["a", "b", "c", "d"]);
        let mut stream = encode_dictionaries_within(source.scan("t", &["id".into()], 2).expect("scan"), budget.clone());
        let batches = dicts(stream.as_mut());
        assert!(matches!(&batches[0], ColumnData::Dict(d) if d.codes == [0, 1]));
        assert_eq!(batches[1], ColumnData::String(pack(["c", "d"])));
        assert_eq!(budget.used.load(Ordering::Relaxed), 0, "a spent dictionary returns what it held");
        drop(stream);
        assert_eq!(budget.used.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_dropped_scan_returns_its_dictionary_to_the_run() {
        let budget = DictBudget::default();
        let source = strings_source(&["a", "b"]);
        let mut stream = encode_dictionaries_within(source.scan("t", &["id".into()], 8).expect("scan"), budget.clone());
        dicts(stream.as_mut());
        assert_eq!(budget.used.load(Ordering::Relaxed), 2 * (ENTRY_OVERHEAD + 1));
        drop(stream);
        assert_eq!(budget.used.load(Ordering::Relaxed), 0);
    }
}
