//! Fair shares of this process's instance slots: no one tenant may hold more than its share of
//! synchronous runs, and no one maker more than its share of publishes, so neither can hold the
//! rest hostage. Work is counted in units of what it takes: a synchronous run holds as many
//! units as its plugin's instances take slots of the pool (`kiln_host::capacity`), so a tenant
//! running Python plugins reaches its share with fewer runs than one running Rust plugins.
//! Refusals are `busy` (503 with `Retry-After`): retry shortly.

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

/// Units of a key's share, returned when dropped.
#[derive(Debug)]
pub struct Share {
    key: String,
    units: usize,
    held: Arc<Mutex<HashMap<String, usize>>>,
}

impl Shares {
    /// At most `per_key` (at least 1) units per key; `what` names the work in refusals.
    pub fn new(what: &'static str, per_key: usize) -> Self {
        Shares { what, per_key: per_key.max(1), held: Arc::default() }
    }

    /// `units` of `key`'s share, or `busy` when it holds too many to take them. Work larger
    /// than a whole share is admitted alone, so it is never refused forever.
    pub fn enter(&self, key: &str, units: usize) -> Result<Share, ApiError> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let count = held.entry(key.to_string()).or_default();
        if *count > 0 && *count + units > self.per_key {
            return Err(ApiError::busy(format!(
                "{key} already holds {count} of its {} units of {} on this server; retry when one ends",
                self.per_key, self.what
            )));
        }
        *count += units;
        Ok(Share { key: key.to_string(), units, held: self.held.clone() })
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = held.get_mut(&self.key) {
            *count -= self.units;
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
        let a = shares.enter("t1", 1).expect("first");
        let _b = shares.enter("t1", 1).expect("second");
        assert_eq!(shares.enter("t1", 1).unwrap_err().slug(), "busy");
        let _other = shares.enter("t2", 1).expect("another tenant is not affected");
        drop(a);
        shares.enter("t1", 1).expect("a returned share can be taken again");
    }

    #[test]
    fn heavy_work_counts_its_weight_against_the_share() {
        let shares = Shares::new("slots", 12);
        let python = shares.enter("t1", 5).expect("5 of 12");
        let _python = shares.enter("t1", 5).expect("10 of 12");
        assert_eq!(shares.enter("t1", 5).unwrap_err().slug(), "busy", "15 would pass 12");
        let _rust = shares.enter("t1", 1).expect("11 of 12");
        drop(python);
        let alone = Shares::new("slots", 4);
        let big = alone.enter("t2", 6).expect("work larger than the share runs alone");
        assert_eq!(alone.enter("t2", 1).unwrap_err().slug(), "busy");
        drop(big);
    }
}
