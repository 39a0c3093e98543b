//! Per-run limits, their defaults, and the resource accounting that enforces memory and tables.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The limits a run is held to. [`Limits::default`] is the one place defaults live; an
/// enablement may tighten them with [`Limits::capped_by`], never loosen past the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Wall-clock deadline.
    #[serde(with = "duration_ms")]
    pub timeout: Duration,
    /// CPU budget in wasmtime fuel units (about one per wasm instruction).
    pub fuel: u64,
    /// Linear memory, summed over the component's memories, in bytes.
    pub memory_bytes: u64,
    /// Table elements, summed over the component's tables.
    pub table_elements: u64,
    /// Rows read across all scans.
    pub rows: u64,
    /// Size of the returned output, in bytes.
    pub output_bytes: u64,
    /// Bytes of log kept (log import, stdout and stderr together); the rest is dropped.
    pub log_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(30),
            fuel: 50_000_000_000,
            memory_bytes: 512 << 20,
            table_elements: 20_000,
            rows: 100_000_000,
            output_bytes: 64 << 20,
            log_bytes: 1 << 20,
        }
    }
}

impl Limits {
    /// Each limit lowered to `cap`'s where `cap` is stricter.
    pub fn capped_by(&self, cap: &Limits) -> Limits {
        Limits {
            timeout: self.timeout.min(cap.timeout),
            fuel: self.fuel.min(cap.fuel),
            memory_bytes: self.memory_bytes.min(cap.memory_bytes),
            table_elements: self.table_elements.min(cap.table_elements),
            rows: self.rows.min(cap.rows),
            output_bytes: self.output_bytes.min(cap.output_bytes),
            log_bytes: self.log_bytes.min(cap.log_bytes),
        }
    }
}

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// What a run consumed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// Wall-clock time of the call, in microseconds.
    pub wall_us: u64,
    /// Fuel consumed.
    pub fuel: u64,
    /// Peak linear memory, in bytes.
    pub peak_memory_bytes: u64,
    /// Rows handed to the plugin.
    pub rows_read: u64,
    /// Size of the output, in bytes.
    pub output_bytes: u64,
    /// Bytes of log produced, including any dropped past the cap.
    pub log_bytes: u64,
}

/// Enforces memory and table limits for one store and remembers which one refused growth,
/// so a trap that follows can be reported as the limit it really was.
#[derive(Debug)]
pub(crate) struct StoreLimiter {
    memory_limit: u64,
    table_limit: u64,
    memory: u64,
    tables: u64,
    pub(crate) peak_memory: u64,
    pub(crate) memory_refused: bool,
    pub(crate) table_refused: bool,
}

impl StoreLimiter {
    pub(crate) fn new(limits: &Limits) -> Self {
        StoreLimiter {
            memory_limit: limits.memory_bytes,
            table_limit: limits.table_elements,
            memory: 0,
            tables: 0,
            peak_memory: 0,
            memory_refused: false,
            table_refused: false,
        }
    }
}

impl wasmtime::ResourceLimiter for StoreLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.memory + (desired - current) as u64;
        if total > self.memory_limit {
            self.memory_refused = true;
            return Ok(false);
        }
        self.memory = total;
        self.peak_memory = self.peak_memory.max(total);
        Ok(true)
    }

    fn table_growing(&mut self, current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.tables + (desired - current) as u64;
        if total > self.table_limit {
            self.table_refused = true;
            return Ok(false);
        }
        self.tables = total;
        Ok(true)
    }

    fn instances(&self) -> usize {
        64
    }

    fn tables(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn capped_by_never_loosens() {
        let loose = Limits { fuel: u64::MAX, ..Limits::default() };
        let cap = Limits { fuel: 10, timeout: Duration::from_secs(1), ..Limits::default() };
        let got = loose.capped_by(&cap);
        assert_eq!(got.fuel, 10);
        assert_eq!(got.timeout, Duration::from_secs(1));
    }

    #[test]
    fn memory_growth_past_the_limit_is_refused_and_remembered() {
        let mut limiter = StoreLimiter::new(&Limits { memory_bytes: 1 << 20, ..Limits::default() });
        assert!(limiter.memory_growing(0, 1 << 19, None).unwrap());
        assert!(!limiter.memory_growing(1 << 19, 2 << 20, None).unwrap());
        assert!(limiter.memory_refused);
        assert_eq!(limiter.peak_memory, 1 << 19);
    }
}
