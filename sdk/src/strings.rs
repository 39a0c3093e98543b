//! String columns, packed: one byte buffer and `len + 1` offsets, the layout the contract
//! carries them in, so reading a string column costs no allocation per row.

use std::ops::Index;

use crate::Error;

/// A column of strings in one buffer. Row `i` is `bytes[offsets[i]..offsets[i + 1]]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Strings {
    offsets: Vec<u32>,
    bytes: String,
}

impl Default for Strings {
    fn default() -> Self {
        Strings { offsets: vec![0], bytes: String::new() }
    }
}

impl Strings {
    /// An empty column.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a string.
    pub fn push(&mut self, value: &str) {
        self.bytes.push_str(value);
        self.offsets.push(self.bytes.len() as u32);
    }

    /// The number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// String `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<&str> {
        let (start, end) = (*self.offsets.get(i)?, *self.offsets.get(i + 1)?);
        Some(&self.bytes[start as usize..end as usize])
    }

    /// The strings in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { strings: self, next: 0 }
    }

    /// Rows `start..end` as a new column.
    pub fn slice(&self, start: usize, end: usize) -> Strings {
        let base = self.offsets[start];
        Strings {
            offsets: self.offsets[start..=end].iter().map(|o| o - base).collect(),
            bytes: self.bytes[base as usize..self.offsets[end] as usize].to_string(),
        }
    }

    /// Appends all of `other`.
    pub fn extend_from(&mut self, other: &Strings) {
        let base = self.bytes.len() as u32;
        self.bytes.push_str(&other.bytes);
        self.offsets.extend(other.offsets[1..].iter().map(|o| o + base));
    }

    /// Takes packed parts as they arrived from the host, checking they are well formed.
    pub fn from_parts(offsets: Vec<u32>, bytes: Vec<u8>) -> Result<Strings, Error> {
        let bad = |why: &str| Error::invalid_data(format!("malformed string column: {why}"));
        let bytes = String::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
        if offsets.first() != Some(&0) || offsets.last().map(|o| *o as usize) != Some(bytes.len()) {
            return Err(bad("offsets do not span the bytes"));
        }
        if offsets.windows(2).any(|w| w[0] > w[1]) || offsets.iter().any(|o| !bytes.is_char_boundary(*o as usize)) {
            return Err(bad("bad offsets"));
        }
        Ok(Strings { offsets, bytes })
    }

    /// The packed parts, for the contract.
    pub fn into_parts(self) -> (Vec<u32>, Vec<u8>) {
        (self.offsets, self.bytes.into_bytes())
    }
}

/// An iterator over a [`Strings`] column.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    strings: &'a Strings,
    next: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.strings.get(self.next)?;
        self.next += 1;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.strings.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Strings {
    type Item = &'a str;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Index<usize> for Strings {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(s) => s,
            None => panic!("string index {i} out of range for {} rows", self.len()),
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for Strings {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut strings = Strings::new();
        for s in iter {
            strings.push(s.as_ref());
        }
        strings
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for Strings {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Strings {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Strings {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_strings_read_slice_and_extend() {
        let mut s: Strings = ["西安", "", "xy"].into_iter().collect();
        assert_eq!(s, ["西安", "", "xy"]);
        assert_eq!(&s[0], "西安");
        assert_eq!(s.slice(1, 3), ["", "xy"]);
        s.extend_from(&["z"].into_iter().collect());
        assert_eq!(s.iter().collect::<Vec<_>>(), ["西安", "", "xy", "z"]);
    }

    #[test]
    fn malformed_parts_are_refused() {
        assert!(Strings::from_parts(vec![0, 3], b"abc".to_vec()).is_ok());
        assert!(Strings::from_parts(vec![0, 5], b"abc".to_vec()).is_err());
        assert!(Strings::from_parts(vec![0, 2, 1, 3], b"abc".to_vec()).is_err());
        assert!(Strings::from_parts(vec![0, 1, 2], "é".as_bytes().to_vec()).is_err());
        assert!(Strings::from_parts(vec![1, 1], vec![]).is_err());
    }
}
