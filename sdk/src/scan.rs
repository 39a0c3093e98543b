//! A scan: the batches of one dataset, with each string column's dictionary kept for the whole
//! scan so its codes mean the same string in every batch.

use crate::context::BatchSource;
use crate::scan_dictionary::{ScanDictionary, Shared};
use crate::{Batch, ColumnData, Dictionary, Error};

/// An iterator over the batches of one dataset.
///
/// String columns come dictionary-encoded when the host sends them so, and are encoded on
/// demand ([`Batch::dict`]) when they come plain; either way into one dictionary per column
/// held here, so a code is stable for the whole scan.
pub struct Scan<'a> {
    source: Box<dyn BatchSource + 'a>,
    /// Each string column's dictionary, by name, in order of first sight.
    dictionaries: Vec<(String, Shared)>,
}

impl<'a> Scan<'a> {
    /// A scan over the batches `source` yields.
    pub(crate) fn new(source: Box<dyn BatchSource + 'a>) -> Self {
        Scan { source, dictionaries: Vec::new() }
    }

    /// The dictionary of string column `column` so far: every value any batch of the scan has
    /// coded. `None` before the column has been seen.
    pub fn dictionary(&self, column: &str) -> Option<Dictionary> {
        let (_, shared) = self.dictionaries.iter().find(|(name, _)| name == column)?;
        Some(ScanDictionary::lock(shared).values().clone())
    }

    fn shared(&mut self, column: &str) -> Shared {
        if let Some((_, shared)) = self.dictionaries.iter().find(|(name, _)| name == column) {
            return shared.clone();
        }
        let shared = ScanDictionary::shared(column);
        self.dictionaries.push((column.to_string(), shared.clone()));
        shared
    }

    /// Applies a source batch's dictionary columns to the scan's dictionaries and links its
    /// plain string columns to them.
    fn resolve(&mut self, mut batch: Batch) -> Result<Batch, Error> {
        let mut plain = Vec::new();
        for index in 0..batch.columns().len() {
            let column = &mut batch.columns_mut()[index];
            match &mut column.data {
                ColumnData::Dict(delta) => {
                    let shared = self.shared(&column.name);
                    let delta = std::mem::replace(delta, crate::Dict::delta(0, Default::default(), Vec::new()));
                    column.data = ColumnData::Dict(ScanDictionary::lock(&shared).apply(delta)?);
                }
                ColumnData::String(_) => plain.push(index),
                _ => {}
            }
        }
        for index in plain {
            let shared = self.shared(&batch.columns()[index].name);
            batch.link_dictionary(index, shared);
        }
        Ok(batch)
    }
}

impl Iterator for Scan<'_> {
    type Item = Result<Batch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.source.next_batch() {
            Ok(Some(batch)) => Some(self.resolve(batch)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dict, Strings};

    struct Batches(std::vec::IntoIter<Batch>);

    impl BatchSource for Batches {
        fn next_batch(&mut self) -> Result<Option<Batch>, Error> {
            Ok(self.0.next())
        }
    }

    fn scan(batches: Vec<Batch>) -> Scan<'static> {
        Scan::new(Box::new(Batches(batches.into_iter())))
    }

    fn delta(base: u32, values: &[&str], codes: Vec<u32>) -> Batch {
        Batch::new().with("id", ColumnData::Dict(Dict::delta(base, values.iter().collect::<Strings>(), codes)))
    }

    #[test]
    fn codes_hold_across_dictionary_and_plain_batches() {
        let mut scan = scan(vec![
            delta(0, &["E1", "E2"], vec![0, 1]),
            delta(2, &["E3"], vec![2, 0]),
            Batch::new().with_str("id", ["E3", "E9", "E1"]),
        ]);
        let mut codes = Vec::new();
        let mut strs = Vec::new();
        for batch in &mut scan {
            let batch = batch.unwrap();
            codes.extend_from_slice(batch.dict("id").unwrap().codes());
            strs.extend(batch.str("id").unwrap().iter().map(String::from));
        }
        assert_eq!(codes, [0, 1, 2, 0, 2, 3, 0]);
        assert_eq!(strs, ["E1", "E2", "E3", "E1", "E3", "E9", "E1"]);
        assert_eq!(scan.dictionary("id").unwrap(), ["E1", "E2", "E3", "E9"].into_iter().collect());
    }

    #[test]
    fn a_malformed_dictionary_batch_is_invalid_data() {
        let mut scan = scan(vec![delta(0, &["a"], vec![0]), delta(5, &["b"], vec![0])]);
        assert!(scan.next().unwrap().is_ok());
        assert!(matches!(scan.next().unwrap(), Err(Error::InvalidData(_))));
    }
}
