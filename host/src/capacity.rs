//! The instance pool, shared fairly whatever the shape of the components in it.
//!
//! wasmtime's pooling allocator has fixed totals of component instances, core instances,
//! memories and tables. A Rust plugin takes one component instance, a handful of core
//! instances, one memory and a table or two; a Python plugin (CPython and componentize-py's
//! runtime linked as shared libraries) takes 14. Counting runs alone would let a few Python runs spend
//! every core instance while slots still look free, and Rust runs would then fail `busy`.
//!
//! So the pool is measured in *slots*: one slot is one component instance with
//! [`CORE_INSTANCES_PER_SLOT`] core instances, [`MEMORIES_PER_SLOT`] memories and
//! [`TABLES_PER_SLOT`] tables. A component weighs the slots its [`Shape`] needs in its most
//! demanding resource, and a run or a load holds that many slots of one semaphore for its
//! whole life. Since no holder takes more of any resource than its weight allows, the pool
//! itself can never run out: a full pool is a wait (or a `busy` for callers that must not
//! wait), never a failure blamed on a component.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::inspect::Shape;

/// Core instances in one slot.
pub const CORE_INSTANCES_PER_SLOT: u32 = 8;
/// Linear memories in one slot.
pub const MEMORIES_PER_SLOT: u32 = 2;
/// Tables in one slot.
pub const TABLES_PER_SLOT: u32 = 4;
/// The most slots one component may weigh: what one instance may take of the pool.
pub const MAX_SLOTS_PER_COMPONENT: u32 = 8;

impl Shape {
    /// The slots one instance of this component holds: enough of each resource, and at least
    /// one.
    pub fn slots(&self) -> u32 {
        self.core_instances
            .div_ceil(CORE_INSTANCES_PER_SLOT)
            .max(self.memories.div_ceil(MEMORIES_PER_SLOT))
            .max(self.tables.div_ceil(TABLES_PER_SLOT))
            .max(1)
    }
}

/// A share of the pool: runs have one, loads (`describe()` at publish) another, so neither
/// starves the other.
#[derive(Debug, Clone)]
pub(crate) struct Capacity {
    what: &'static str,
    slots: u32,
    semaphore: Arc<Semaphore>,
}

/// Slots held for the life of one store: for a run, got from [`crate::Host::try_run_slot`]
/// (which refuses at once when too few are free) or waited for by [`crate::Host::run`].
#[derive(Debug)]
pub struct RunSlot {
    slots: u32,
    _permit: OwnedSemaphorePermit,
}

impl RunSlot {
    /// How many slots this holds.
    pub fn slots(&self) -> u32 {
        self.slots
    }
}

impl Capacity {
    /// `slots` slots, for `what` (named in refusals).
    pub(crate) fn new(what: &'static str, slots: u32) -> Self {
        Capacity { what, slots, semaphore: Arc::new(Semaphore::new(slots as usize)) }
    }

    /// The slots this share has.
    pub(crate) fn size(&self) -> u32 {
        self.slots
    }

    /// `slots` slots now, or a message saying how many are free.
    pub(crate) fn try_take(&self, slots: u32) -> Result<RunSlot, String> {
        self.semaphore.clone().try_acquire_many_owned(slots).map(|p| RunSlot { slots, _permit: p }).map_err(|_| {
            format!(
                "{} of {} {} slots are free and this component needs {slots}; retry shortly",
                self.semaphore.available_permits(),
                self.slots,
                self.what
            )
        })
    }

    /// Waits for `slots` slots. The semaphore is fair: a large request waiting at the head is
    /// not overtaken forever by small ones.
    pub(crate) async fn take(&self, slots: u32) -> RunSlot {
        // Never closed, and no component weighs more than the share (checked at load).
        match self.semaphore.clone().acquire_many_owned(slots).await {
            Ok(permit) => RunSlot { slots, _permit: permit },
            Err(_) => unreachable!("capacity semaphores are never closed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_component_weighs_its_most_demanding_resource() {
        let rust = Shape { core_instances: 5, memories: 1, tables: 1, ..Shape::default() };
        assert_eq!(rust.slots(), 1);
        let python = Shape { core_instances: 38, memories: 1, tables: 1, ..Shape::default() };
        assert_eq!(python.slots(), 5);
        let memories = Shape { core_instances: 2, memories: 5, tables: 0, ..Shape::default() };
        assert_eq!(memories.slots(), 3);
        assert_eq!(Shape::default().slots(), 1, "even an empty component takes a component instance");
    }

    #[tokio::test]
    async fn heavy_holders_leave_room_only_for_what_is_really_free() {
        let capacity = Capacity::new("run", 12);
        let python = Shape { core_instances: 38, memories: 1, tables: 1, ..Shape::default() };
        let a = capacity.try_take(python.slots()).expect("5 of 12");
        let _b = capacity.try_take(python.slots()).expect("10 of 12");
        let refused = capacity.try_take(python.slots()).unwrap_err();
        assert!(refused.contains("2 of 12 run slots are free"), "{refused}");
        let _rust = capacity.try_take(1).expect("a one-slot run still fits");
        drop(a);
        capacity.try_take(python.slots()).expect("returned slots are free again");
    }
}
