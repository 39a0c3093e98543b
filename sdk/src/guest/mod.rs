//! The glue between a contract version's generated bindings and the SDK's types, called by
//! [`crate::export!`]: one module per contract version, each with its own `generate!`.
//!
//! The SDK builds against the newest contract (0.2.0). The `contract-v0_1_0` feature builds it
//! against the frozen 0.1.0 contract instead, so Kiln's tests can build guests exactly as
//! plugins published before 0.2.0 were built, and prove they keep running.

/// The conversions both versions make alike (outputs, value types, values), expanded in each
/// module against its own generated `wit` and `wit_guest` types.
macro_rules! shared_conversions {
    () => {
        fn output_to_wit(output: Output) -> wit_guest::Output {
            wit_guest::Output {
                tables: output
                    .tables
                    .into_iter()
                    .map(|t| wit_guest::Table { name: t.name, data: batch_to_wit(t.data) })
                    .collect(),
                metrics: output
                    .metrics
                    .into_iter()
                    .map(|m| wit_guest::Metric { name: m.name, value: m.value, unit: m.unit })
                    .collect(),
            }
        }

        fn type_from_wit(ty: wit::ValueType) -> ValueType {
            match ty {
                wit::ValueType::F64 => ValueType::F64,
                wit::ValueType::S64 => ValueType::S64,
                wit::ValueType::String => ValueType::String,
                wit::ValueType::Bool => ValueType::Bool,
                wit::ValueType::Timestamp => ValueType::Timestamp,
            }
        }

        fn type_to_wit(ty: ValueType) -> wit::ValueType {
            match ty {
                ValueType::F64 => wit::ValueType::F64,
                ValueType::S64 => wit::ValueType::S64,
                ValueType::String => wit::ValueType::String,
                ValueType::Bool => wit::ValueType::Bool,
                ValueType::Timestamp => wit::ValueType::Timestamp,
            }
        }

        fn value_from_wit(value: wit::Value) -> Value {
            match value {
                wit::Value::F64(v) => Value::F64(v),
                wit::Value::S64(v) => Value::S64(v),
                wit::Value::String(v) => Value::String(v),
                wit::Value::Bool(v) => Value::Bool(v),
                wit::Value::Timestamp(v) => Value::Timestamp(v),
            }
        }

        fn value_to_wit(value: Value) -> wit::Value {
            match value {
                Value::F64(v) => wit::Value::F64(v),
                Value::S64(v) => wit::Value::S64(v),
                Value::String(v) => wit::Value::String(v),
                Value::Bool(v) => wit::Value::Bool(v),
                Value::Timestamp(v) => wit::Value::Timestamp(v),
            }
        }
    };
}

#[cfg(feature = "contract-v0_1_0")]
pub mod since_v0_1_0;
#[cfg(not(feature = "contract-v0_1_0"))]
pub mod since_v0_2_0;

#[cfg(feature = "contract-v0_1_0")]
pub use since_v0_1_0 as current;
#[cfg(not(feature = "contract-v0_1_0"))]
pub use since_v0_2_0 as current;
