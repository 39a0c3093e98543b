//! Trivial kernels over a `numbers` dataset (`key` s64, `value` f64), for measuring the cost of
//! moving data into a plugin: `sum` of `value`, and `groupby` summing `value` per `key`; and
//! `scan`, which only reads the chosen columns of any dataset: the data crossing alone.
//!
//! The benchmark's native reference runs the same code through `kiln_sdk::native`.

use kiln_sdk::{Batch, Context, Error, Output, Plugin, PluginInfo, ValueType, col};
use serde::Deserialize;

/// The kernels plugin.
pub struct Kernels;

/// Parameters: which kernel.
#[derive(Deserialize)]
pub struct Params {
    kernel: String,
    dataset: String,
    columns: String,
}

/// Keys are dense small integers; larger ones are refused rather than hashed.
const MAX_KEYS: i64 = 1 << 20;

impl Plugin for Kernels {
    type Params = Params;

    fn info() -> PluginInfo {
        PluginInfo::new("kernels", "0.1.0")
            .description("Sum and group-by over numbers.")
            .param("kernel", "sum", "`sum`, `groupby` or `scan`.")
            .param("dataset", "numbers", "Dataset for `scan`.")
            .param("columns", "key,value", "Comma-separated columns for `scan`.")
            .dataset("numbers", &["key", "value"], "key s64 in [0, 2^20), value f64.")
            .metric("sum", "`sum`: the sum of `value`.")
            .table(
                "sums",
                "`groupby`: the sum of `value` per `key`.",
                &[col("key", ValueType::S64), col("sum", ValueType::F64)],
            )
            .metric("rows", "`scan`: rows read.")
            .metric("string_bytes", "`scan`: bytes of the string columns' rows.")
    }

    fn run(ctx: &mut Context, p: Params) -> Result<Output, Error> {
        match p.kernel.as_str() {
            "sum" => {
                let mut sum = 0.0;
                for batch in ctx.scan("numbers", &["value"])? {
                    sum += batch?.f64("value")?.iter().sum::<f64>();
                }
                Ok(Output::new().metric("sum", sum, ""))
            }
            "groupby" => {
                let mut sums: Vec<f64> = Vec::new();
                for batch in ctx.scan("numbers", &["key", "value"])? {
                    let batch = batch?;
                    for (&key, &value) in batch.s64("key")?.iter().zip(batch.f64("value")?) {
                        if !(0..MAX_KEYS).contains(&key) {
                            return Err(Error::invalid_data(format!("key {key} out of range")));
                        }
                        let key = key as usize;
                        if key >= sums.len() {
                            sums.resize(key + 1, 0.0);
                        }
                        sums[key] += value;
                    }
                }
                let keys = (0..sums.len() as i64).collect();
                Ok(Output::new().table("sums", Batch::new().with_s64("key", keys).with_f64("sum", sums)))
            }
            "scan" => {
                let columns: Vec<&str> = p.columns.split(',').collect();
                let (mut rows, mut bytes) = (0_usize, 0_usize);
                for batch in ctx.scan(&p.dataset, &columns)? {
                    let batch = batch?;
                    rows += batch.num_rows();
                    for column in batch.columns() {
                        // Packed or dictionary-encoded alike: each row's string, read in place.
                        if let Some(values) = column.data.strs() {
                            bytes += values.iter().map(str::len).sum::<usize>();
                        }
                    }
                }
                Ok(Output::new().metric("rows", rows as f64, "").metric("string_bytes", bytes as f64, ""))
            }
            other => Err(Error::invalid_params(format!("unknown kernel `{other}`"))),
        }
    }
}

kiln_sdk::export!(Kernels);
