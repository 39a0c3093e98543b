//! Fair shares of this process's instance slots: no one tenant may hold more than its share of
//! synchronous runs, and no one maker more than its share of publish-time loads, so neither can
//! hold the rest hostage. Refusals are `busy` (503 with `Retry-After`): retry shortly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::ApiError;

/// Per-key counts of work in progress, each key held to `per_key` at once.
#[derive(Debug)]
pub struct Shares {
    what: &'static str,
    per_key: usize,
    held: Arc<Mutex<HashMap<String, usize>>>,
}

/// One unit of a key's share, returned when dropped.
#[derive(Debug)]
pub struct Share {
    key: String,
    held: Arc<Mutex<HashMap<String, usize>>>,
}

impl Shares {
    /// At most `per_key` (at least 1) units per key; `what` names the work in refusals.
    pub fn new(what: &'static str, per_key: usize) -> Self {
        Shares { what, per_key: per_key.max(1), held: Arc::default() }
    }

    /// A unit of `key`'s share, or `busy` when it already holds all of them.
    pub fn enter(&self, key: &str) -> Result<Share, ApiError> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let count = held.entry(key.to_string()).or_default();
        if *count >= self.per_key {
            return Err(ApiError::busy(format!(
                "{key} already has {} {} in progress, its share of this server; retry when one ends",
                self.per_key, self.what
            )));
        }
        *count += 1;
        Ok(Share { key: key.to_string(), held: self.held.clone() })
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_past_its_share_is_busy_until_one_is_returned() {
        let shares = Shares::new("runs", 2);
        let a = shares.enter("t1").expect("first");
        let _b = shares.enter("t1").expect("second");
        assert_eq!(shares.enter("t1").unwrap_err().slug(), "busy");
        let _other = shares.enter("t2").expect("another tenant is not affected");
        drop(a);
        shares.enter("t1").expect("a returned share can be taken again");
    }
}
