//! A read-only view of a string column, whether it arrived packed or dictionary-encoded, so a
//! plugin reads strings the same way from either without copying them.

use std::ops::Index;

use crate::Strings;

/// The strings of one column, one per row: what [`crate::Batch::str`] returns. `column[i]` is a
/// `&str`; iterating yields `&str`s. Copy it freely: it only borrows the batch.
#[derive(Clone, Copy)]
pub struct StrColumn<'a>(Repr<'a>);

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// Row `i` is `strings[i]`.
    Plain(&'a Strings),
    /// Row `i` is `values[codes[i]]`; every code is below `values.len()`.
    Coded { values: &'a Strings, codes: &'a [u32] },
}

impl<'a> StrColumn<'a> {
    /// A view of packed strings.
    pub fn plain(strings: &'a Strings) -> Self {
        StrColumn(Repr::Plain(strings))
    }

    /// A view of `codes` into `values`; a code past `values` reads as a missing row.
    pub fn coded(values: &'a Strings, codes: &'a [u32]) -> Self {
        StrColumn(Repr::Coded { values, codes })
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        match self.0 {
            Repr::Plain(s) => s.len(),
            Repr::Coded { codes, .. } => codes.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `row`'s string, or `None` past the end.
    pub fn get(&self, row: usize) -> Option<&'a str> {
        match self.0 {
            Repr::Plain(s) => s.get(row),
            Repr::Coded { values, codes } => values.get(*codes.get(row)? as usize),
        }
    }

    /// The rows in order.
    pub fn iter(&self) -> Iter<'a> {
        Iter { column: *self, next: 0 }
    }
}

impl Index<usize> for StrColumn<'_> {
    type Output = str;

    fn index(&self, row: usize) -> &str {
        match self.get(row) {
            Some(s) => s,
            None => panic!("string index {row} out of range for {} rows", self.len()),
        }
    }
}

/// An iterator over a [`StrColumn`]'s rows.
#[derive(Clone)]
pub struct Iter<'a> {
    column: StrColumn<'a>,
    next: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.column.get(self.next)?;
        self.next += 1;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.column.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for StrColumn<'a> {
    type Item = &'a str;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &StrColumn<'a> {
    type Item = &'a str;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl std::fmt::Debug for StrColumn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for StrColumn<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for StrColumn<'_> {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>> PartialEq<&[S]> for StrColumn<'_> {
    fn eq(&self, other: &&[S]) -> bool {
        *self == **other
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for StrColumn<'_> {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<&[S; N]> for StrColumn<'_> {
    fn eq(&self, other: &&[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for StrColumn<'_> {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_coded_views_read_alike() {
        let plain: Strings = ["b", "a", "b"].into_iter().collect();
        let values: Strings = ["a", "b"].into_iter().collect();
        let codes = [1, 0, 1];
        let (p, c) = (StrColumn::plain(&plain), StrColumn::coded(&values, &codes));
        assert_eq!(p, c);
        assert_eq!(&c[2], "b");
        assert_eq!(c.iter().collect::<Vec<_>>(), ["b", "a", "b"]);
        assert_eq!(c, &["b", "a", "b"]);
        assert_eq!(c.get(3), None);
    }
}
