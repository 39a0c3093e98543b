//! Small numeric building blocks plugins keep needing: medians and dense-key ordering.

/// The median of `values`, reordering them in place; `None` when empty.
///
/// An even count gives the mean of the two middle values. Runs in linear time.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let (mid, odd) = (values.len() / 2, values.len() % 2 == 1);
    let (lower, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if odd {
        return Some(upper);
    }
    // After selection every value of `lower` is <= `upper`; its largest is the other middle value.
    let lower = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lower + upper) / 2.0)
}

/// Reorders `items` by `key(item)`, a dense index below `keys`, keeping the input order among
/// equal keys: a counting sort, linear in `items.len() + keys` with no comparisons.
pub fn sort_by_index<T: Copy>(items: &[T], keys: usize, key: impl Fn(&T) -> usize) -> Vec<T> {
    // After the prefix sum, next[k] is where the next item with key k goes.
    let mut next = vec![0_usize; keys + 1];
    for item in items {
        next[key(item) + 1] += 1;
    }
    for k in 1..=keys {
        next[k] += next[k - 1];
    }
    let mut sorted = items.to_vec();
    for item in items {
        let slot = &mut next[key(item)];
        sorted[*slot] = *item;
        *slot += 1;
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn counting_sort_is_stable() {
        let items = [(2, 'a'), (0, 'b'), (2, 'c'), (1, 'd')];
        assert_eq!(sort_by_index(&items, 3, |i| i.0), [(0, 'b'), (1, 'd'), (2, 'a'), (2, 'c')]);
    }
}
