//! Calendar months as the data set writes them (`YYYY-MM`), as integers that sort and subtract:
//! `year × 12 + (month − 1)`, so the same month a year earlier is `m - 12`.

use crate::Error;

/// Parses `YYYY-MM`.
pub fn parse(text: &str) -> Result<u32, Error> {
    let invalid = || Error::invalid_data(format!("month `{text}` is not YYYY-MM"));
    let b = text.as_bytes();
    if b.len() != 7 || b[4] != b'-' {
        return Err(invalid());
    }
    let mut digits = [0_u32; 6];
    for (d, &c) in digits.iter_mut().zip(b[..4].iter().chain(&b[5..])) {
        if !c.is_ascii_digit() {
            return Err(invalid());
        }
        *d = u32::from(c - b'0');
    }
    let year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3];
    let month = digits[4] * 10 + digits[5];
    if !(1..=12).contains(&month) {
        return Err(invalid());
    }
    Ok(year * 12 + month - 1)
}

/// Formats a month from [`parse`] back as `YYYY-MM`, without `format!` (which costs several
/// times more per output row in a guest).
pub fn format(month: u32) -> String {
    let (year, month) = (month / 12, month % 12 + 1);
    let digit = |d: u32| char::from(b'0' + (d % 10) as u8);
    [digit(year / 1000), digit(year / 100), digit(year / 10), digit(year), '-', digit(month / 10), digit(month)]
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip_and_subtract() {
        let m = parse("2024-01").unwrap();
        assert_eq!(format(m), "2024-01");
        assert_eq!(format(m - 1), "2023-12");
        assert_eq!(format(m - 12), "2023-01");
        for bad in ["2024-13", "2024-00", "24-01", "2024/01", "2024-1x"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
