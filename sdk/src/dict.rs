//! Dictionary-encoded string columns: each distinct string once, and one `u32` code per row.
//!
//! In a scan the dictionary belongs to the scan: a code means the same string in every batch,
//! so a plugin can group by code (a dense index) instead of hashing strings.

use std::ops::Deref;
use std::sync::Arc;

use crate::{Error, StrColumn, Strings};

/// The values of a dictionary, code `c` being `dictionary[c]`: shared, so cloning one is cheap
/// and every batch of a scan points at the same buffer.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Dictionary(Arc<Strings>);

impl Dictionary {
    /// The values as owned [`Strings`], copied only if another handle still shares them.
    pub fn into_strings(self) -> Strings {
        Arc::unwrap_or_clone(self.0)
    }

    /// The values to append to. Copies them first only if a batch still holds this dictionary:
    /// a scan's earlier batch keeps the dictionary it was given.
    pub(crate) fn make_mut(&mut self) -> &mut Strings {
        Arc::make_mut(&mut self.0)
    }
}

impl Deref for Dictionary {
    type Target = Strings;

    fn deref(&self) -> &Strings {
        &self.0
    }
}

impl From<Strings> for Dictionary {
    fn from(values: Strings) -> Self {
        Dictionary(Arc::new(values))
    }
}

impl<S: AsRef<str>> FromIterator<S> for Dictionary {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Dictionary::from(iter.into_iter().collect::<Strings>())
    }
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A string column as codes into a dictionary; [`crate::Batch::dict`] gives one for any string
/// column of a scan, with codes that hold for the whole scan.
///
/// ```
/// # use kiln_sdk::{Batch, Dict};
/// let batch = Batch::new().with_str("city", ["Xi'an", "Baoji", "Xi'an"]);
/// let cities = batch.dict("city").unwrap();
/// assert_eq!(cities.codes(), &[0, 1, 0]);
/// assert_eq!(&cities.values()[1], "Baoji");
/// assert_eq!(cities.get(2), Some("Xi'an"));
/// ```
#[derive(Clone)]
pub struct Dict {
    /// The code of `values`' first entry: 0, except in a batch a [`crate::native::BatchSource`]
    /// sends, which carries only what it adds to the scan's dictionary (the contract's form).
    pub(crate) base: u32,
    pub(crate) values: Dictionary,
    pub(crate) codes: Vec<u32>,
}

impl Dict {
    /// A column of `codes` into `values`, refusing a code past the dictionary's end.
    pub fn new(values: impl Into<Dictionary>, codes: Vec<u32>) -> Result<Dict, Error> {
        let values = values.into();
        check_codes(&codes, values.len())?;
        Ok(Dict { base: 0, values, codes })
    }

    /// A scan batch's dictionary column as a [`crate::native::BatchSource`] sends it: the
    /// `values` it adds to the scan's dictionary, numbered from `base`, and codes into
    /// everything the scan has sent on this column so far. The [`crate::Scan`] checks it
    /// against the dictionary it holds and gives the plugin the whole dictionary.
    pub fn delta(base: u32, values: Strings, codes: Vec<u32>) -> Dict {
        Dict { base, values: values.into(), codes }
    }

    /// One code per row.
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The dictionary the codes index: `values()[code]` is a row's string. In a scan it holds
    /// every value the scan has seen on this column so far, so its length bounds every code:
    /// size per-code tables with it.
    pub fn values(&self) -> &Dictionary {
        &self.values
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Row `row`'s string, or `None` past the end.
    pub fn get(&self, row: usize) -> Option<&str> {
        self.values.get(*self.codes.get(row)? as usize)
    }

    /// The rows as strings, looked up through the codes without copying.
    pub fn strs(&self) -> StrColumn<'_> {
        StrColumn::coded(&self.values, &self.codes)
    }

    /// The rows as plain strings, each copied out of the dictionary.
    pub fn to_strings(&self) -> Strings {
        self.strs().iter().collect()
    }

    /// Rows `start..end`, sharing the dictionary.
    pub fn slice(&self, start: usize, end: usize) -> Dict {
        Dict { base: self.base, values: self.values.clone(), codes: self.codes[start..end].to_vec() }
    }

    /// Consumes the column, returning its dictionary and codes.
    pub fn into_parts(self) -> (Dictionary, Vec<u32>) {
        (self.values, self.codes)
    }
}

/// Something worked out once per code of a scan's dictionary column (a join key's index, a
/// parsed month), so a plugin does the string work once per distinct value, not once per row.
///
/// ```
/// # use kiln_sdk::{Batch, PerCode};
/// let batch = Batch::new().with_str("month", ["2024-01", "2024-02", "2024-01"]);
/// let months = batch.dict("month").unwrap();
/// let mut parsed = PerCode::new();
/// let by_code = parsed.update(months, |m| kiln_sdk::month::parse(m)).unwrap();
/// let rows: Vec<u32> = months.codes().iter().map(|&c| by_code[c as usize]).collect();
/// assert_eq!(rows[0], rows[2]);
/// ```
#[derive(Debug, Clone)]
pub struct PerCode<T> {
    values: Vec<T>,
}

impl<T> Default for PerCode<T> {
    fn default() -> Self {
        PerCode { values: Vec::new() }
    }
}

impl<T> PerCode<T> {
    /// Nothing worked out yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Works out `f` for the codes `column`'s dictionary added since the last call and returns
    /// the value of every code so far, indexed by code. Give it the same scan column each time:
    /// the codes of another scan mean other strings.
    pub fn update<E>(&mut self, column: &Dict, mut f: impl FnMut(&str) -> Result<T, E>) -> Result<&[T], E> {
        let values = column.values();
        while let Some(value) = values.get(self.values.len()) {
            self.values.push(f(value)?);
        }
        Ok(&self.values)
    }

    /// The values worked out so far, indexed by code.
    pub fn values(&self) -> &[T] {
        &self.values
    }
}

/// Refuses a code at or past `len`.
pub(crate) fn check_codes(codes: &[u32], len: usize) -> Result<(), Error> {
    // One pass for the maximum vectorizes; the row is looked for only when it fails.
    let max = codes.iter().copied().max().unwrap_or(0);
    if !codes.is_empty() && max as usize >= len {
        let row = codes.iter().position(|&c| c == max).unwrap_or(0);
        return Err(Error::invalid_data(format!("code {max} at row {row} is past a dictionary of {len} values")));
    }
    Ok(())
}

impl PartialEq for Dict {
    /// Equal when the rows hold the same strings, whatever their codes.
    fn eq(&self, other: &Self) -> bool {
        self.strs() == other.strs()
    }
}

impl std::fmt::Debug for Dict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dict").field("values", &self.values).field("codes", &self.codes).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_past_the_dictionary_is_refused() {
        let values: Dictionary = ["a", "b"].into_iter().collect();
        assert!(Dict::new(values.clone(), vec![0, 1, 1]).is_ok());
        let err = Dict::new(values, vec![0, 2]).unwrap_err();
        assert!(err.to_string().contains("code 2 at row 1"), "{err}");
    }

    #[test]
    fn dicts_compare_by_their_strings() {
        let a = Dict::new(["x", "y"].into_iter().collect::<Dictionary>(), vec![0, 1, 0]).unwrap();
        let b = Dict::new(["y", "x"].into_iter().collect::<Dictionary>(), vec![1, 0, 1]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_strings(), ["x", "y", "x"]);
        assert_eq!(a.slice(1, 3).strs(), ["y", "x"]);
    }
}
