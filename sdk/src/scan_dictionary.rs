//! One string column's dictionary over a whole scan: grown by the host's dictionary batches,
//! and by the SDK itself when the column arrives as plain strings, so codes stay stable.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::dict::check_codes;
use crate::{Dict, Dictionary, Error, Strings};

/// A scan's dictionary for one column, shared by the scan and the batches it yields (which
/// encode their plain string rows into it on first [`crate::Batch::dict`]).
pub(crate) type Shared = Arc<Mutex<ScanDictionary>>;

/// Everything a scan has seen on one string column, in code order.
#[derive(Debug, Default)]
pub(crate) struct ScanDictionary {
    /// The column's name, for error messages.
    column: String,
    values: Dictionary,
    /// Whether the SDK added values of its own (encoding plain batches): after that the
    /// source's numbering and ours differ, so a dictionary batch can no longer be applied.
    local: bool,
    /// String → code, built the first time a plain batch is encoded.
    index: Option<HashMap<Box<str>, u32, BuildHasherDefault<FxHasher>>>,
}

impl ScanDictionary {
    /// An empty dictionary for `column`, shared.
    pub(crate) fn shared(column: &str) -> Shared {
        Arc::new(Mutex::new(ScanDictionary { column: column.to_string(), ..Default::default() }))
    }

    /// Locks a shared dictionary. A plugin runs on one thread; a poisoned lock only means a
    /// panic elsewhere already ended the run, and the dictionary itself is consistent.
    pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, ScanDictionary> {
        shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The values seen so far.
    pub(crate) fn values(&self) -> &Dictionary {
        &self.values
    }

    /// Applies a source's dictionary batch (`delta.base` must be the count held) and returns the
    /// column with the whole dictionary.
    pub(crate) fn apply(&mut self, delta: Dict) -> Result<Dict, Error> {
        let bad = |why: String| Error::invalid_data(format!("dictionary column `{}`: {why}", self.column));
        if self.local {
            return Err(bad("a dictionary batch after plain ones".into()));
        }
        let held = self.values.len();
        if delta.base as usize != held {
            return Err(bad(format!("a batch numbers its values from {}, but the scan holds {held}", delta.base)));
        }
        if !delta.values.is_empty() {
            if let Some(index) = &mut self.index {
                for (i, value) in delta.values.iter().enumerate() {
                    index.insert(value.into(), (held + i) as u32);
                }
            }
            if held == 0 {
                self.values = delta.values;
            } else {
                self.values.make_mut().extend_from(&delta.values);
            }
        }
        check_codes(&delta.codes, self.values.len()).map_err(|e| bad(e.to_string()))?;
        Ok(Dict { base: 0, values: self.values.clone(), codes: delta.codes })
    }

    /// Encodes plain rows into the dictionary, adding the values it has not seen.
    pub(crate) fn encode(&mut self, rows: &Strings) -> Dict {
        let values = &mut self.values;
        let index = self.index.get_or_insert_with(|| {
            let mut index = HashMap::with_capacity_and_hasher(values.len(), Default::default());
            index.extend(values.iter().enumerate().map(|(code, value)| (value.into(), code as u32)));
            index
        });
        let mut codes = Vec::with_capacity(rows.len());
        for row in rows {
            let code = match index.get(row) {
                Some(&code) => code,
                None => {
                    let code = values.len() as u32;
                    index.insert(row.into(), code);
                    values.make_mut().push(row);
                    self.local = true;
                    code
                }
            };
            codes.push(code);
        }
        Dict { base: 0, values: self.values.clone(), codes }
    }
}

/// Encodes a standalone column (outside any scan) into a dictionary of its own.
pub(crate) fn encode_alone(rows: &Strings) -> Dict {
    ScanDictionary::default().encode(rows)
}

/// rustc's Fx hash: a multiply and rotate per word, much cheaper than SipHash on short ids, and
/// nothing here needs resistance to chosen keys (a plugin hashes its own granted data).
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Strings {
        values.iter().collect()
    }

    #[test]
    fn dictionary_batches_grow_one_dictionary() {
        let mut d = ScanDictionary::default();
        let first = d.apply(Dict::delta(0, strings(&["a", "b"]), vec![0, 1, 0])).unwrap();
        let second = d.apply(Dict::delta(2, strings(&["c"]), vec![2, 0])).unwrap();
        assert_eq!(first.strs(), ["a", "b", "a"]);
        assert_eq!(second.strs(), ["c", "a"]);
        assert_eq!(second.values().len(), 3);
        // The first batch keeps the dictionary it was given.
        assert_eq!(first.values().len(), 2);
    }

    #[test]
    fn a_batch_numbered_from_the_wrong_base_is_refused() {
        let mut d = ScanDictionary::default();
        d.apply(Dict::delta(0, strings(&["a"]), vec![0])).unwrap();
        let err = d.apply(Dict::delta(0, strings(&["b"]), vec![0])).unwrap_err();
        assert!(matches!(err, Error::InvalidData(_)), "{err}");
        assert!(d.apply(Dict::delta(1, strings(&[]), vec![1])).is_err(), "code past the dictionary");
    }

    #[test]
    fn plain_rows_after_dictionary_batches_keep_their_codes() {
        let mut d = ScanDictionary::default();
        d.apply(Dict::delta(0, strings(&["a", "b"]), vec![0, 1])).unwrap();
        let plain = d.encode(&strings(&["b", "z", "a", "z"]));
        assert_eq!(plain.codes(), &[1, 2, 0, 2]);
        assert!(d.apply(Dict::delta(3, strings(&["q"]), vec![3])).is_err(), "the numbering has diverged");
    }
}
