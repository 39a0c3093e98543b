//! Naming what stopped a guest call: the limit it hit (fuel, memory, the deadline, rows, the
//! output cap, the stack), a refused import, a panic, or a plain trap. Loading (describe) and
//! running share it, so a limit reads the same wherever it is hit.

use wasmtime::Trap;

use crate::error::{Abort, RunError, one_line};
use crate::limits::Limits;
use crate::log::RunLog;
use crate::state::RunState;

/// What wasmtime says when lifting a value would pass the store's hostcall budget (its error
/// type is private, so it is recognized by its message; a test pins it).
const HOSTCALL_BUDGET_SPENT: &str = "fuel allocated for hostcalls has been exhausted";

/// Names the limit or fault behind a failed call.
pub(crate) fn classify(e: wasmtime::Error, state: &RunState, log: &RunLog, limits: &Limits) -> RunError {
    if let Some(abort) = e.downcast_ref::<Abort>() {
        return match abort {
            Abort::Timeout => RunError::Timeout(limits.timeout),
            Abort::Rows => RunError::Rows(limits.rows),
            Abort::Ungranted(what) => RunError::Ungranted(what.clone()),
            Abort::Misuse(what) => RunError::Trap(what.clone()),
        };
    }
    if e.is::<wasmtime::PoolConcurrencyLimitError>() {
        return RunError::Busy(one_line(&e));
    }
    if e.chain().any(|cause| cause.to_string().contains(HOSTCALL_BUDGET_SPENT)) {
        return RunError::OutputSize { size: None, limit: limits.output_bytes };
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => return RunError::Cpu(limits.fuel),
        Some(Trap::StackOverflow) => return RunError::Stack,
        Some(Trap::Interrupt) => return RunError::Timeout(limits.timeout),
        _ => {}
    }
    // A refused growth makes the guest's allocator abort; report the limit, not the abort.
    if state.limiter.memory_refused {
        return RunError::Memory(limits.memory_bytes);
    }
    if state.limiter.table_refused {
        return RunError::Table(limits.table_elements);
    }
    if let Some(message) = log.panic_message() {
        return RunError::Panic(message);
    }
    match e.downcast_ref::<Trap>() {
        Some(trap) => RunError::Trap(trap.to_string()),
        None => RunError::Trap(one_line(&e)),
    }
}
