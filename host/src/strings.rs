//! Packed string columns (`strings` in the contract): building, reading and checking them.

use crate::model::{Dict, Strings};

/// Packs `values` into one byte buffer and `len + 1` offsets.
pub fn pack<'a>(values: impl IntoIterator<Item = &'a str>) -> Strings {
    let mut offsets = vec![0_u32];
    let mut bytes = Vec::new();
    for v in values {
        bytes.extend_from_slice(v.as_bytes());
        offsets.push(bytes.len() as u32);
    }
    Strings { offsets, bytes }
}

/// The strings in order.
pub fn iter(s: &Strings) -> impl Iterator<Item = &str> {
    (0..s.len()).map(move |i| s.get(i))
}

/// A standalone dictionary column's strings, one per code; a code past the dictionary gives
/// `""`. The values' bytes are copied as they are, so callers [`check`] untrusted values first
/// (and refuse codes past them); each value is then validated once, not once per row.
pub fn expand(dict: &Dict) -> Strings {
    let mut offsets = Vec::with_capacity(dict.codes.len() + 1);
    offsets.push(0);
    let mut bytes = Vec::with_capacity(usize::try_from(expanded_len(dict)).unwrap_or(0));
    for &code in &dict.codes {
        bytes.extend_from_slice(dict.values.bytes_at(code as usize));
        offsets.push(bytes.len() as u32);
    }
    Strings { offsets, bytes }
}

/// The bytes [`expand`] would produce for `dict`, summed without expanding it.
pub fn expanded_len(dict: &Dict) -> u64 {
    dict.codes.iter().map(|&code| dict.values.bytes_at(code as usize).len() as u64).sum()
}

/// Rows `start..end` as a new packed column.
pub fn slice(s: &Strings, start: usize, end: usize) -> Strings {
    let base = s.offsets[start];
    let offsets = s.offsets[start..=end].iter().map(|o| o - base).collect();
    let bytes = s.bytes[base as usize..s.offsets[end] as usize].to_vec();
    Strings { offsets, bytes }
}

/// Checks that `s` holds `rows` well-formed UTF-8 strings: what the host requires of a guest's
/// output before anyone reads it.
pub fn check(s: &Strings, rows: usize) -> Result<(), String> {
    if s.offsets.len() != rows + 1 {
        return Err(format!("{} offsets for {rows} rows", s.offsets.len()));
    }
    if s.offsets[0] != 0 || s.offsets[rows] as usize != s.bytes.len() {
        return Err("offsets do not span the bytes".into());
    }
    if s.offsets.windows(2).any(|w| w[0] > w[1]) {
        return Err("offsets decrease".into());
    }
    let text = std::str::from_utf8(&s.bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    if let Some(o) = s.offsets.iter().find(|o| !text.is_char_boundary(**o as usize)) {
        return Err(format!("offset {o} splits a character"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_strings_round_trip_and_slice() {
        let s = pack(["西安", "", "xy"]);
        assert_eq!(iter(&s).collect::<Vec<_>>(), ["西安", "", "xy"]);
        assert_eq!(iter(&slice(&s, 1, 3)).collect::<Vec<_>>(), ["", "xy"]);
        assert_eq!(check(&s, 3), Ok(()));
    }

    #[test]
    fn malformed_strings_are_refused() {
        let bad = [
            Strings { offsets: vec![0, 5], bytes: b"abc".to_vec() },
            Strings { offsets: vec![0, 2, 1], bytes: b"ab".to_vec() },
            Strings { offsets: vec![0, 1], bytes: "é".as_bytes().to_vec() },
            Strings { offsets: vec![0, 1, 2], bytes: vec![0xff, 0xfe] },
        ];
        for (i, s) in bad.iter().enumerate() {
            assert!(check(s, s.offsets.len() - 1).is_err(), "case {i} accepted");
        }
        assert!(check(&pack(["a"]), 2).is_err());
    }

    #[test]
    fn a_dictionary_expands_to_its_values_row_by_row() {
        let dict = Dict { base: 0, values: pack(["西安", "", "C31"]), codes: vec![2, 0, 0, 1, 7] };
        let expanded = expand(&dict);
        assert_eq!(iter(&expanded).collect::<Vec<_>>(), ["C31", "西安", "西安", "", ""]);
        assert_eq!(check(&expanded, 5), Ok(()));
        assert_eq!(expanded_len(&dict), expanded.bytes.len() as u64);
    }
}
