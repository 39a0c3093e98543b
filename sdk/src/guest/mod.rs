//! The glue between a contract version's generated bindings and the SDK's types, called by
//! [`crate::export!`]: one module per contract version, each with its own `generate!`.
//!
//! The SDK builds against the newest contract (0.2.0). The `contract-v0_1_0` feature builds it
//! against the frozen 0.1.0 contract instead, so Kiln's tests can build guests exactly as
//! plugins published before 0.2.0 were built, and prove they keep running.

#[cfg(feature = "contract-v0_1_0")]
pub mod since_v0_1_0;
#[cfg(not(feature = "contract-v0_1_0"))]
pub mod since_v0_2_0;

#[cfg(feature = "contract-v0_1_0")]
pub use since_v0_1_0 as current;
#[cfg(not(feature = "contract-v0_1_0"))]
pub use since_v0_2_0 as current;
